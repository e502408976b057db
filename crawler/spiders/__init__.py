"""Spiders find and fetch pages; they do no text cleaning."""
