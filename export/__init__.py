"""The corpus out of the dumps: `scrapy export` (crawler/commands/export.py), no Scrapy here.

schema.py  the Arrow schema, derived from crawler/article.schema.json at run time
corpus.py  which rows make the corpus (the latest revision of each id, reposts out or marked),
           written as Parquet or JSONL shards into a folder swapped in whole
card.py    the dataset card (README.md of the export)
"""
