"""Journey API tests use a client on SQLite (most need one database only)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from contactless.app import create_app
from contactless.platform.kernel import Kernel


@pytest.fixture
def api(sqlite_kernel: Kernel) -> Iterator[TestClient]:
    """A test client on the SQLite kernel (most API tests need one database only)."""
    with TestClient(create_app(kernel=sqlite_kernel), base_url="http://testserver",
                    follow_redirects=False) as test_client:
        yield test_client
