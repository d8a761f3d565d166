"""Articles: the news reports the service ingests."""
