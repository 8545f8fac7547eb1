"""Domain events: the catalog, the stream publisher, queue consumers and WebSocket push."""
