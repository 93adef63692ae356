"""Static files: content-hashed names cached for a year, gzip for text, the favicon answers."""

from __future__ import annotations

import gzip
import re

from fastapi.testclient import TestClient


def test_pages_name_static_files_by_content_and_those_are_cached_for_good(
    client: TestClient,
) -> None:
    page = client.get("/console/login")
    css = re.search(r'href="(/static/app\.[0-9a-f]{10}\.css)"', page.text)
    assert css is not None
    response = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/css")
    plain = client.get("/static/app.css", headers={"Accept-Encoding": "identity"})
    assert plain.headers["cache-control"] == "public, no-cache"
    assert "content-encoding" not in plain.headers
    assert response.content == plain.content
    again = client.get("/static/app.css", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304


def test_the_chart_library_travels_gzipped_and_only_to_pages_with_charts(
    client: TestClient,
) -> None:
    # httpx decodes a body it is handed whole; the raw stream shows what travelled
    with client.stream("GET", "/static/vendor/echarts.min.js",
                       headers={"Accept-Encoding": "gzip"}) as streamed:
        assert streamed.headers["content-encoding"] == "gzip"
        packed = b"".join(streamed.iter_raw())
    body = gzip.decompress(packed)
    assert len(packed) < len(body) / 2
    assert int(streamed.headers["content-length"]) == len(packed)
    assert "echarts" not in client.get("/console/login").text


def test_the_favicon_answers_and_unknown_static_files_do_not(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"
    assert client.get("/static/nothing-here.js").status_code == 404
    assert client.post("/static/app.css").status_code == 405
