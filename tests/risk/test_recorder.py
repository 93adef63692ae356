"""A batch of decisions is stored whole: every decision with what it was decided on, an audit
entry for each, a case for each review (on PostgreSQL a batch of more than a few goes as one
statement of arrays, JSON columns included)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select

from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import manage
from contactless.risk import service as risk
from contactless.risk.models import RiskCase, RiskDecision
from tests.risk.test_engine import LARGE


def test_a_batch_of_decisions_is_stored_with_its_cases_and_audit(kernel: Kernel) -> None:
    with kernel.db.session() as session:
        manage.save_rule(session, SYSTEM, key="large_review", condition=LARGE,
                         action="review", weight=0.3, status="live")
    customer = uuid.uuid4()
    amounts = ["10.00", "600.00", "20.50", "700.00", "1.00", "30.00", "900.00"]
    decided = {}
    with kernel.db.session() as session:
        for number, amount in enumerate(amounts):
            decision = risk.assess(session, SYSTEM, kind="transfer", channel="api",
                                   customer_id=customer, amount=Decimal(amount),
                                   currency="CNY", payee=f"shop:{number % 3}",
                                   device=None if number % 2 else "phone-1")
            decided[decision.decision_id] = (amount, decision)
    assert risk.flush(kernel) == len(amounts)
    with kernel.db.session() as session:
        rows = session.scalars(select(RiskDecision)).all()
        assert {row.id for row in rows} == set(decided)
        for row in rows:
            amount, decision = decided[row.id]
            assert row.amount == amount  # kept as the exact text
            assert row.outcome == decision.outcome.value
            assert row.rules == list(decision.rules)
            assert row.reasons == list(decision.reasons)
            assert row.score == decision.score
            assert [item["feature"] for item in row.contributions] == [
                item.feature for item in decision.contributions]
            assert row.features["amount"] == float(amount)
        reviewed = {row.id for row in rows if row.outcome == "review"}
        assert len(reviewed) == 3  # 600, 700 and 900
        cases = session.scalars(select(RiskCase)).all()
        assert {case.decision_id for case in cases} == reviewed
        assert all(case.customer_id == customer and case.status == "open" for case in cases)
        audited = dict(session.execute(
            select(AuditEntry.action, func.count()).where(AuditEntry.action.like("risk.%"))
            .group_by(AuditEntry.action)).all())
        assert audited["risk.decided"] == len(amounts)
        assert audited["risk.case_opened"] == 3
