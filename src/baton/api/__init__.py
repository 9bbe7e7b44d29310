"""The HTTP API: the bot-facing `/v1` endpoints, agents' and admins' endpoints, and the console."""
