"""The Scrapy package: settings, the Article item, the news spider and run-level extensions."""
