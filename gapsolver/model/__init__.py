"""The constraint model: columns, the constraint families and their rows."""
