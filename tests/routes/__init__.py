"""The REST API of the server extension on the local facility."""
