"""HTTP and WebSocket plumbing shared by the command, query and push services."""
