"""Commerce read models: products (with live stock) and orders."""
