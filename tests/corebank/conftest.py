"""Core-banking tests import the ledger's models themselves, and share the web fixtures."""

import contactless.corebank.models  # noqa: F401
from tests.web.conftest import browser, client, live_server, page, phone

__all__ = ["browser", "client", "live_server", "page", "phone"]
