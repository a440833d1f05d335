"""The push service: projection changes streamed to subscribed WebSocket clients."""
