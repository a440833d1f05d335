"""Write side: HTTP routes that validate input and call one application method each."""
