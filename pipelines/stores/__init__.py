"""State stores, Scrapy-free: per-site template models, the repost index, per-URL state, and
their Redis twins for distributed mode."""
