"""The open platform (开放平台): partners, their API clients, OAuth tokens, signed requests and
customers' consents."""
