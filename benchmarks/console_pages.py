"""How long each console page takes to load in a browser with a cold cache, printed as JSON.

Chromium (Debian's, driven by Playwright) signs in as the demo's admin, a branch manager and
an RM, and opens every page of their menu, plus a QR code's page, a journey's figures and a
customer's page. Each page is opened in a fresh browser context, so nothing is cached: the
figure is what someone opening the link for the first time waits. From the Navigation
Timing entry of each page: ``ttfb_ms`` (the server's answer starts), ``dom_ms``
(DOMContentLoaded ends: scripts run) and ``load_ms`` (every image, style and script is in),
and ``kb`` transferred over the wire (compressed).

    .venv/bin/python benchmarks/console_pages.py                 # builds a demo bank first
    .venv/bin/python benchmarks/console_pages.py --base http://127.0.0.1:8000   # a served demo

Without ``--base`` it builds a demo of ``--customers`` customers in a temporary HOME and
serves it with ``contactless serve`` (one worker), as ``make demo`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Demo-2026-bank"  # noqa: S105 - the demo's printed password
PERSONAS = ("admin", "bm.hz", "rm01")
BIN = Path(sys.executable).parent
TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const bytes = performance.getEntriesByType("resource")
    .reduce((sum, r) => sum + (r.transferSize || 0), nav.transferSize || 0);
  return {ttfb_ms: nav.responseStart, dom_ms: nav.domContentLoadedEventEnd,
          load_ms: nav.loadEventEnd, kb: bytes / 1024};
}"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def serve_demo(home: Path, customers: int, port: int) -> subprocess.Popen[bytes]:
    """Build the demo bank in ``home`` and serve it; returns the server process."""
    env = {**os.environ, "CONTACTLESS_HOME": str(home)}
    log(f"building a demo bank of {customers} customers in {home} ...")
    subprocess.run([str(BIN / "contactless"), "demo", "--customers", str(customers)],  # noqa: S603
                   env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([str(BIN / "contactless"), "serve", "--host", "127.0.0.1",  # noqa: S603
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("the demo server did not start")


def signed_in_state(browser: Browser, base: str, username: str) -> tuple[Any, list[str]]:
    """The persona's cookies, and the pages of their menu with the detail pages behind them."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console")
    paths = [str(a.get_attribute("href")) for a in page.locator(".sidenav a").all()]
    for menu, detail in (("/console/outreach", "[data-testid=code-row] a"),
                         ("/console/journeys", "[data-testid=journeys-overview] a"),
                         ("/console/customers", "table.grid a[href^='/console/customers/']")):
        if menu in paths:
            page.goto(base + menu)
            link = page.locator(detail).first
            if link.count():
                paths.append(str(link.get_attribute("href")))
    state = context.storage_state()
    context.close()
    return state, paths


def first_loads(browser: Browser, base: str, state: Any, paths: list[str]) -> dict[str, Any]:
    """Each page opened in a new context (an empty cache) with the persona's cookies."""
    found = {}
    for path in paths:
        context = browser.new_context(storage_state=state)
        page = context.new_page()
        response = page.goto(base + path, wait_until="load")
        timing = page.evaluate(TIMING)
        found[path] = {key: round(value, 1) for key, value in timing.items()} | {
            "status": response.status if response else None}
        context.close()
    return found


def measure(base: str) -> dict[str, Any]:
    result: dict[str, Any] = {"base": base, "cold_cache": True, "pages": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for username in PERSONAS:
            state, paths = signed_in_state(browser, base, username)
            result["pages"][username] = first_loads(browser, base, state, paths)
            log(f"{username}: {len(paths)} pages")
        browser.close()
    loads = [(figures["load_ms"], f"{who} {path}") for who, pages in result["pages"].items()
             for path, figures in pages.items()]
    result["max_load_ms"], result["slowest"] = max(loads)
    result["median_load_ms"] = sorted(ms for ms, _where in loads)[len(loads) // 2]
    result["page_count"] = len(loads)
    result["over_1000_ms"] = sorted(where for ms, where in loads if ms > 1000)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", help="a served demo bank (default: build and serve one)")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if args.base:
        print(json.dumps(measure(args.base.rstrip("/")), ensure_ascii=False, indent=1))
        return
    with tempfile.TemporaryDirectory() as folder:
        server = serve_demo(Path(folder), args.customers, args.port)
        try:
            result = measure(f"http://127.0.0.1:{args.port}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
