"""Understanding a customer's message: intents, confidence and entities (no web, no database)."""
