"""The donor–recipient partnership graph."""
