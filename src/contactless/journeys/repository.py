"""Every query of the journeys domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.journeys.models import (
    ConsentRecord,
    JourneyInstance,
    JourneyRequest,
    JourneyReview,
    JourneyStatus,
    JourneyStep,
    PayrollEnrollment,
    Prospect,
    RenewalOrder,
    RiskProfile,
)


def instance(session: Session, instance_id: uuid.UUID, *,
             for_update: bool = False) -> JourneyInstance | None:
    query = select(JourneyInstance).where(JourneyInstance.id == instance_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def steps(session: Session, instance_id: uuid.UUID) -> list[JourneyStep]:
    return list(session.scalars(
        select(JourneyStep).where(JourneyStep.instance_id == instance_id)
        .order_by(JourneyStep.position, JourneyStep.entered_at)
    ))


def request(session: Session, instance_id: uuid.UUID, key: str) -> JourneyRequest | None:
    return session.scalar(select(JourneyRequest).where(
        JourneyRequest.instance_id == instance_id, JourneyRequest.idempotency_key == key))


def open_instances(session: Session, *, customer_id: uuid.UUID | None,
                   prospect_id: uuid.UUID | None, now: datetime,
                   journey_key: str | None = None) -> list[JourneyInstance]:
    """Instances of this person still to be finished (not expired), newest first."""
    query = select(JourneyInstance).where(
        JourneyInstance.status.in_(JourneyStatus.OPEN | JourneyStatus.WAITING),
        JourneyInstance.expires_at > now,
    )
    if customer_id is not None:
        query = query.where(JourneyInstance.customer_id == customer_id)
    else:
        query = query.where(JourneyInstance.prospect_id == prospect_id,
                            JourneyInstance.customer_id.is_(None))
    if journey_key is not None:
        query = query.where(JourneyInstance.journey_key == journey_key)
    return list(session.scalars(query.order_by(JourneyInstance.updated_at.desc()).limit(50)))


def recent_instances(session: Session, *, customer_id: uuid.UUID,
                     limit: int = 20) -> list[JourneyInstance]:
    return list(session.scalars(
        select(JourneyInstance).where(JourneyInstance.customer_id == customer_id)
        .order_by(JourneyInstance.updated_at.desc()).limit(limit)))


def expired_open(session: Session, *, now: datetime, limit: int) -> list[JourneyInstance]:
    return list(session.scalars(
        select(JourneyInstance).where(JourneyInstance.status.in_(JourneyStatus.OPEN),
                                      JourneyInstance.expires_at <= now)
        .order_by(JourneyInstance.expires_at).limit(limit).with_for_update()))


def due_cooling_off(session: Session, *, now: datetime, limit: int) -> list[JourneyInstance]:
    return list(session.scalars(
        select(JourneyInstance).where(JourneyInstance.status == JourneyStatus.COOLING_OFF,
                                      JourneyInstance.execute_after <= now)
        .order_by(JourneyInstance.execute_after).limit(limit).with_for_update()))


def consents(session: Session, instance_id: uuid.UUID) -> list[ConsentRecord]:
    return list(session.scalars(select(ConsentRecord)
                                .where(ConsentRecord.instance_id == instance_id)
                                .order_by(ConsentRecord.agreed_at)))


def consent(session: Session, consent_id: uuid.UUID) -> ConsentRecord | None:
    return session.get(ConsentRecord, consent_id)


def review_of(session: Session, instance_id: uuid.UUID) -> JourneyReview | None:
    return session.scalar(select(JourneyReview).where(JourneyReview.instance_id == instance_id))


def review(session: Session, review_id: uuid.UUID, *,
           for_update: bool = False) -> JourneyReview | None:
    query = select(JourneyReview).where(JourneyReview.id == review_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def reviews(session: Session, *, status: str | None,
            limit: int = 100) -> list[tuple[JourneyReview, JourneyInstance]]:
    query = select(JourneyReview, JourneyInstance).join(
        JourneyInstance, JourneyInstance.id == JourneyReview.instance_id)
    if status:
        query = query.where(JourneyReview.status == status)
    rows = session.execute(query.order_by(JourneyReview.created_at.desc()).limit(limit))
    return [(row[0], row[1]) for row in rows]


def prospect_by_index(session: Session, index: str) -> Prospect | None:
    return session.scalar(select(Prospect).where(Prospect.mobile_index == index))


def latest_risk_profile(session: Session, customer_id: uuid.UUID) -> RiskProfile | None:
    return session.scalar(select(RiskProfile).where(RiskProfile.customer_id == customer_id)
                          .order_by(RiskProfile.assessed_at.desc()).limit(1))


def enrollment(session: Session, *, enterprise_id: uuid.UUID,
               customer_id: uuid.UUID) -> PayrollEnrollment | None:
    return session.scalar(select(PayrollEnrollment).where(
        PayrollEnrollment.enterprise_id == enterprise_id,
        PayrollEnrollment.customer_id == customer_id))


def enrollment_of_employee(session: Session, employee_id: uuid.UUID) -> PayrollEnrollment | None:
    return session.scalar(select(PayrollEnrollment)
                          .where(PayrollEnrollment.employee_id == employee_id))


def enrollments(session: Session, *, enterprise_id: uuid.UUID) -> list[PayrollEnrollment]:
    return list(session.scalars(select(PayrollEnrollment)
                                .where(PayrollEnrollment.enterprise_id == enterprise_id)))


def renewal_order(session: Session, deposit_id: uuid.UUID) -> RenewalOrder | None:
    return session.scalar(select(RenewalOrder).where(RenewalOrder.deposit_id == deposit_id))


def instances_between(session: Session, *, journey_key: str | None, since: datetime,
                      until: datetime) -> Sequence[JourneyInstance]:
    query = select(JourneyInstance).where(JourneyInstance.started_at >= since,
                                          JourneyInstance.started_at < until)
    if journey_key is not None:
        query = query.where(JourneyInstance.journey_key == journey_key)
    return list(session.scalars(query))


def step_timings(session: Session, instance_ids: Sequence[uuid.UUID]
                 ) -> list[tuple[uuid.UUID, str, datetime, datetime | None]]:
    """(instance, step, entered, completed) of the instances, without their answers."""
    found: list[tuple[uuid.UUID, str, datetime, datetime | None]] = []
    ids = list(instance_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(JourneyStep.instance_id, JourneyStep.step_key, JourneyStep.entered_at,
                   JourneyStep.completed_at)
            .where(JourneyStep.instance_id.in_(ids[start:start + 500])))
        found.extend((row[0], row[1], row[2], row[3]) for row in rows)
    return found


def idle_open_instances(session: Session, *, customer_ids: Sequence[uuid.UUID],
                        idle_since: datetime, now: datetime,
                        limit: int = 50) -> list[JourneyInstance]:
    """Open instances of these customers nobody touched since ``idle_since``, oldest first."""
    if not customer_ids:
        return []
    return list(session.scalars(
        select(JourneyInstance).where(
            JourneyInstance.customer_id.in_(list(customer_ids)),
            JourneyInstance.status.in_(JourneyStatus.OPEN),
            JourneyInstance.expires_at > now, JourneyInstance.updated_at < idle_since)
        .order_by(JourneyInstance.updated_at).limit(limit)))
