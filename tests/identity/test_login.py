import uuid
from datetime import timedelta

import pytest

from contactless.identity import repository
from contactless.identity import service as identity
from contactless.identity.errors import AccountLocked, InvalidCredentials, TooManyLoginAttempts
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD, make_small_bank


def _login(kernel: Kernel, password: str, ip: str = "10.0.0.1") -> None:
    with kernel.db.session() as session:
        identity.authenticate(session, username="rm.xh", password=password, ip=ip)


def _fail(kernel: Kernel, ip: str = "10.0.0.1") -> Exception:
    try:
        _login(kernel, "wrong-password", ip)
    except Exception as error:  # noqa: BLE001 - returned for the assertion
        return error
    raise AssertionError("sign-in with a wrong password succeeded")


def test_five_failures_lock_the_account_for_fifteen_minutes(kernel: Kernel) -> None:
    make_small_bank(kernel)
    # failures are counted in their own transactions as the web layer does (no raise inside)
    for _ in range(5):
        with kernel.db.session() as session:
            try:
                identity.authenticate(session, username="rm.xh", password="nope-nope-1",
                                      ip="10.0.0.1")
            except InvalidCredentials:
                pass
    with pytest.raises(AccountLocked):
        _login(kernel, PASSWORD)
    with kernel.db.session() as session:
        user = repository.staff_by_username(session, "rm.xh")
        assert user is not None
        assert user.locked_until is not None
        assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
        user.locked_until = utcnow() - timedelta(seconds=1)
    _login(kernel, PASSWORD)


def test_unknown_users_and_wrong_passwords_get_the_same_answer(kernel: Kernel) -> None:
    make_small_bank(kernel)
    with pytest.raises(InvalidCredentials) as unknown, kernel.db.session() as session:
        identity.authenticate(session, username="ghost", password="x", ip="10.0.0.2")
    wrong = _fail(kernel)
    assert isinstance(wrong, InvalidCredentials)
    assert str(unknown.value) == str(wrong)


def test_an_address_is_limited_too(kernel: Kernel) -> None:
    make_small_bank(kernel)
    kernel.settings.login_ip_limit_per_minute = 3
    for _ in range(3):
        assert isinstance(_fail(kernel, ip="10.9.9.9"), InvalidCredentials)
    assert isinstance(_fail(kernel, ip="10.9.9.9"), TooManyLoginAttempts)
    _login(kernel, PASSWORD, ip="10.9.9.10")


def test_deactivation_ends_sessions(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    with kernel.db.session() as session:
        actor, version = identity.authenticate(session, username="rm.xh", password=PASSWORD,
                                               ip="10.0.0.3")
    with kernel.db.session() as session:
        assert identity.actor_for_session(session, staff_id=actor.id, version=version)
        identity.set_active(session, bank.admin, staff_id=uuid.UUID(actor.id),
                            active=False)
    with kernel.db.session() as session:
        assert identity.actor_for_session(session, staff_id=actor.id, version=version) is None
    assert isinstance(_fail(kernel), InvalidCredentials)
