"""An S3-compatible object store for the lake's tests: moto's server, started once per test
process on a free loopback port (a real HTTP S3 API: pyarrow's S3 client talks to it as to
MinIO or Ceph). Each test gets a prefix of its own in one bucket."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from pyarrow.fs import S3FileSystem

BUCKET = "contactless-lake"
_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """host:port of a running S3 server, with credentials in the environment."""
    port = _free_port()
    saved = {name: os.environ.get(name) for name in _ENV}
    os.environ.update(_ENV)
    # this interpreter's moto (a `moto_server` on PATH may be another Python's)
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://{endpoint}/", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the S3 test server did not start") from None
            time.sleep(0.1)
    S3FileSystem(endpoint_override=endpoint, scheme="http", region="us-east-1",
                 allow_bucket_creation=True).create_dir(BUCKET)
    yield endpoint
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_lake_url(s3_endpoint: str) -> str:
    """A lake URL of its own for the test: a prefix of the bucket."""
    return (f"s3://{BUCKET}/lake-{uuid.uuid4().hex[:12]}?endpoint_override={s3_endpoint}"
            "&scheme=http&region=us-east-1")
