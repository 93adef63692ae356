"""Partner onboarding: an admin registers a partner and its API clients; a second admin
approves; every change is in the audit trail; a secret is shown once and kept as a hash."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contactless.identity.errors import FourEyesRequired, NotAllowed
from contactless.partners import service as partners
from contactless.partners.errors import InvalidPartnerSetting, PartnerExists, PartnerNotPending
from contactless.partners.models import Partner, PartnerClient, Scenario
from contactless.platform.audit import AuditEntry
from contactless.platform.audit_verify import verify_chain
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank
from tests.factories.partners import CALLBACK, active_partner, second_admin


def _register(kernel: Kernel, actor: object, **changes: object) -> object:
    values: dict[str, object] = {"name": "学而教育", "scenario": Scenario.EDUCATION,
                                 "allowed_products": [], "callback_urls": [CALLBACK]}
    values.update(changes)
    with kernel.db.session() as session:
        return partners.register_partner(session, actor, **values)  # type: ignore[arg-type]


def _counts(kernel: Kernel) -> tuple[int, int, int]:
    with kernel.db.session() as session:
        return (session.scalar(select(func.count()).select_from(Partner)) or 0,
                session.scalar(select(func.count()).select_from(PartnerClient)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _refused(kernel: Kernel, error: type[ContactlessError], code: str, call: object) -> None:
    """The call raises ``error`` with ``code`` and leaves partners, clients and the trail
    as they were."""
    before = _counts(kernel)
    with pytest.raises(error) as raised, kernel.db.session() as session:
        call(session)  # type: ignore[operator]
    assert raised.value.code == code
    assert _counts(kernel) == before


def test_a_partner_acts_only_after_a_second_admin_approves_and_each_step_is_audited(
        kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    checker = second_admin(kernel)
    partner = _register(kernel, bank.admin)
    assert partner.status == "pending"  # type: ignore[attr-defined]
    _refused(kernel, FourEyesRequired, "four_eyes_required",
             lambda s: partners.decide_partner(s, bank.admin, partner_id=partner.id,  # type: ignore[attr-defined]
                                               approve=True))
    with kernel.db.session() as session:
        approved = partners.decide_partner(session, checker, partner_id=partner.id,  # type: ignore[attr-defined]
                                           approve=True, note="资质齐全")
        again = partners.decide_partner(session, checker, partner_id=partner.id,  # type: ignore[attr-defined]
                                        approve=True)
    assert approved.status == again.status == "active"
    assert approved.decided_by == checker.id
    _refused(kernel, PartnerNotPending, "partner_not_pending",
             lambda s: partners.decide_partner(s, checker, partner_id=partner.id,  # type: ignore[attr-defined]
                                               approve=False))
    with kernel.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        assert actions[-2:] == ["partner.registered", "partner.approved"]
        assert verify_chain(session).ok


def test_a_client_secret_is_shown_once_and_the_bank_keeps_only_its_hash(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    partner, issued = active_partner(kernel, bank, scopes=("consents:write",),
                                     ip_allowlist=("203.0.113.7", "198.51.100.0/24"))
    assert issued.client.client_id.startswith("pc_")
    with kernel.db.session() as session:
        row = session.scalar(select(PartnerClient))
        assert row is not None
        assert issued.client_secret not in row.secret_hash
        assert issued.signing_key not in row.signing_key
        assert kernel.passwords.verify(row.secret_hash, issued.client_secret)
        assert row.ip_allowlist == ["203.0.113.7/32", "198.51.100.0/24"]
        listed = partners.get_partner(session, bank.auditor, partner_id=partner.id)
        dumped = listed.model_dump_json()
        assert issued.client_secret not in dumped
        assert issued.signing_key not in dumped
        revoked = partners.revoke_client(session, bank.admin, partner_id=partner.id,
                                         client_id=issued.client.client_id)
        assert revoked.status == "revoked"
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"partner.client_issued", "partner.client_revoked"} <= actions


def test_settings_the_open_platform_cannot_honour_are_refused(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    for changes in ({"callback_urls": ["http://hospital.example/cb"]},
                    {"callback_urls": ["ftp://x"]},
                    {"allowed_products": ["no_such_journey"]}):
        _refused(kernel, InvalidPartnerSetting, "invalid_partner_setting",
                 lambda s, c=changes: partners.register_partner(
                     s, bank.admin, name="学而教育", scenario=Scenario.EDUCATION,
                     **({"allowed_products": [], "callback_urls": []} | c)))
    partner = _register(kernel, bank.admin, allowed_products=["wealth_purchase"])
    assert partner.allowed_products == ["wealth_purchase"]  # type: ignore[attr-defined]
    _refused(kernel, PartnerExists, "partner_exists",
             lambda s: partners.register_partner(s, bank.admin, name="学而教育",
                                                 scenario=Scenario.OTHER, allowed_products=[],
                                                 callback_urls=[]))
    for scopes, ips in ((["money:move"], []), ([], ["not-an-ip"])):
        _refused(kernel, InvalidPartnerSetting, "invalid_partner_setting",
                 lambda s, sc=scopes, ip=ips: partners.issue_client(
                     s, bank.admin, partner_id=partner.id,  # type: ignore[attr-defined]
                     allowed_scopes=sc, ip_allowlist=ip))


def test_only_admins_manage_partners_and_auditors_only_read(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    partner = _register(kernel, bank.admin)
    for actor in (bank.auditor, bank.manager_hz, bank.rm_xh):
        _refused(kernel, NotAllowed, "role_not_allowed",
                 lambda s, a=actor: partners.issue_client(
                     s, a, partner_id=partner.id,  # type: ignore[attr-defined]
                     allowed_scopes=[], ip_allowlist=[]))
        _refused(kernel, NotAllowed, "role_not_allowed",
                 lambda s, a=actor: partners.decide_partner(
                     s, a, partner_id=partner.id, approve=True))  # type: ignore[attr-defined]
    with kernel.db.session() as session:
        assert [p.name for p in partners.list_partners(session, bank.auditor)] == ["学而教育"]
    _refused(kernel, NotAllowed, "role_not_allowed",
             lambda s: partners.list_partners(s, bank.rm_xh))
