"""Settings: the only place that reads the environment (prefix ``CONTACTLESS_``)."""

from __future__ import annotations

import json
import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"  # noqa: S105 - the sentinel that is refused outside dev/demo
KEYS_FILE = "keys.json"


class Mode(StrEnum):
    DEV = "dev"
    DEMO = "demo"
    TEST = "test"
    PRODUCTION = "production"


class InsecureSettings(ValueError):
    """Raised when a default secret is used outside development or demo mode."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTLESS_", extra="ignore")

    mode: Mode = Mode.DEV
    home: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    data_key: SecretStr = SecretStr(DEFAULT_SECRET)
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh-CN"
    bank_name: str = "示范农商银行"
    log_json: bool | None = None
    otp_ttl_seconds: int = 300
    otp_max_attempts: int = 5
    otp_resend_seconds: int = 60
    login_max_failures: int = 5
    login_lock_seconds: int = 900
    login_ip_limit_per_minute: int = 30
    # forged, damaged or unknown QR links one network may send per minute before they are
    # refused without a scan record
    qr_bad_links_per_minute: int = 30
    session_max_age_seconds: int = 8 * 3600
    access_token_seconds: int = 3600
    cookie_secure: bool = False
    corebank_port: str = "embedded"
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    extra_key_ids: dict[str, SecretStr] = Field(default_factory=dict)

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
    def is_postgres(self) -> bool:
        return self.sqlalchemy_url.startswith("postgresql")

    @property
    def json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.mode not in (Mode.DEV, Mode.TEST)

    def check_secrets(self) -> None:
        """Refuse default secrets outside dev, demo and test."""
        if self.mode in (Mode.DEV, Mode.DEMO, Mode.TEST):
            return
        for name in ("secret_key", "data_key"):
            value: SecretStr = getattr(self, name)
            if value.get_secret_value() == DEFAULT_SECRET or len(value.get_secret_value()) < 32:
                raise InsecureSettings(
                    f"CONTACTLESS_{name.upper()} must be set to a random value of 32+ characters"
                )


def generate_home_keys(home: Path) -> dict[str, str]:
    """Create (once) and return the keys kept in HOME for the demo bank."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / KEYS_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    keys = {"secret_key": secrets.token_urlsafe(48), "data_key": secrets.token_urlsafe(48)}
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys
