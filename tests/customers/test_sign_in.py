import re

import pytest

from contactless.customers import service as customers
from contactless.customers.errors import CustomerNotFound
from contactless.identity.errors import (
    OtpAttemptsExceeded,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpResendTooSoon,
)
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.conftest import let_seconds_pass
from tests.factories.identity import make_customer, make_small_bank

MOBILE = "13812340000"


def sent_code(kernel: Kernel, mobile: str = MOBILE) -> str:
    with kernel.db.session() as session:
        [latest, *_] = list_messages(session, kernel.cipher, to_mobile=mobile)
    match = re.search(r"\b(\d{6})\b", latest.body)
    assert match, latest.body
    return match.group(1)


def ask(kernel: Kernel, mobile: str = MOBILE) -> int:
    with kernel.db.session() as session:
        return customers.request_sign_in_code(session, mobile=mobile)


def verify(kernel: Kernel, code: str, mobile: str = MOBILE) -> str:
    with kernel.db.session() as session:
        return customers.complete_sign_in(session, mobile=mobile, code=code).id


@pytest.fixture
def customer_id(kernel: Kernel) -> str:
    bank = make_small_bank(kernel)
    return str(make_customer(kernel, bank.rm_xh, serial=1, mobile=MOBILE).id)


def test_a_customer_signs_in_with_the_code_sent_by_text(kernel: Kernel, customer_id: str) -> None:
    assert ask(kernel) == 60
    assert verify(kernel, sent_code(kernel)) == customer_id


def test_a_code_works_once(kernel: Kernel, customer_id: str) -> None:
    ask(kernel)
    code = sent_code(kernel)
    verify(kernel, code)
    with pytest.raises(OtpExpired):
        verify(kernel, code)


def test_the_code_is_stored_only_as_a_hash(kernel: Kernel, customer_id: str) -> None:
    ask(kernel)
    code = sent_code(kernel)
    ref = kernel.cipher.blind_index(MOBILE, kind="mobile")
    stored = kernel.store.get(f"otp:sign-in:{ref}")
    assert stored is not None
    assert code not in stored


def test_five_wrong_codes_kill_the_code_and_lock_the_number(kernel: Kernel,
                                                            customer_id: str) -> None:
    ask(kernel)
    code = sent_code(kernel)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(OtpInvalid):
            verify(kernel, wrong)
    with pytest.raises(OtpAttemptsExceeded):
        verify(kernel, wrong)
    with pytest.raises(OtpLocked):
        verify(kernel, code)


def test_a_new_code_waits_for_the_cooldown(kernel: Kernel, customer_id: str) -> None:
    kernel.settings.otp_resend_seconds = 1
    ask(kernel)
    with pytest.raises(OtpResendTooSoon):
        ask(kernel)
    let_seconds_pass(kernel, 1.1)
    ask(kernel)


def test_codes_expire(kernel: Kernel, customer_id: str) -> None:
    kernel.settings.otp_ttl_seconds = 1
    ask(kernel)
    code = sent_code(kernel)
    let_seconds_pass(kernel, 1.2)
    with pytest.raises(OtpExpired):
        verify(kernel, code)


def test_an_unknown_number_gets_a_code_but_no_session(kernel: Kernel, customer_id: str) -> None:
    ask(kernel, "13700001111")
    with pytest.raises(CustomerNotFound):
        verify(kernel, sent_code(kernel, "13700001111"), "13700001111")
