"""Nobody reads a raw value: the main console and /m pages of the demo bank, in Chinese and
in English, as the admin, a branch manager, an RM, the auditor and a customer, show no
stored code (a role, channel, status, journey key, audit action, ...) as text."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import contactless.corebank.constants as corebank_constants
from contactless.app import create_app, install_domains
from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.demo.service import build_demo_bank
from contactless.events import audience
from contactless.events.registry import default_registry
from contactless.identity.models import ApprovalStatus, BranchKind, Role
from contactless.identity.permissions import Operation
from contactless.journeys.catalog import builtin_journeys
from contactless.journeys.models import JourneyStatus
from contactless.outreach import service as outreach
from contactless.outreach.models import CodeStatus, ConversionStatus, OwnerStatus, ScanResult
from contactless.platform.clock import today_in
from contactless.platform.context import SYSTEM
from contactless.platform.db import Base
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from contactless.web.labels import LABELS
from tests.conftest import _import_all_models, make_settings
from tests.journeys.apiclient import App

SOURCE = Path(__file__).resolve().parents[2] / "src" / "contactless"
PASSWORD = "Demo-2026-bank"
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
# names a bank prints as they are (risk levels R1-R5 are how regulators name them)
PRINTED_AS_IS = {corebank_constants.RiskLevel}


def raw_values() -> set[str]:
    """Every stored code a page could leak, collected from the code itself."""
    values: set[str] = set()
    for enum in (Role, BranchKind, ApprovalStatus, Operation, CodeStatus, OwnerStatus,
                 ScanResult, ConversionStatus):
        values |= {member.value for member in enum}
    for name in dir(corebank_constants):
        item = getattr(corebank_constants, name)
        if isinstance(item, type) and issubclass(item, StrEnum) and item is not StrEnum \
                and item not in PRINTED_AS_IS:
            values |= {member.value for member in item}
    values |= {value for name, value in vars(JourneyStatus).items()
               if not name.startswith("_") and isinstance(value, str)}
    values |= set(outreach.CHANNELS) | {"expired", "scheduled", "campaign"}
    values |= {journey.key for journey in builtin_journeys()}
    # behaviour data: event types, tags and profile properties have names of their own
    values |= set(default_registry().types) | {rule.name for rule in audience.TAGS}
    values |= {prop.name for prop in audience.PROPERTIES}
    code = "\n".join(path.read_text() for path in SOURCE.rglob("*.py"))
    values |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', code))
    values |= set(re.findall(r'target_type="([a-z_]+)"', code))
    return values


class VisibleText(HTMLParser):
    """The text nodes a person reads (not scripts, styles or attributes); what a page marks
    ``translate="no"`` (a sign-in name someone types) is literal on purpose."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._open: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self._open.append(tag in ("script", "style") or ("translate", "no") in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if not any(self._open) and data.strip():
            self.texts.append(data.strip())


def leaks(html: str, values: set[str], *, chinese: bool) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    found = []
    for text in parser.texts:
        if text in values or re.search(r"\b(staff|customer|system):[0-9a-f]{6,}", text):
            found.append(text)
            continue
        # a value set apart ("曹飞 · rm", "Channel: sms") is a value, whatever the language
        found += [f"{part!r} in {text!r}" for part in
                  (p.strip() for p in re.split(r"[·|:：()（）,，]", text)) if part in values]
        for token in re.findall(r"[A-Za-z0-9_.:-]+", text):
            # in Chinese any stored code stands out; in English only those no word looks like
            coded = ("_" in token or "." in token.strip(".") or token.startswith("campaign:")
                     or any(ch.isdigit() for ch in token))
            if token in values and (chinese or coded) or token.startswith("campaign:"):
                found.append(f"{token!r} in {text!r}")
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Kernel, TestClient]]:
    """The demo bank, built once for the module (it takes seconds)."""
    _import_all_models()
    kernel = install_domains(build_kernel(make_settings(tmp_path_factory.mktemp("demo")),
                                          store=MemoryStore()))
    Base.metadata.create_all(kernel.db.engine)
    with kernel.db.session() as session:
        build_demo_bank(session, seed=11, customer_count=40, today=today_in("Asia/Shanghai"))
    with TestClient(create_app(kernel=kernel), base_url="http://testserver",
                    follow_redirects=False) as client:
        yield kernel, client
    kernel.db.dispose()


def staff(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": username,
                                                    "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def console_pages(kernel: Kernel) -> dict[str, list[str]]:
    with kernel.db.session() as session:
        codes = outreach.list_codes(session, SYSTEM)
        people, _total = customers.list_customers(session, SYSTEM, limit=5)
    code_pages = [f"/console/outreach/codes/{c.id}" for c in codes[:3]]
    common = ["/console", "/console/outreach", "/console/outreach/leaderboard",
              "/console/journeys", "/console/journeys/deposit_renewal",
              "/console/journeys/wealth_purchase"]
    return {
        "admin": [*common, "/console/customers", "/console/branches", "/console/staff",
                  "/console/messages", "/console/audit", *code_pages,
                  "/console/partners", f"/console/customers/{people[0].id}",
                  "/console/events/segments", "/console/events/segments/new",
                  "/console/events/explorer", f"/console/events/customers/{people[0].id}"],
        "bm.hz": [*common, "/console/customers", "/console/staff", "/console/approvals",
                  "/console/approvals?status=all", "/console/outreach/conversions",
                  "/console/events/segments"],
        "rm01": [*common, "/console/customers", "/console/outreach/conversions",
                 "/console/approvals"],
        "auditor": ["/console", "/console/audit", "/console/approvals?status=all",
                    "/console/journeys"],
    }


def banked_customer(kernel: Kernel) -> tuple[str, uuid.UUID]:
    """A demo customer with a time deposit: their mobile and demand account."""
    with kernel.db.session() as session:
        people, _total = customers.list_customers(session, SYSTEM, limit=100)
        for person in people:
            if corebank.deposits_of_customer(session, SYSTEM, customer_id=person.id):
                mobile = customers.get_customer(session, SYSTEM, customer_id=person.id,
                                                unmasked=True).mobile
                account = corebank.accounts_of_customer(session, SYSTEM,
                                                        customer_id=person.id)[0]
                return mobile, account.id
    raise AssertionError("the demo has no customer with a deposit")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_console_pages_show_names_not_stored_codes(demo: tuple[Kernel, TestClient],
                                                   locale: str) -> None:
    kernel, client = demo
    values = raw_values()
    found: dict[str, list[str]] = {}
    for username, paths in console_pages(kernel).items():
        headers = staff(client, username) | {"Accept-Language": locale}
        for path in paths:
            page = client.get(path, headers=headers)
            assert page.status_code == 200, (username, path, page.status_code)
            leaked = leaks(page.text, values, chinese=locale == "zh-CN")
            if leaked:
                found[f"{username} {path}"] = leaked
    assert found == {}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_mobile_pages_show_names_not_stored_codes(demo: tuple[Kernel, TestClient],
                                                  locale: str) -> None:
    kernel, client = demo
    mobile, account_id = banked_customer(kernel)
    app = App(client, kernel, mobile, language=locale)
    values = raw_values()
    found: dict[str, list[str]] = {}
    for path in ("/m/products", "/m/journeys", "/m/me", "/m/messages",
                 f"/m/accounts/{account_id}", "/m/journeys/deposit_renewal/start"):
        page = client.get(path, headers=app.headers, follow_redirects=True)
        assert page.status_code == 200, (path, page.status_code)
        leaked = leaks(page.text, values, chinese=locale == "zh-CN")
        if leaked:
            found[path] = leaked
    assert found == {}


def test_the_check_catches_a_raw_role_a_raw_channel_and_an_audit_action() -> None:
    values = raw_values()
    assert {"branch_manager", "campaign", "staff.signed_in", "deposit_renewal",
            "qr_code", "pending"} <= values
    assert leaks("<td>曹飞 · rm</td>", values, chinese=True)
    assert leaks("<td>Cao Fei · rm</td>", values, chinese=False)
    assert leaks("<td>Term 6m, rate 1.25%</td>", values, chinese=False)
    assert leaks("<td>branch_manager</td>", values, chinese=False) == ["branch_manager"]
    assert leaks("<td>campaign:spring2026</td>", values, chinese=False)
    assert leaks("<td>staff:e407ad73</td>", values, chinese=False)
    assert leaks("<td>Role: Relationship manager, pending review</td>", values,
                 chinese=False) == []
    assert leaks("<script>var rm = 1;</script><p>客户经理<br>admin</p>", values,
                 chinese=True) == ["admin"]
    assert leaks('<td translate="no">admin</td><td>系统管理员</td>', values, chinese=True) == []


SOURCE = Path(__file__).parents[2] / "src" / "contactless"
_WRITTEN_ACTION = re.compile(r'action="([a-z_]+\.[a-z_.]*[a-z])"')
_WRITTEN_TARGET = re.compile(r'target_type="([a-z_]+)"')


def test_every_audit_action_and_target_written_has_a_label() -> None:
    """The audit page names each entry: every action and target type the code writes as a
    literal has a label (and so a translation), whatever the demo happens to show."""
    written = "\n".join(path.read_text() for path in SOURCE.rglob("*.py"))
    actions = set(_WRITTEN_ACTION.findall(written))
    targets = set(_WRITTEN_TARGET.findall(written))
    assert sorted(actions - set(LABELS["audit_action"])) == []
    assert sorted(targets - set(LABELS["target_type"])) == []
