"""Text machinery, Scrapy-free: decoding, normalisation, ruby, mojibake, the Chinese line
classifier and its patterns, article extraction and the extraction worker pool."""
