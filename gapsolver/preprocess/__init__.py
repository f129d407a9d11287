"""From a file on disk to a checked scenario and its array encoding."""
