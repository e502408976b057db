"""Item pipeline stages (thin Scrapy glue) and the Scrapy-free text machinery behind them."""
