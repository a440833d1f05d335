"""Commerce commands over HTTP (CONTRACT §4)."""
