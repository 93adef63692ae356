"""The six built-in journeys (a–f of issue 5), each a declaration the engine runs."""
