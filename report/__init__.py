"""The run report: one self-contained HTML page from a dump folder's manifests (report/render.py)."""
