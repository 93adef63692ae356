"""Risk decisions before money moves: a port, and the default policy until the risk module."""
