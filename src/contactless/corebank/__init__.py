"""Core banking: the port the platform talks to, and the embedded double-entry ledger."""
