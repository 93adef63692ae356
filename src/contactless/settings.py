"""Settings: the only place that reads the environment (prefix ``CONTACTLESS_``)."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"  # noqa: S105 - the sentinel that is refused outside dev/demo
KEYS_FILE = "keys.json"


class Mode(StrEnum):
    DEV = "dev"
    DEMO = "demo"
    TEST = "test"
    PRODUCTION = "production"


SMS_OUTBOX_REFUSED = ("CONTACTLESS_SMS_CHANNEL: the outbox keeps texts in the database and "
                      "sends nothing; name your SMS gateway's module:factory")
VERIFIER_REFUSED = ("CONTACTLESS_IDENTITY_VERIFIER: the built-in identity check is for tests "
                    "and demos; name your e-KYC provider's module:factory")
RULES_ONLY_REFUSED = ("CONTACTLESS_RISK_RULES_ONLY: the risk engine has no trained model (train "
                      "one: contactless risk train); set CONTACTLESS_RISK_RULES_ONLY=true to "
                      "decide on rules and lists only")
APPROVE_ALL_REFUSED = ("CONTACTLESS_RISK_POLICY: the default policy approves every operation; "
                       "name your policy's module:factory (or set "
                       "CONTACTLESS_RISK_ALLOW_APPROVE_ALL=true to run without one)")


class InsecureSettings(ValueError):
    """Raised when a default secret is used outside development or demo mode, or when
    production would start with something only fit for a demo; the message names each
    setting to change."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("refusing to start:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTLESS_", extra="ignore")

    mode: Mode = Mode.DEV
    home: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    data_key: SecretStr = SecretStr(DEFAULT_SECRET)
    # keys the audit trail's seals and its digests of personal data; kept out of the database
    audit_key: SecretStr = SecretStr(DEFAULT_SECRET)
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh-CN"
    bank_name: str = "示范农商银行"
    log_json: bool | None = None
    otp_ttl_seconds: int = 300
    otp_resend_seconds: int = 60
    # wrong codes per mobile, counted across resends: the number locks when a window is full
    otp_failures_per_window: int = 5
    otp_failure_window_seconds: int = 900
    otp_failures_per_day: int = 10
    otp_sends_per_day: int = 10
    # per network (IPv4 /24, IPv6 /48) and per device, each hour
    otp_network_sends_per_hour: int = 100
    otp_network_checks_per_hour: int = 300
    otp_device_sends_per_hour: int = 10
    otp_device_checks_per_hour: int = 30
    login_max_failures: int = 5
    login_lock_seconds: int = 900
    login_ip_limit_per_minute: int = 30
    # forged, damaged or unknown QR links one network may send per minute before they are
    # refused without a scan record
    qr_bad_links_per_minute: int = 30
    # calls one partner API client may make to one /open/v1 endpoint in a moving window of
    # ``partner_rate_window_seconds`` (the ``limits`` library: in-process, or on Redis when
    # ``redis_url`` is set), and the endpoints ("METHOD /open/v1/...") with a limit of their own
    partner_calls_per_minute: int = Field(default=120, ge=1)
    partner_rate_window_seconds: int = Field(default=60, ge=1, le=3600)
    partner_endpoint_limits: dict[str, int] = Field(default_factory=lambda: {
        "POST /open/v1/oauth/token": 30, "POST /open/v1/events": 60})
    session_max_age_seconds: int = 8 * 3600
    access_token_seconds: int = 3600
    cookie_secure: bool = False
    # request bodies: JSON and forms, and uploads (multipart, or files as base64 JSON)
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 16 * 1024 * 1024
    corebank_port: str = "embedded"
    # the assistant answers a message when its confidence reaches this; two answers in a row
    # below it hand the conversation to a person
    assistant_handoff_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    # a longer message is cut here (with a polite note) before it is understood and kept
    assistant_max_message_chars: int = Field(default=500, ge=20, le=10_000)
    # four eyes (双人复核): a staff-initiated debit (transfer, outbound transfer, cash paid out)
    # above this amount waits for a branch manager; a loan rate outside the loan product's
    # range (annual, a fraction) waits too
    four_eyes_debit_limit: Decimal = Decimal("50000.00")
    loan_rate_min: Decimal = Decimal("0.0300")
    loan_rate_max: Decimal = Decimal("0.1800")
    # 结息: demand interest settles on this day of March, June, September and December (and is
    # credited the next day), accrued daily on the day-end balance over this day-count basis
    interest_settlement_day: int = Field(default=20, ge=1, le=28)
    interest_day_count_basis: int = Field(default=360, ge=360, le=366)
    # 部分提前支取: what must stay in a time deposit after its one partial withdrawal (CNY)
    partial_withdrawal_minimum: Decimal = Decimal("50.00")
    # large CDs (大额存单) allow a partial withdrawal only when the bank's product says so
    cd_partial_withdrawal: bool = False
    # the day close's general-ledger exports (None: HOME/gl)
    gl_export_dir: Path | None = None
    # what production must replace: "module:factory" of a callable taking the Settings
    sms_channel: str = "outbox"
    identity_verifier: str = "embedded"
    # "engine": the risk engine (features, rules, lists, the model); "approve_all": the
    # placeholder; else a bank's own policy as module:factory
    risk_policy: str = "engine"
    # production refuses the approve-everything risk policy unless this says it is meant
    risk_allow_approve_all: bool = False
    # production refuses to decide without a trained model unless this says rules-only is meant
    risk_rules_only: bool = False
    # where the model registry lives (None: HOME/risk/models)
    risk_model_dir: Path | None = None
    # fraud labels arrive this long after the operation (the features count them after it)
    risk_label_delay_days: int = Field(default=7, ge=0, le=90)
    # an operation's own time may lie this far in the past / future of now
    risk_past_seconds: int = Field(default=86_400, ge=0)
    risk_future_seconds: int = Field(default=300, ge=0)
    # score thresholds by "kind", "kind/channel", "*/channel" or "*":
    # {"transfer/api": {"step_up": 0.4, "review": 0.6, "block": 0.85}}
    risk_thresholds: dict[str, dict[str, float]] = Field(default_factory=dict)
    # Prometheus reads /metrics with "Authorization: Bearer <token>"; unset: nobody can
    metrics_token: SecretStr | None = None
    # the OpenAPI document and its pages (/docs, /redoc, /openapi.json)
    api_docs: bool = True
    # a console session ends after this long without a request
    staff_idle_seconds: int = 30 * 60
    # identity checks (e-KYC) one person may run a day
    kyc_attempts_per_day: int = 5
    # behaviour events (docs/events.md): a batch's size; how far from now occurred_at may lie;
    # how long an event id is remembered in memory as a duplicate (the lake's merge keeps
    # each id once beyond that); when a log segment is closed for the lake; how often the
    # background compaction runs (0: never, e.g. a worker runs it); the lake's place
    events_max_batch: int = Field(default=1000, ge=1, le=10_000)
    events_max_inflated_bytes: int = 8 * 1024 * 1024
    events_past_seconds: int = 7 * 86400
    events_future_seconds: int = 300
    events_dedupe_seconds: int = 24 * 3600
    events_segment_bytes: int = 64 * 1024 * 1024
    events_segment_seconds: float = 10.0
    events_compact_seconds: float = 30.0
    events_retention_days: int = 400
    events_lake_dir: Path | None = None
    # the lake in an object store instead (S3 or S3-compatible, e.g. MinIO, Ceph):
    # s3://bucket/prefix?endpoint_override=host:9000&scheme=http&region=...; credentials from
    # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    events_lake_url: str | None = None
    # what evaluates segments over the lake: DuckDB in this process, or Apache Spark (the
    # `spark` extra) at spark_master (local[*]: this machine; spark://host:7077: a cluster
    # that reads the lake at the same path)
    segment_engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = "local[*]"
    # real-time aggregates take events up to this late (by event time); later ones go to the
    # lake only
    events_aggregate_lateness_seconds: int = Field(default=86400, ge=0)
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    extra_key_ids: dict[str, SecretStr] = Field(default_factory=dict)
    # the audit sealer: a writer seals after its commit when the last seal is this old (0: only
    # the worker and `contactless audit seal` seal), at most this many entries a seal; a
    # missing sequence number is recorded as a gap only after the transactions that could
    # still hold it have ended, waited for at most audit_gap_grace_seconds
    audit_seal_seconds: float = Field(default=5.0, ge=0)
    audit_seal_batch: int = Field(default=1000, ge=1, le=100_000)
    audit_gap_grace_seconds: float = Field(default=2.0, ge=0, le=60)
    # where `contactless audit anchor` appends the sealed head (None: HOME/audit-anchors.jsonl)
    audit_anchor_file: Path | None = None

    @model_validator(mode="after")
    def _load_home_keys(self) -> Settings:
        """Use keys kept in HOME (written by ``contactless demo``) when none are given."""
        keys_path = self.home / KEYS_FILE
        if keys_path.exists():
            stored = json.loads(keys_path.read_text())
            if self.secret_key.get_secret_value() == DEFAULT_SECRET:
                self.secret_key = SecretStr(stored["secret_key"])
            if self.data_key.get_secret_value() == DEFAULT_SECRET:
                self.data_key = SecretStr(stored["data_key"])
            if self.audit_key.get_secret_value() == DEFAULT_SECRET and "audit_key" in stored:
                self.audit_key = SecretStr(stored["audit_key"])
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.home / 'contactless.db').resolve()}"

    @property
    def anchor_path(self) -> Path:
        return self.audit_anchor_file or self.home / "audit-anchors.jsonl"

    @property
    def is_postgres(self) -> bool:
        return self.sqlalchemy_url.startswith("postgresql")

    @property
    def json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.mode not in (Mode.DEV, Mode.TEST)

    def check_secrets(self) -> None:
        """Refuse default secrets outside dev, demo and test, and in production everything
        the settings alone show is unfit (what is plugged in is checked by ``create_app``)."""
        if self.mode in (Mode.DEV, Mode.DEMO, Mode.TEST):
            return
        problems = []
        for name in ("secret_key", "data_key", "audit_key"):
            value: SecretStr = getattr(self, name)
            if value.get_secret_value() == DEFAULT_SECRET or len(value.get_secret_value()) < 32:
                problems.append(f"CONTACTLESS_{name.upper()} must be set to a random value of "
                                "32+ characters")
        if self.mode is Mode.PRODUCTION:
            problems += self.production_problems()
        if problems:
            raise InsecureSettings(problems)

    def production_problems(self) -> list[str]:
        problems = []
        audit_key = self.audit_key.get_secret_value()
        if audit_key in (self.secret_key.get_secret_value(), self.data_key.get_secret_value()):
            problems.append("CONTACTLESS_AUDIT_KEY must differ from the secret and data keys")
        if not self.cookie_secure:
            problems.append("CONTACTLESS_COOKIE_SECURE must be true (cookies only over HTTPS)")
        token = self.metrics_token.get_secret_value() if self.metrics_token else ""
        if token and len(token) < 32:
            problems.append("CONTACTLESS_METRICS_TOKEN must be 32+ random characters")
        if self.sms_channel == "outbox":
            problems.append(SMS_OUTBOX_REFUSED)
        if self.identity_verifier == "embedded":
            problems.append(VERIFIER_REFUSED)
        if self.risk_policy == "approve_all" and not self.risk_allow_approve_all:
            problems.append(APPROVE_ALL_REFUSED)
        if self.risk_policy == "engine" and not self.risk_rules_only and not self._has_model():
            problems.append(RULES_ONLY_REFUSED)
        return problems

    def _has_model(self) -> bool:
        """Whether the model registry names a champion (whether it loads is the engine's)."""
        index = (self.risk_model_dir or self.home / "risk" / "models") / "registry.json"
        try:
            return bool(json.loads(index.read_text()).get("champion"))
        except (OSError, ValueError):
            return False


def generate_home_keys(home: Path) -> dict[str, str]:
    """Create (once) and return the keys kept in HOME for the demo bank."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / KEYS_FILE
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in ("secret_key", "data_key", "audit_key") if name not in keys]
    if not missing:
        return keys
    keys.update({name: secrets.token_urlsafe(48) for name in missing})
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys
