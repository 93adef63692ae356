"""Every query of marketing. The run's statements are set-based: one ``INSERT … SELECT …
ON CONFLICT DO NOTHING`` per row kind and channel, so a million customers cost a handful of
statements and a rerun inserts nothing new.

Two things SQL does not share between SQLite and PostgreSQL get an expression of ours: a new
UUID (``gen_random_uuid()`` on PostgreSQL, the same version-4 layout from SQLite's
``randomblob``) and the control-group bucket, the first two bytes of MD5(campaign id, customer
id) as a number mod 100 (:func:`bucket_of`, which SQLite calls as a function of ours), so a
customer is in or out of a campaign's control group whatever runs it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from contactless.marketing.models import (
    CallTask,
    Campaign,
    CampaignLink,
    CampaignMember,
    CampaignRun,
    CampaignSend,
    Channel,
    InboxMessage,
    Preference,
    SendStatus,
)
from contactless.platform.db import UTCDateTime
from contactless.platform.events import OutboxEvent

AnySelect = Select[*tuple[Any, ...]]

LIVE = (SendStatus.SENT.value, SendStatus.QUEUED.value, SendStatus.DEFERRED.value)
# 免打扰 mutes what interrupts: calls, texts and pushes; the inbox waits to be opened
INTERRUPTING = (Channel.RM_CALL.value, Channel.SMS.value, Channel.PUSH.value)


def bucket_of(campaign_id: uuid.UUID, customer_id: uuid.UUID) -> int:
    """The customer's bucket (0-99) in the campaign: below the holdout is the control group."""
    digest = hashlib.md5(campaign_id.hex.encode() + customer_id.hex.encode(),
                         usedforsecurity=False).digest()
    return (digest[0] * 256 + digest[1]) % 100


def _sqlite_bucket(campaign_hex: str, customer_hex: str) -> int:
    # SQLite keeps a UUID as its 32 hex digits, which is what bucket_of hashes: hashing them
    # as they come spares parsing two UUIDs per row (a million rows a run)
    key = campaign_hex + (customer_hex if len(customer_hex) == 32
                          else uuid.UUID(customer_hex).hex)
    digest = hashlib.md5(key.lower().encode(), usedforsecurity=False).digest()
    return (digest[0] * 256 + digest[1]) % 100


# a version-4 UUID's 32 hex digits (version nibble 4, variant 8-b) from SQLite's own random
# bytes: a Python function called once per inserted row costs more than the insert
_SQLITE_UUID4: ColumnElement[Any] = literal_column(
    "(lower(hex(randomblob(6))) || '4' || substr(lower(hex(randomblob(2))), 2)"
    " || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(8))), 2))")
# a run walks and grows B-trees of hundreds of megabytes (a million customers' sends and
# their indexes); past SQLite's default 2 MB page cache every insert rereads pages
SQLITE_CACHE_KIB = 256 * 1024


def prepare(session: Session) -> None:
    """Give an SQLite connection the bucket function PostgreSQL computes in SQL, and a page
    cache the size of a run."""
    if session.get_bind().dialect.name != "sqlite":
        return
    raw = session.connection().connection.dbapi_connection
    raw.create_function("cl_bucket", 2, _sqlite_bucket, deterministic=True)  # type: ignore[union-attr]
    raw.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # type: ignore[union-attr]


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def new_id(session: Session) -> ColumnElement[Any]:
    return _SQLITE_UUID4 if _is_sqlite(session) else func.gen_random_uuid()


def bucket(session: Session, campaign_id: uuid.UUID,
           customer: ColumnElement[Any]) -> ColumnElement[int]:
    if _is_sqlite(session):
        return func.cl_bucket(campaign_id.hex, customer)
    key = literal(campaign_id.hex) + func.replace(cast(customer, String), "-", "")
    digest = func.decode(func.md5(key), "hex")
    return (func.get_byte(digest, 0) * 256 + func.get_byte(digest, 1)) % 100


def insert_ignoring(session: Session, table: Any, columns: list[str], rows: AnySelect) -> int:
    """``INSERT … SELECT … ON CONFLICT DO NOTHING``: how many rows were new."""
    dialect = sqlite if _is_sqlite(session) else postgresql
    statement = (dialect.insert(table).from_select(columns, rows).on_conflict_do_nothing()
                 .execution_options(preserve_rowcount=True))  # psycopg's is gone once closed
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def insert_returning(session: Session, table: Any, columns: list[str], rows: AnySelect, *,
                     returning: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """``insert_ignoring`` that answers the new rows' ``returning`` columns."""
    dialect = sqlite if _is_sqlite(session) else postgresql
    statement = (dialect.insert(table).from_select(columns, rows).on_conflict_do_nothing()
                 .returning(*(table.c[name] for name in returning)))
    return [tuple(row) for row in session.execute(statement)]


def add_outbox(session: Session, events: list[dict[str, Any]]) -> None:
    """Outbox rows made by ``publish_row`` (one multi-row insert for a run's messages)."""
    if events:
        session.execute(insert(OutboxEvent), events)


def opted_out(customer: Any) -> ColumnElement[bool]:
    return exists().where(Preference.customer_id == customer, Preference.consent.is_(False))


def muted(customer: Any, channel: str) -> ColumnElement[bool]:
    """Opted out of marketing, or 免打扰 for a channel that interrupts."""
    if channel not in INTERRUPTING:
        return opted_out(customer)
    return exists().where(Preference.customer_id == customer,
                          or_(Preference.consent.is_(False), Preference.do_not_disturb))


def add_members(session: Session, campaign: Campaign, audience: AnySelect, *, on: date,
                customers: AnySelect) -> int:
    """The audience's customers (active, not opted out) become members, once per campaign;
    ``audience`` is (customer_id, amount), ``customers`` (customer_id, rm_id, branch_id)."""
    prepare(session)
    found = audience.subquery()
    people = customers.subquery()
    rows = (select(literal(campaign.id, CampaignMember.campaign_id.type), people.c.customer_id,
                   literal(on, Date), bucket(session, campaign.id, people.c.customer_id)
                   < campaign.holdout_percent, people.c.rm_id, people.c.branch_id,
                   found.c.amount)
            .join(found, found.c.customer_id == people.c.customer_id)
            .where(not_(opted_out(people.c.customer_id))))
    return insert_ignoring(session, CampaignMember.__table__, [
        "campaign_id", "customer_id", "entered_on", "control", "rm_id", "branch_id", "amount"],
        rows)


def add_sends(session: Session, campaign_id: uuid.UUID, channel: str, *, on: date, now: datetime,
              cap: int, quiet: bool, week_start: date) -> int:
    """One send per treatment member who entered ``on``: ``capped`` past the customer's week
    cap for the channel (every campaign counts), ``deferred`` in quiet hours, ``queued``
    where a job delivers, else ``sent``; nobody muted for the channel."""
    prepare(session)
    member = CampaignMember
    earlier = (select(func.count()).select_from(CampaignSend)
               .where(CampaignSend.customer_id == member.customer_id,
                      CampaignSend.channel == channel, CampaignSend.status.in_(LIVE),
                      CampaignSend.run_date >= week_start, CampaignSend.run_date <= on)
               .scalar_subquery())
    later = channel in (Channel.SMS.value, Channel.WEBHOOK.value)
    waits = quiet and channel in (Channel.SMS.value, Channel.PUSH.value)
    status = (SendStatus.DEFERRED if waits else SendStatus.QUEUED if later
              else SendStatus.SENT).value
    rows = (select(new_id(session), member.campaign_id, member.customer_id,
                   literal(channel, String), literal(on, Date),
                   case((earlier >= cap, SendStatus.CAPPED.value), else_=literal(status)),
                   literal(now, UTCDateTime), literal(0, Integer))
            .where(member.campaign_id == campaign_id, member.entered_on == on,
                   member.control.is_(False), not_(muted(member.customer_id, channel))))
    return insert_ignoring(session, CampaignSend.__table__, [
        "id", "campaign_id", "customer_id", "channel", "run_date", "status", "created_at",
        "attempts"], rows)


def _made(campaign_id: uuid.UUID, channel: str, on: date) -> Any:
    return and_(CampaignSend.campaign_id == campaign_id, CampaignSend.channel == channel,
                CampaignSend.run_date == on, CampaignSend.status == SendStatus.SENT.value)


def add_tasks(session: Session, campaign_id: uuid.UUID, *, on: date, due: date, script: str,
              now: datetime, customers: AnySelect) -> int:
    """A call task for each call sent today, to the customer's primary RM of now."""
    prepare(session)
    people = customers.subquery()
    rows = (select(new_id(session), CampaignSend.campaign_id, CampaignSend.customer_id,
                   people.c.rm_id, literal(due, Date), literal(script, String),
                   literal("open"), literal(0, Integer), literal(now, UTCDateTime),
                   literal(now, UTCDateTime))
            .join(people, people.c.customer_id == CampaignSend.customer_id)
            .where(_made(campaign_id, Channel.RM_CALL.value, on)))
    return insert_ignoring(session, CallTask.__table__, [
        "id", "campaign_id", "customer_id", "rm_id", "due_on", "script", "status", "attempts",
        "created_at", "updated_at"], rows)


def add_inbox(session: Session, campaign_id: uuid.UUID, *, on: date, title: str, body: str,
              now: datetime) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """An inbox message for each one sent today, with the RM's personal link if any; returns
    the (message id, customer id) of those new (a rerun returns none)."""
    prepare(session)
    link = (select(CampaignLink.path)
            .where(CampaignLink.campaign_id == campaign_id,
                   CampaignLink.rm_id == CampaignMember.rm_id)
            .scalar_subquery())
    rows = (select(new_id(session), CampaignSend.campaign_id, CampaignSend.customer_id,
                   literal(title, String), literal(body, String), link,
                   literal(now, UTCDateTime))
            .join(CampaignMember, and_(CampaignMember.campaign_id == CampaignSend.campaign_id,
                                       CampaignMember.customer_id == CampaignSend.customer_id))
            .where(_made(campaign_id, Channel.INBOX.value, on)))
    return insert_returning(session, InboxMessage.__table__, [
        "id", "campaign_id", "customer_id", "title", "body", "link", "created_at"], rows,
        returning=("id", "customer_id"))


def treatment_rms(session: Session, campaign_id: uuid.UUID, on: date) -> list[uuid.UUID]:
    return list(session.scalars(
        select(CampaignMember.rm_id).distinct()
        .where(CampaignMember.campaign_id == campaign_id, CampaignMember.entered_on == on,
               CampaignMember.control.is_(False))))


def roll_over_tasks(session: Session, *, on: date) -> int:
    """Open tasks past their day (not reached, or not worked) come up again today."""
    result = session.execute(update(CallTask).where(CallTask.status == "open",
                                                    CallTask.due_on < on)
                             .values(due_on=on))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reassign_tasks(session: Session, *, staff: AnySelect, customers: AnySelect,
                   now: datetime) -> int:
    """Open tasks of staff who left go to the customer's primary RM of now (when active)."""
    people = staff.subquery()
    gone = select(people.c.staff_id).where(people.c.active.is_(False))
    owners = customers.subquery()
    current = (select(owners.c.rm_id).where(owners.c.customer_id == CallTask.customer_id)
               .scalar_subquery())
    active = select(people.c.staff_id).where(people.c.active.is_(True))
    result = session.execute(
        update(CallTask)
        .where(CallTask.status == "open", CallTask.rm_id.in_(gone), current.in_(active))
        .values(rm_id=current, updated_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def start_run(session: Session, campaign_id: uuid.UUID, on: date, now: datetime) -> None:
    insert_ignoring(session, CampaignRun.__table__, ["campaign_id", "run_date", "started_at",
                                                     "audience", "sent"],
                    select(literal(campaign_id, CampaignRun.campaign_id.type),
                           literal(on, Date), literal(now, UTCDateTime), literal(0, Integer),
                           literal(0, Integer)).where(literal(True)))


def unfinished_runs(session: Session, *, before: date) -> list[tuple[uuid.UUID, date]]:
    rows = session.execute(select(CampaignRun.campaign_id, CampaignRun.run_date)
                           .where(CampaignRun.finished_at.is_(None),
                                  CampaignRun.run_date < before))
    return [(row[0], row[1]) for row in rows]


def finish_run(session: Session, campaign_id: uuid.UUID, on: date, now: datetime) -> None:
    audience = (select(func.count()).select_from(CampaignMember)
                .where(CampaignMember.campaign_id == campaign_id,
                       CampaignMember.entered_on == on).scalar_subquery())
    sent = (select(func.count()).select_from(CampaignSend)
            .where(CampaignSend.campaign_id == campaign_id, CampaignSend.run_date == on,
                   CampaignSend.status.in_(LIVE)).scalar_subquery())
    session.execute(update(CampaignRun).where(CampaignRun.campaign_id == campaign_id,
                                              CampaignRun.run_date == on)
                    .values(finished_at=now, audience=audience, sent=sent))


def campaigns_with_status(session: Session, statuses: tuple[str, ...]) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.status.in_(statuses))
                                .order_by(Campaign.created_at)))


def linked_rms(session: Session, campaign_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(select(CampaignLink.rm_id)
                               .where(CampaignLink.campaign_id == campaign_id)))


def audience_of(session: Session, campaign_id: uuid.UUID, on: date) -> int:
    return int(session.scalar(select(func.count()).select_from(CampaignMember).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.entered_on == on)) or 0)


def finished_runs(session: Session, *, on: date) -> set[uuid.UUID]:
    return set(session.scalars(select(CampaignRun.campaign_id).where(
        CampaignRun.run_date == on, CampaignRun.finished_at.is_not(None))))
