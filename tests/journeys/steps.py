"""What a person does on the pages, shared by the journey browser tests."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from contactless.journeys import plugins
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD
from tests.factories.journeys import last_code


def use_outreach_codes(kernel: Kernel) -> None:
    """Let the engine read QR codes through outreach's side of the port (owners, enterprise)."""
    from contactless.outreach.sources import OutreachQrSources

    plugins.install(kernel, plugins.JourneyPlugins(sources=OutreachQrSources()))


def qr_code(kernel: Kernel, rm: Actor, purpose: str, *, params: dict[str, Any] | None = None,
            enterprise_id: uuid.UUID | None = None, channel: str = "chat") -> str:
    """An RM's QR code for a journey: the path of its scan link (/q/...)."""
    from contactless.outreach.service import codes

    with kernel.db.session() as session:
        return codes.create_code(session, rm, purpose=purpose, channel=channel, params=params,
                                 enterprise_id=enterprise_id).path


def past_the_landing(phone: Page) -> None:
    """A scanned journey code shows the RM's card and the product first: go on from it."""
    expect(phone).to_have_url(re.compile(r"/m/login\?next=|/prospect\?next=|/start\?"))
    if "/start?" in phone.url:
        expect(phone.locator("[data-testid=rm-card]")).to_be_visible()
        phone.click("[data-testid=sign-in]")


def customer_signs_in(phone: Page, kernel: Kernel, mobile: str) -> None:
    """On /m/login (with its ?next=): mobile, code, and back to where they were going."""
    past_the_landing(phone)
    expect(phone).to_have_url(re.compile(r"/m/login\?next="))
    phone.fill("input[name=mobile]", mobile)
    phone.click("button.primary")
    expect(phone.locator("input[name=code]")).to_be_visible()
    phone.fill("input[name=code]", last_code(kernel, mobile))
    phone.click("button.primary")


def prospect_proves_mobile(phone: Page, kernel: Kernel, mobile: str) -> None:
    past_the_landing(phone)
    expect(phone).to_have_url(re.compile(r"/m/journeys/\w+/prospect\?next="))
    phone.fill("input[name=mobile]", mobile)
    phone.click("button.primary")
    expect(phone.locator("input[name=code]")).to_be_visible()
    phone.fill("input[name=code]", last_code(kernel, mobile))
    phone.click("button.primary")


def on_step(phone: Page, key: str) -> None:
    expect(phone.locator("[data-testid=step]")).to_have_attribute("data-step", key)


def next_step(phone: Page) -> None:
    phone.click("[data-testid=submit]")


def upload(phone: Page, name: str, content: bytes, *, filename: str, mime: str) -> None:
    phone.set_input_files(f"input[name={name}]",
                          files=[{"name": filename, "mimeType": mime, "buffer": content}])


def agree(phone: Page) -> None:
    expect(phone.locator("[data-testid=consent-text]").first).to_be_visible()
    phone.check("input[name=agree]")
    next_step(phone)


def completed(phone: Page) -> None:
    expect(phone.locator("[data-testid=outcome]")).to_have_attribute("data-status", "completed")


def journey_id_of(phone: Page) -> uuid.UUID:
    match = re.search(r"/m/journeys/([0-9a-f-]{36})", phone.url)
    assert match, phone.url
    return uuid.UUID(match.group(1))


def console_shows_funnel(page: Page, base: str, journey_key: str, *, steps: list[str],
                         completed_count: int = 1, username: str = "admin") -> None:
    """The console's analytics page for the journey: the funnel by step and the completion."""
    page.goto(f"{base}/console/login?next=/console/journeys/{journey_key}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/console/journeys/{journey_key}")
    expect(page.locator("[data-testid=completed]")).to_have_text(str(completed_count))
    for step in steps:
        row = page.locator(f"[data-testid=funnel] tr[data-step={step}]")
        expect(row.locator("td").nth(2)).to_have_text(str(completed_count))
    expect(page.locator("#funnel-chart canvas")).to_have_count(1)
    page.click("text=全部业务流程")
    row = page.locator(f"[data-testid=journeys-overview] tr[data-journey={journey_key}]")
    expect(row.locator("td").nth(3)).to_have_text(str(completed_count))


def luhn(body: str) -> str:
    """``body`` with its Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(body + "0")):
        number = int(char)
        if position % 2 == 1:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return body + str((10 - total % 10) % 10)
