from pathlib import Path

import pytest

from contactless.settings import InsecureSettings, Mode, Settings, generate_home_keys


def test_default_secrets_are_refused_in_production(tmp_path: Path) -> None:
    settings = Settings(mode=Mode.PRODUCTION, home=tmp_path)
    with pytest.raises(InsecureSettings):
        settings.check_secrets()


def test_strong_secrets_are_accepted_in_production(tmp_path: Path) -> None:
    settings = Settings(mode=Mode.PRODUCTION, home=tmp_path, secret_key="s" * 40,  # type: ignore[arg-type]
                        data_key="d" * 40, audit_key="a" * 40,  # type: ignore[arg-type]
                        cookie_secure=True, sms_channel="bank.sms:gateway",
                        identity_verifier="bank.kyc:verifier", risk_policy="bank.risk:policy")
    settings.check_secrets()


def test_keys_kept_in_home_are_used(tmp_path: Path) -> None:
    keys = generate_home_keys(tmp_path)
    settings = Settings(home=tmp_path)
    assert settings.secret_key.get_secret_value() == keys["secret_key"]
    assert settings.audit_key.get_secret_value() == keys["audit_key"] != keys["data_key"]
    assert generate_home_keys(tmp_path) == keys
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0


def test_environment_is_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("CONTACTLESS_HOME", str(tmp_path))
    monkeypatch.setenv("CONTACTLESS_TIMEZONE", "UTC")
    monkeypatch.setenv("CONTACTLESS_DATABASE_URL", "postgresql://u@h/db")
    settings = Settings()
    assert settings.timezone == "UTC"
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"
    assert settings.redis_url is None
