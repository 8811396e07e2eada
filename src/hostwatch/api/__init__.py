"""HTTP and WebSocket surfaces: the app factory and one router per API shape."""
