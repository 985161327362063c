"""Fake outside services (Bot API, …) that the real client libraries talk to in tests."""
