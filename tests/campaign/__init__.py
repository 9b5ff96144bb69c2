"""The fault, concurrency and fuzz campaign against a running server."""
