"""From solver values to a result planners read and programs process."""
