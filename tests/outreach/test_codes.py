"""An RM makes QR codes and manages them; only the creator may change one."""

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from contactless.outreach import service as outreach
from contactless.outreach.errors import (
    CodeNotFound,
    CodeStateConflict,
    InvalidCode,
    NotCodeOwner,
)
from contactless.platform import audit, audit_verify
from contactless.platform.context import SYSTEM
from contactless.platform.db import utcnow
from contactless.platform.i18n import Translator
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank
from tests.factories.outreach import make_code, token_of

# rules that do not depend on the database engine run on SQLite only, to keep the suite quick
SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_the_smallest_code_is_the_rms_alone_valid_30_days_with_no_limits(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    assert code.purpose == "info"
    assert code.channel == "chat"
    assert code.state == "active"
    assert [(o.name, o.share, o.status, o.is_creator) for o in code.owners] == [
        ("RM.XH", 100, "accepted", True)]
    assert timedelta(days=29, hours=23) < code.expires_at - code.not_before <= timedelta(days=30)
    assert code.max_scans is None
    assert code.per_customer_limit is None
    assert not code.bind_on_first_scan
    short, kid, signature = re.fullmatch(r"([A-Za-z0-9_-]{12})\.([a-z0-9]{2})([A-Za-z0-9_-]{11})",
                                         token_of(code)).groups()  # type: ignore[union-attr]
    assert short == code.short_code
    assert len(signature) == 11


def test_short_codes_are_random_and_unique(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    shorts = {make_code(sqlite_kernel, bank.rm_xh).short_code for _ in range(20)}
    assert len(shorts) == 20
    # 12 URL-safe characters carry 72 random bits
    assert all(len(short) == 12 for short in shorts)


@pytest.mark.parametrize(("settings", "message"), [
    ({"purpose": "Bad Purpose!"}, "purpose must be"),
    ({"channel": "fax"}, "channel must be"),
    ({"params": {"Product Id": "x"}}, "journey parameters"),
    ({"not_before": utcnow() - timedelta(days=2), "expires_at": utcnow() - timedelta(days=1)},
     "expiry must be in the future"),
    ({"expires_at": utcnow() + timedelta(days=800)}, "at most two years"),
    ({"max_scans": 0}, "max scans"),
    ({"per_customer_limit": 0}, "per-customer limit"),
    ({"max_scans": 10_000_001}, "between 1 and 10,000,000"),
    ({"per_customer_limit": 10_001}, "between 1 and 10,000"),
    ({"roster_restricted": True}, "belongs to an enterprise"),
])
def test_codes_that_cannot_work_are_refused(sqlite_kernel: Kernel, settings: dict[str, object],
                                            message: str) -> None:
    bank = make_small_bank(sqlite_kernel)
    with pytest.raises(InvalidCode, match=message):
        make_code(sqlite_kernel, bank.rm_xh, **settings)


def test_campaign_channels_and_journey_parameters_are_kept(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh, purpose="deposit_renewal",
                     channel="campaign:spring-2026", params={"product": "CD-3Y"})
    assert code.channel == "campaign:spring-2026"
    assert code.params == {"product": "CD-3Y"}


@SQLITE_ONLY
def test_the_creator_pauses_resumes_extends_and_revokes_with_an_audit_trail(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    with kernel.db.session() as session:
        assert outreach.pause_code(session, bank.rm_xh, code_id=code.id).state == "paused"
        with pytest.raises(CodeStateConflict):
            outreach.pause_code(session, bank.rm_xh, code_id=code.id)
        assert outreach.resume_code(session, bank.rm_xh, code_id=code.id).state == "active"
        later = code.expires_at + timedelta(days=10)
        assert outreach.extend_code(session, bank.rm_xh, code_id=code.id,
                                    expires_at=later).expires_at == later
        with pytest.raises(InvalidCode, match="later than the current"):
            outreach.extend_code(session, bank.rm_xh, code_id=code.id,
                                 expires_at=later - timedelta(days=1))
        assert outreach.revoke_code(session, bank.rm_xh, code_id=code.id).state == "revoked"
        with pytest.raises(CodeStateConflict):
            outreach.resume_code(session, bank.rm_xh, code_id=code.id)
    with kernel.db.session() as session:
        actions = [e.action for e in audit.search(session, target_id=str(code.id))]
        assert audit_verify.verify_chain(session).ok
    assert actions == ["outreach.code_revoked", "outreach.code_extended",
                       "outreach.code_resumed", "outreach.code_paused", "outreach.code_created"]


@SQLITE_ONLY
def test_an_rm_cannot_change_a_code_they_do_not_own(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    # another RM does not even learn that the code exists
    with kernel.db.session() as session, pytest.raises(CodeNotFound):
        outreach.pause_code(session, bank.rm_bj, code_id=code.id)
    with kernel.db.session() as session:
        outreach.invite_owner(session, bank.rm_xh, code_id=code.id,
                              staff_id=uuid.UUID(bank.rm_bj.id))
        outreach.respond_to_invitation(session, bank.rm_bj, code_id=code.id, accept=True)
    with kernel.db.session() as session:
        # a co-owner sees the code but cannot change it
        assert outreach.get_code(session, bank.rm_bj, code_id=code.id).id == code.id
        for change in (outreach.pause_code, outreach.revoke_code):
            with pytest.raises(NotCodeOwner, match="only the RM who created"):
                change(session, bank.rm_bj, code_id=code.id)
        # an admin may revoke any code, but not pause it
        with pytest.raises(NotCodeOwner):
            outreach.pause_code(session, bank.admin, code_id=code.id)
        assert outreach.revoke_code(session, bank.admin, code_id=code.id).state == "revoked"


def test_rms_list_their_own_codes_and_managers_their_branch(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    mine = make_code(sqlite_kernel, bank.rm_xh, title="xh")
    make_code(sqlite_kernel, bank.rm_bj, title="bj")
    make_code(sqlite_kernel, bank.rm_nb, title="nb")
    with sqlite_kernel.db.session() as session:
        assert [c.id for c in outreach.list_codes(session, bank.rm_xh)] == [mine.id]
        assert sorted(c.title for c in outreach.list_codes(session, bank.manager_hz)) == [
            "bj", "xh"]
        assert len(outreach.list_codes(session, bank.admin)) == 3
        assert len(outreach.list_codes(session, SYSTEM)) == 3


def test_only_relationship_and_branch_managers_create_codes(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    with pytest.raises(Exception, match="role does not allow"):
        make_code(sqlite_kernel, bank.auditor)


def headline(session: Session, view: outreach.CodeView, locale: str) -> str:
    return outreach.customer_headline(session, view, translator=Translator(locale))


@SQLITE_ONLY
def test_posters_print_the_headline_or_the_journeys_name_never_the_internal_label(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    labelled = make_code(kernel, bank.rm_xh, purpose="deposit_renewal", title="王总客户群（内部）")
    headed = make_code(kernel, bank.rm_xh, purpose="deposit_renewal", title="内部",
                       headline="存款到期，一键转存")
    untitled_info = make_code(kernel, bank.rm_xh)
    with kernel.db.session() as session:
        assert headline(session, labelled, "zh-CN") == "定期存款到期转存"
        assert headline(session, labelled, "en") == "Renew a time deposit"
        assert headline(session, headed, "en") == "存款到期，一键转存"
        assert headline(session, untitled_info, "zh-CN") == ""
    assert untitled_info.title == "信息页 · 聊天"  # an untitled code is labelled in words
    assert labelled.headline is None
