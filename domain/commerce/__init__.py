"""Commerce: products, their stock, and orders that reserve it."""
