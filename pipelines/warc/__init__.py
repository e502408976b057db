"""WARC machinery, no Scrapy: writing a crawl's archive (writer.py), reading any WARC (reader.py)."""
