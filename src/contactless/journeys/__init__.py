"""Journeys: business done online from start to finish (the journey engine and built-ins)."""
