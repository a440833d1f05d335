"""Commerce reads (CONTRACT §4) from the products and orders read models."""
