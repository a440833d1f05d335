"""Read side: queries over read models, and the WebSocket push service."""
