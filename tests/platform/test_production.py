"""Production fails closed: it will not start with anything only fit for a demo, and each
refusal names the setting that changes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from contactless.app import create_app
from contactless.journeys.ekyc import KycResult
from contactless.journeys.uploads import UploadedFile
from contactless.platform.db import Base
from contactless.platform.kernel import build_kernel
from contactless.platform.store import MemoryStore
from contactless.risk.port import Decision, Operation, Outcome
from contactless.settings import InsecureSettings, Mode, Settings
from tests.conftest import TEST_AUDIT_KEY, TEST_DATA_KEY, TEST_SECRET, make_settings

STRONG = {"secret_key": TEST_SECRET, "data_key": TEST_DATA_KEY, "audit_key": TEST_AUDIT_KEY}


class Gateway:
    name = "test-gateway"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, session: Session, *, to_mobile: str, body: str, kind: str) -> None:
        self.sent.append(to_mobile)


class Verifier:
    name = "test-provider"

    def verify_identity(self, session: Session, *, name: str, id_number: str,
                        mobile: str) -> KycResult:
        return KycResult(False, ("provider_says_no",))

    def verify_liveness(self, session: Session, *, selfie: UploadedFile) -> KycResult:
        return KycResult(False, ("provider_says_no",))


class Policy:
    def decide(self, session: Session, *, operation: Operation) -> Decision:
        return Decision(Outcome.REVIEW, ("everything_reviewed",))


def gateway(settings: Settings) -> Gateway:
    return Gateway()


def verifier(settings: Settings) -> Verifier:
    return Verifier()


def policy(settings: Settings) -> Policy:
    return Policy()


PARTS = {"sms_channel": f"{__name__}:gateway", "identity_verifier": f"{__name__}:verifier",
         "risk_policy": f"{__name__}:policy"}


def production(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"mode": Mode.PRODUCTION, "home": tmp_path, "cookie_secure": True,
                              "argon2_time_cost": 1, "argon2_memory_kib": 1024,
                              **STRONG, **PARTS}
    values.update(overrides)
    return Settings(**values)


def refusals(settings: Settings) -> list[str]:
    with pytest.raises(InsecureSettings) as refused:
        create_app(settings)
    return refused.value.problems


def test_default_or_short_secrets_and_insecure_cookies_are_refused(tmp_path: Path) -> None:
    problems = refusals(production(tmp_path, secret_key="short", data_key="change-me",
                                   cookie_secure=False))
    assert [p.split(" ")[0] for p in problems] == [
        "CONTACTLESS_SECRET_KEY", "CONTACTLESS_DATA_KEY", "CONTACTLESS_COOKIE_SECURE"]


@pytest.mark.parametrize("audit_key", ["change-me", "short-audit-key", TEST_DATA_KEY])
def test_a_default_short_or_reused_audit_key_is_refused(tmp_path: Path, audit_key: str) -> None:
    problems = refusals(production(tmp_path, audit_key=audit_key))
    assert [p.split(" ")[0] for p in problems] == ["CONTACTLESS_AUDIT_KEY"]


@pytest.mark.parametrize("setting", ["sms_channel", "identity_verifier", "risk_policy"])
def test_each_demo_part_is_refused_by_its_setting(tmp_path: Path, setting: str) -> None:
    default = {"sms_channel": "outbox", "identity_verifier": "embedded",
               "risk_policy": "approve_all"}[setting]
    problems = refusals(production(tmp_path, **{setting: default}))
    assert len(problems) == 1
    assert problems[0].startswith(f"CONTACTLESS_{setting.upper()}:")


def test_approving_everything_can_be_chosen_explicitly(tmp_path: Path) -> None:
    settings = production(tmp_path, risk_policy="approve_all", risk_allow_approve_all=True)
    create_app(settings).state.kernel.db.dispose()


def test_a_part_that_cannot_be_imported_names_its_setting(tmp_path: Path) -> None:
    problems = refusals(production(tmp_path, risk_policy="nowhere.at_all:policy"))
    assert problems[0].startswith("CONTACTLESS_RISK_POLICY='nowhere.at_all:policy'")


def test_production_sends_hsts_and_the_csp_and_hides_metrics_and_errors(tmp_path: Path) -> None:
    settings = production(tmp_path, api_docs=False, metrics_token="x" * 40)
    kernel = build_kernel(settings, store=MemoryStore())
    Base.metadata.create_all(kernel.db.engine)
    app = create_app(kernel=kernel)
    assert isinstance(kernel.channel, Gateway)
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/console/login")
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "script-src 'self';" in page.headers["content-security-policy"]
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer " + "y" * 40}
                          ).status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40}
                          ).status_code == 200
    kernel.db.dispose()


def test_health_shows_no_exception_text(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none")
    kernel = build_kernel(settings, store=MemoryStore())
    with TestClient(create_app(kernel=kernel)) as client:
        health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "unavailable"}


def test_every_mode_sends_the_csp_but_only_production_hsts(tmp_path: Path) -> None:
    kernel = build_kernel(make_settings(tmp_path), store=MemoryStore())
    Base.metadata.create_all(kernel.db.engine)
    with TestClient(create_app(kernel=kernel)) as client:
        page = client.get("/m/login")
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert "strict-transport-security" not in page.headers
    kernel.db.dispose()


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTLESS_")}
    clean.update({"CONTACTLESS_MODE": "production", "CONTACTLESS_HOME": str(tmp_path), **env})
    command = [str(Path(sys.executable).parent / "contactless"), "serve", "--port", "1", *args]
    return subprocess.run(command, env=clean, capture_output=True, text=True, timeout=240,  # noqa: S603
                          check=False)


def test_serve_in_production_with_default_secrets_exits_naming_the_setting(
        tmp_path: Path) -> None:
    done = _serve(tmp_path, "--workers", "2")
    assert done.returncode == 2
    # every refusal in one round, so an operator fixes them all at once
    for setting in ("SECRET_KEY", "DATA_KEY", "COOKIE_SECURE", "SMS_CHANNEL",
                    "IDENTITY_VERIFIER", "RISK_RULES_ONLY", "REDIS_URL"):
        assert f"CONTACTLESS_{setting}" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_in_production_refuses_workers_without_redis(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--workers", "2", CONTACTLESS_SECRET_KEY=TEST_SECRET,
                  CONTACTLESS_DATA_KEY=TEST_DATA_KEY, CONTACTLESS_AUDIT_KEY=TEST_AUDIT_KEY,
                  CONTACTLESS_COOKIE_SECURE="true")
    assert done.returncode == 2
    assert "CONTACTLESS_REDIS_URL" in done.stderr
