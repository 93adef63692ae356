"""The synthetic demo bank."""
