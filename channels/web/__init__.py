"""The citizen web channel: complaint form, tracking page, confirmation and rating."""
