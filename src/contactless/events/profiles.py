"""Profiles (客户画像) and tags: each customer's core facts, read through the core's and the
customers' services, joined with their behaviour in the lake; tags by the declared rules of
``audience``.

The design decision: the profile is a materialized read model, never the source of a fact.
The nightly rebuild recomputes every profile from the core and the lake; between rebuilds a
customer is queued (one small INSERT, nothing read) when a domain event names them (an
outbound transfer, a deposit placed), when compaction moves their events into the lake (page
views, app opens: ``queue_behaviour``, off the ingest path) and when they sign in on a device
whose earlier events become theirs; the next ``update_pending`` pass (every minute)
recomputes the queued profiles the same way. Both end by marking the saved segments stale, so
their membership follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import structlog
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.customers.service import Relationship
from contactless.events import aliases, audience, repository
from contactless.events.audience import ZERO, Facts
from contactless.events.errors import AttributeInvalid, ProfileNotFound, UnknownTag
from contactless.events.lake import Lake, as_lake, lake_of
from contactless.events.models import CustomerAttribute, Profile
from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.events import DomainEvent, EventBus
from contactless.platform.kernel import Kernel, kernel_of

log = structlog.get_logger(__name__)
READER = SYSTEM.with_channel("profiles")
# the domain events that name a customer whose money or products moved
TOPICS = ("corebank.account_opened", "corebank.account_closed", "corebank.transfer_completed",
          "corebank.outbound_sent", "corebank.deposit_placed", "corebank.deposit_withdrawn_early",
          "corebank.deposit_partially_withdrawn", "corebank.loan_booked",
          "corebank.loan_disbursed", "corebank.wealth_subscribed", "corebank.wealth_redeemed")
BATCH = 500


@dataclass
class RebuildReport:
    profiles: int = 0
    tagged: int = 0
    tags_added: int = 0
    tags_removed: int = 0


def _cny(amounts: Iterable[Any]) -> Decimal:
    return sum((m.amount for m in amounts if m is not None and m.currency == "CNY"), ZERO)


def core_facts(session: Session, relationship: Relationship) -> Facts:
    """A customer's holdings as the core reports them (CNY; other currencies are not
    converted and not counted)."""
    customer_id = relationship.customer_id
    accounts = [a for a in corebank.accounts_of_customer(session, READER, customer_id=customer_id)
                if a.status != "closed"]
    deposits = corebank.deposits_of_customer(session, READER, customer_id=customer_id)
    holdings = [h for h in corebank.holdings_of_customer(session, READER,
                                                         customer_id=customer_id)
                if h.units > 0 or h.units_redeeming > 0]
    loans = corebank.loans_of_customer(session, READER, customer_id=customer_id)
    products = {"demand"} if accounts else set()
    products |= {"cd" if d.product == "cd" else "time_deposit" for d in deposits}
    products |= {"wealth"} if holdings else set()
    products |= {"loan"} if loans else set()
    maturities = [d.maturity_date for d in deposits] + [h.maturity_date for h in holdings
                                                        if h.maturity_date is not None]
    demand = _cny(a.balance for a in accounts)
    deposit = _cny(d.principal for d in deposits)
    wealth = _cny(h.market_value or h.cost for h in holdings)
    return Facts(customer_id=customer_id, primary_rm_id=relationship.primary_rm_id,
                 branch_id=relationship.branch_id, aum=demand + deposit + wealth,
                 demand_balance=demand, deposit_balance=deposit, wealth_value=wealth,
                 loan_outstanding=_cny(loan.outstanding for loan in loans),
                 products=tuple(p for p in audience.PRODUCTS if p in products),
                 nearest_maturity=min(maturities) if maturities else None)


@dataclass(frozen=True)
class Behaviour:
    last_seen_at: datetime | None = None
    events_30d: int = 0
    app_opens_30d: int = 0
    outbound_30d: Decimal = ZERO
    outbound_prior_30d: Decimal = ZERO


_OUTBOUND = ("type = 'transaction.posted' "
             "AND json_extract_string(properties, '$.direction') = 'out' "
             "AND json_extract_string(properties, '$.counterparty') = 'other_bank' "
             "AND json_extract_string(properties, '$.currency') = 'CNY'")
_AMOUNT = "TRY_CAST(json_extract_string(properties, '$.amount') AS DECIMAL(18, 2))"
BEHAVIOUR_SQL = f"""
    SELECT customer_id,
           max(occurred_at) FILTER (WHERE type <> 'message.delivered'),
           count(*) FILTER (WHERE type <> 'message.delivered' AND occurred_at >= $since),
           count(*) FILTER (WHERE type = 'app.opened' AND occurred_at >= $since),
           coalesce(sum({_AMOUNT}) FILTER (WHERE {_OUTBOUND} AND occurred_at >= $since), 0),
           coalesce(sum({_AMOUNT}) FILTER (WHERE {_OUTBOUND} AND occurred_at >= $before
                                              AND occurred_at < $since), 0)
    FROM (SELECT e.* REPLACE ({aliases.RESOLVED_CUSTOMER} AS customer_id)
          FROM ({{source}}) e {aliases.RESOLVE_JOIN})
    WHERE customer_id IS NOT NULL {{only}}
    GROUP BY customer_id"""  # noqa: S608 - fixed text; every value is a bound parameter


def behaviour_of(lake_dir: Lake | Path, *, now: datetime, links: pa.Table,
                 customer_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, Behaviour]:
    """Behaviour counts per customer from the lake (one DuckDB pass), of everyone or of
    ``customer_ids``; an event sent while anonymous counts for the customer its anonymous id
    was linked to (``links``: ``aliases.alias_table``)."""
    where = as_lake(lake_dir)
    files = where.lake_files()
    if not files:
        return {}
    parameters: dict[str, Any] = {"since": now - timedelta(days=30),
                                  "before": now - timedelta(days=60)}
    only = ""
    if customer_ids is not None:
        only = "AND customer_id IN (SELECT unnest($ids))"
        parameters["ids"] = [str(c) for c in customer_ids]
    with duckdb.connect() as connection:
        connection.register("event_aliases", links)
        rows = connection.execute(BEHAVIOUR_SQL.format(
            only=only, source=where.select(connection, files)), parameters).fetchall()
    out: dict[uuid.UUID, Behaviour] = {}
    for customer, seen, events, opens, outbound, prior in rows:
        try:
            key = uuid.UUID(customer)
        except ValueError:
            continue
        out[key] = Behaviour(seen, int(events), int(opens), Decimal(outbound).quantize(ZERO),
                             Decimal(prior).quantize(ZERO))
    return out


def _facts(core: Facts, behaviour: Behaviour | None, attributes: dict[str, Any]) -> Facts:
    seen = behaviour or Behaviour()
    return replace(core, last_seen_at=seen.last_seen_at, events_30d=seen.events_30d,
                   app_opens_30d=seen.app_opens_30d, outbound_30d=seen.outbound_30d,
                   outbound_prior_30d=seen.outbound_prior_30d, attributes=attributes)


def refresh(session: Session, customer_ids: list[uuid.UUID] | None, *,
            now: datetime | None = None) -> RebuildReport:
    """Recompute the profiles and tags of ``customer_ids`` (None: every customer), in
    batches; segments are marked stale."""
    now = now or utcnow()
    today = bank_today(kernel_of(session).settings)
    relationships = customers.relationships(session, customer_ids=customer_ids)
    behaviour = behaviour_of(lake_of(kernel_of(session)), now=now, customer_ids=customer_ids,
                             links=aliases.alias_table(session))
    report = RebuildReport()
    ordered = sorted(relationships.values(), key=lambda r: r.customer_id)
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start:start + BATCH]
        ids = [r.customer_id for r in batch]
        attributes = repository.attributes_of(session, ids)
        facts = [_facts(core_facts(session, r), behaviour.get(r.customer_id),
                        attributes.get(r.customer_id, {})) for r in batch]
        repository.save_profiles(session, facts, at=now)
        wanted = {f.customer_id: audience.tags_of(f, today) for f in facts}
        added, removed = repository.sync_tags(session, wanted, at=now)
        report.profiles += len(facts)
        report.tagged += sum(1 for tags in wanted.values() if tags)
        report.tags_added += added
        report.tags_removed += removed
    repository.mark_segments_stale(session)
    return report


def rebuild_profiles(session: Session, actor: Actor, *, now: datetime | None = None
                     ) -> RebuildReport:
    """Every customer's profile and tags recomputed from the core and the lake (the nightly
    job and ``contactless events rebuild-profiles``); the queue of pending updates is
    emptied, as everything in it is now up to date."""
    authorize(actor, Operation.PROFILE_REBUILD)
    queued = repository.pending_ids(session, limit=None)
    report = refresh(session, None, now=now)
    repository.clear_pending(session, queued)
    audit.record(session, actor, action="events.profiles_rebuilt", target_type="events_profile",
                 target_id="all", details={"profiles": report.profiles,
                                           "tags_added": report.tags_added,
                                           "tags_removed": report.tags_removed})
    return report


def queue_update(session: Session, *, customer_id: uuid.UUID, topic: str) -> None:
    """Queue a customer whose core facts moved for the next update pass."""
    repository.queue_pending(session, customer_id, topic=topic, at=utcnow())


BEHAVIOUR_TOPIC = "events.behaviour"  # what queued a customer whose events reached the lake
# a delivery is the bank's doing, not the customer's: it moves no behaviour figure
NOT_BEHAVIOUR = ("message.delivered",)


def queue_behaviour(kernel: Kernel, moved: pa.Table) -> int:
    """Queue the customers whose events just reached the lake (named, or sent from an
    anonymous id linked to them), so the next update pass moves their behaviour figures and
    the tags that follow; returns how many. Set-based on the moved events (Arrow, no loop per
    event); a database that fails costs the early update (the nightly rebuild catches up),
    never the compaction."""
    events = moved.filter(pc.invert(pc.is_in(moved["type"], pa.array(NOT_BEHAVIOUR))))
    named = pc.unique(events["customer_id"].drop_null()).to_pylist()
    anonymous = pc.unique(events.filter(pc.is_null(events["customer_id"]))["anonymous_id"]
                          .drop_null()).to_pylist()
    if not named and not anonymous:
        return 0
    try:
        with kernel.db.session() as session:
            queued = {uuid.UUID(value) for value in named}
            queued |= aliases.customers_of(session, anonymous)
            repository.queue_many(session, sorted(queued), topic=BEHAVIOUR_TOPIC, at=utcnow())
    except Exception as error:  # the events are in the lake already: say so and go on
        log.warning("profiles_behaviour_queue_failed", customers=len(named),
                    anonymous_ids=len(anonymous), error=f"{type(error).__name__}: {error}"[:300])
        return 0
    return len(queued)


def queue_signed_in(session: Session, *, customer_ids: set[uuid.UUID]) -> None:
    """Queue customers who signed in on a device: what it did before now counts as theirs."""
    repository.queue_many(session, sorted(customer_ids), topic="customer.signed_in",
                          at=utcnow())


def update_pending(session: Session, *, limit: int = 2000, now: datetime | None = None
                   ) -> RebuildReport:
    """Recompute the queued customers' profiles and tags (oldest first, at most ``limit``)."""
    queued = repository.pending_ids(session, limit=limit)
    if not queued:
        return RebuildReport()
    report = refresh(session, queued, now=now)
    repository.clear_pending(session, queued)
    return report


# ---- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileView:
    """A customer's profile as pages and other domains read it; money in CNY."""

    customer_id: uuid.UUID
    primary_rm_id: uuid.UUID
    branch_id: uuid.UUID
    aum: Decimal
    demand_balance: Decimal
    deposit_balance: Decimal
    wealth_value: Decimal
    loan_outstanding: Decimal
    products: tuple[str, ...]
    nearest_maturity: date | None
    last_seen_at: datetime | None
    events_30d: int
    app_opens_30d: int
    outbound_30d: Decimal
    outbound_prior_30d: Decimal
    tags: tuple[str, ...]
    attributes: dict[str, Any]
    updated_at: datetime


def _view(row: Profile, tags: list[str], attributes: dict[str, Any]) -> ProfileView:
    return ProfileView(
        row.customer_id, row.primary_rm_id, row.branch_id, row.aum, row.demand_balance,
        row.deposit_balance, row.wealth_value, row.loan_outstanding, tuple(row.products),
        row.nearest_maturity, row.last_seen_at, row.events_30d, row.app_opens_30d,
        row.outbound_30d, row.outbound_prior_30d, tuple(sorted(tags)), attributes,
        row.updated_at)


def profile(session: Session, *, customer_id: uuid.UUID) -> ProfileView | None:
    """The customer's profile with its tags, or None before the first rebuild reached them
    (for other domains: no scope check)."""
    row = session.get(Profile, customer_id)
    if row is None:
        return None
    return _view(row, repository.tags_of(session, customer_id),
                 repository.attributes_of(session, [customer_id]).get(customer_id, {}))


def profile_for(session: Session, actor: Actor, *, customer_id: uuid.UUID) -> ProfileView:
    """The profile for staff who may see the customer (an RM: own and shared)."""
    authorize(actor, Operation.PROFILE_READ)
    if not customers.can_see(session, actor, customer_id=customer_id):
        raise ProfileNotFound("customer not found")
    found = profile(session, customer_id=customer_id)
    if found is None:
        raise ProfileNotFound("this customer has no profile yet")
    return found


def customer_tags(session: Session, *, customer_id: uuid.UUID) -> list[str]:
    """The tags the customer has now, by name."""
    return sorted(repository.tags_of(session, customer_id))


def customers_with_tag(session: Session, *, tag: str) -> list[uuid.UUID]:
    """Every customer who has ``tag`` now (by id); an undeclared tag is ``tag_unknown``."""
    if tag not in audience.TAG_BY_NAME:
        raise UnknownTag("unknown tag", name=tag[:64])
    return repository.customers_with_tag(session, tag)


def set_attribute(session: Session, actor: Actor, *, customer_id: uuid.UUID, name: str,
                  value: Any) -> ProfileView | None:
    """Set a declared attribute (``other_bank_vip``) on a customer in the actor's scope; the
    customer's tags follow at once. Audited with the value before and after."""
    expected = audience.ATTRIBUTES.get(name)
    if expected is None:
        raise AttributeInvalid("unknown attribute", name=name[:64])
    if not isinstance(value, expected):
        raise AttributeInvalid("not a valid value for this attribute", name=name)
    # scope by who may see the customer, so an RM a customer is shared with may mark them too
    authorize(actor, Operation.PROFILE_ATTRIBUTE_SET)
    if not customers.can_see(session, actor, customer_id=customer_id):
        raise ProfileNotFound("customer not found")
    row = session.get(CustomerAttribute, (customer_id, name))
    before = None if row is None else row.value
    if row is None:
        row = CustomerAttribute(customer_id=customer_id, name=name, value=value,
                                set_by=actor.id, set_at=utcnow())
        session.add(row)
    else:
        row.value, row.set_by, row.set_at = value, actor.id, utcnow()
    session.flush()
    audit.record(session, actor, action="events.attribute_set", target_type="customer",
                 target_id=customer_id, before={name: before}, after={name: value})
    refresh(session, [customer_id])
    return profile(session, customer_id=customer_id)


def today_of(session: Session) -> date:
    return bank_today(kernel_of(session).settings)


def install(bus: EventBus) -> None:
    """Queue a profile update for each domain event that names a customer whose money or
    products moved (lower domains never call the events domain)."""
    for topic in TOPICS:
        bus.subscribe(topic, on_core_event)


def on_core_event(session: Session, event: DomainEvent) -> None:
    named = event.payload.get("customer_id")
    if not named:
        return
    try:
        customer_id = uuid.UUID(str(named))
    except ValueError:
        log.warning("profile_event_without_customer", topic=event.topic, event_id=str(event.id))
        return
    queue_update(session, customer_id=customer_id, topic=event.topic)
