"""Customer profiles (PII encrypted), enterprises and their rosters, RM relationships."""
