"""Behaviour events (行为数据): the service every caller goes through.

``ingest_body`` takes a batch as it came over HTTP, ``ingest`` takes events the platform
made; both answer only once the accepted events are durable in the log. ``compact`` moves
closed log segments into the lake and tidies it (merging small files, retention); the app
runs it in a background thread, the CLI on demand. Everything long-lived (the registry, the
log writer, the ids seen) is kept per kernel, built on first use.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import structlog
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.events import aliases, explorer, intake, lake, profiles, segment_store, segments
from contactless.events import replay as replays
from contactless.events.aggregates import AGGREGATES, Aggregate, Aggregator, Figure
from contactless.events.errors import AggregateUnknown, ProfileNotFound
from contactless.events.ingest import Ingestor, IngestResult, Window
from contactless.events.intake import Decoded, Rejection
from contactless.events.lake import CompactionReport
from contactless.events.log import SegmentLog
from contactless.events.places import lake_connection, places, tidy_lock
from contactless.events.profiles import (
    ProfileView,
    RebuildReport,
    customer_tags,
    customers_with_tag,
    profile,
    profile_for,
    rebuild_profiles,
    set_attribute,
    update_pending,
)
from contactless.events.registry import Envelope, Registry, default_registry
from contactless.events.segment_store import SampleMember, SegmentView
from contactless.identity.permissions import Operation, authorize
from contactless.platform.clock import today_in
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.events import EventBus
from contactless.platform.kernel import Kernel, kernel_of
from contactless.platform.store import MemoryStore

log = structlog.get_logger(__name__)
_KEY = "events.ingestor"
_REGISTRY_KEY = "events.registry"
_AGGREGATOR_KEY = "events.aggregator"
_HOOKS_KEY = "events.replay_hooks"
_LOCK = threading.Lock()


def use_registry(kernel: Kernel, registry: Registry) -> None:
    """Use ``registry`` (e.g. the built-in types extended with a bank's own) on this kernel;
    call it before the first event."""
    kernel.extensions[_REGISTRY_KEY] = registry


def registry_of(kernel: Kernel) -> Registry:
    registry: Registry | None = kernel.extensions.get(_REGISTRY_KEY)
    if registry is None:
        registry = kernel.extensions.setdefault(_REGISTRY_KEY, default_registry())
    return registry


def aggregator_of(kernel: Kernel) -> Aggregator:
    """The declared real-time aggregates over this kernel's store."""
    found: Aggregator | None = kernel.extensions.get(_AGGREGATOR_KEY)
    if found is None:
        found = kernel.extensions.setdefault(_AGGREGATOR_KEY, Aggregator(
            kernel.store, registry_of(kernel),
            lateness_seconds=kernel.settings.events_aggregate_lateness_seconds))
    return found


def ingestor_of(kernel: Kernel) -> Ingestor:
    found: Ingestor | None = kernel.extensions.get(_KEY)
    if found is not None:
        return found
    with _LOCK:
        found = kernel.extensions.get(_KEY)
        if found is None:
            settings = kernel.settings
            where = places(kernel)
            found = Ingestor(
                registry_of(kernel),
                SegmentLog(where.log_dir, max_bytes=settings.events_segment_bytes,
                           max_age_seconds=settings.events_segment_seconds),
                window=Window(settings.events_past_seconds, settings.events_future_seconds),
                dedupe_seconds=settings.events_dedupe_seconds,
                aggregator=aggregator_of(kernel))
            found.recover_seen(where.log_dir, where.lake)
            kernel.extensions[_KEY] = found
    return found


def ingest_body(session: Session, actor: Actor | None, *, body: bytes, ndjson: bool = False,
                gzipped: bool = False) -> IngestResult:
    """A batch as sent (a JSON array, or NDJSON; gzipped or not) by ``actor`` (a signed-in
    customer, or None for an anonymous visitor): each invalid event rejected with its
    reason, the valid ones accepted once they are durable. Raises ``MalformedBatch`` (400)
    for a body that is not JSON and ``BatchTooLarge`` (413) past the batch limit."""
    kernel = kernel_of(session)
    settings = kernel.settings
    if gzipped or body[:2] == intake.GZIP_MAGIC:
        body = intake.inflate(body, limit=settings.events_max_inflated_bytes)
    decoded = intake.decode(registry_of(kernel), body, ndjson=ndjson,
                            max_events=settings.events_max_batch)
    return _ingest(session, actor, decoded)


def ingest(session: Session, actor: Actor, *, events: list[dict[str, Any]]) -> IngestResult:
    """Events the platform (or a trusted caller) made as Python values, checked exactly as
    a sent batch is."""
    registry = registry_of(kernel_of(session))
    decoded = Decoded()
    for index, fields in enumerate(events):
        try:
            decoded.events.append(registry.convert(fields))
            decoded.positions.append(index)
        except ValueError as exc:  # msgspec.ValidationError is one
            decoded.rejected.append(Rejection(index, "invalid_event", str(exc),
                                              str(fields.get("event_id"))))
    return _ingest(session, actor, decoded)


def _ingest(session: Session, actor: Actor | None, decoded: Decoded) -> IngestResult:
    if actor is not None and actor.kind == "customer" and decoded.events and \
            customers.analytics_consent_of(session, customer_id=uuid.UUID(actor.id)) \
            == "declined":
        return _declined(decoded)

    def lookup(ids: list[uuid.UUID]) -> set[uuid.UUID]:
        return customers.existing_customer_ids(session, ids=ids)

    return ingestor_of(kernel_of(session)).ingest(decoded, actor, now=utcnow(), lookup=lookup)


def _declined(decoded: Decoded) -> IngestResult:
    """A customer who declined behaviour analytics: nothing of theirs is kept."""
    refused = [Rejection(index, "analytics_declined",
                         "the customer declined behaviour analytics", str(event.event_id))
               for event, index in zip(decoded.events, decoded.positions, strict=True)]
    return IngestResult(rejected=sorted([*decoded.rejected, *refused],
                                        key=lambda rejection: rejection.index))


def compact(kernel: Kernel, *, today: date | None = None) -> CompactionReport:
    """Move closed (or orphaned) log segments into the lake, then merge each day's small
    files and apply retention. Safe to run from several processes at once."""
    where = places(kernel)
    ingestor = kernel.extensions.get(_KEY)
    if ingestor is not None:
        ingestor.log.rotate_if_due()
    settings = kernel.settings
    report = lake.compact_log(where.log_dir, where.lake, timezone=settings.timezone,
                              moved=lambda table: profiles.queue_behaviour(kernel, table))
    day = today or today_in(settings.timezone)
    with tidy_lock(kernel, where) as mine:
        if mine:
            report.files_merged, report.rows_dropped = lake.tidy(
                where.lake, retention=registry_of(kernel).retention_days(),
                default_days=settings.events_retention_days, today=day)
    return report


def flush(kernel: Kernel) -> CompactionReport:
    """Close this process's segment and compact everything: what tests and commands call
    when they need the lake to hold every acknowledged event now."""
    ingestor: Ingestor | None = kernel.extensions.get(_KEY)
    if ingestor is not None:
        ingestor.log.close()
    return compact(kernel)


def lake_events(kernel: Kernel, *, columns: list[str] | None = None) -> pa.Table:
    """The lake's events as a table (small reads and tests)."""
    return lake.read_lake(places(kernel).lake, columns=columns)


def link_anonymous(session: Session, *, links: list[tuple[str, str, datetime]]) -> int:
    """Link (anonymous id, customer id, when): from then on every query counts the anonymous
    id's events, before and after, as the customer's (their profile is queued for the next
    update). An id already linked keeps its first customer."""
    linked = aliases.link(session, links)
    profiles.queue_signed_in(session, customer_ids={uuid.UUID(c) for _, c, _ in links})
    return linked


def customer_of_anonymous(session: Session, *, anonymous_id: str) -> uuid.UUID | None:
    return aliases.customer_of(session, anonymous_id)


def aggregates() -> tuple[Aggregate, ...]:
    """The declared real-time aggregates (``events/aggregates.py``)."""
    return AGGREGATES


def customer_aggregates(session: Session, *, customer_id: uuid.UUID,
                        names: list[str] | None = None, now: datetime | None = None
                        ) -> dict[str, Figure]:
    """A customer's real-time aggregates by name (all, or ``names``): each the count of
    their events in its window up to ``now`` and, for money, the sums by currency. What
    risk and marketing read; raises ``AggregateUnknown`` (422) for a name not declared."""
    unknown = sorted(set(names or ()) - {a.name for a in AGGREGATES})
    if unknown:
        raise AggregateUnknown("no aggregate is declared by the name {aggregate}",
                               aggregate=unknown[0])
    moment = (now or utcnow()).timestamp()
    return aggregator_of(kernel_of(session)).figures(str(customer_id), now=moment,
                                                     names=names)


def on_replay(kernel: Kernel, name: str, hook: replays.ReplayHook) -> None:
    """Run ``hook(kernel, since)`` after each replay has rebuilt the aggregates (how the
    profiles and tags rebuild with them)."""
    kernel.extensions.setdefault(_HOOKS_KEY, {})[name] = hook


def replay(session: Session, *, since: date, now: datetime | None = None,
           clear: bool = True, profiles: bool = True) -> replays.ReplayReport:
    """Rebuild the real-time aggregates from the lake and the log (events from ``since``,
    within the longest window), then (with ``profiles``) every profile and its tags, and
    run the registered rebuild hooks."""
    kernel = kernel_of(session)
    compact(kernel)  # closed segments into the lake first; the rest is read from the log
    with lake_connection(session) as connection:
        report = replays.rebuild_aggregates(
            aggregator_of(kernel), connection, log_dir=places(kernel).log_dir, since=since,
            now=now or utcnow(), clear=clear)
    if profiles:
        rebuilt = rebuild_profiles(session, SYSTEM.with_channel("replay"), now=now)
        report.hooks["profiles"] = (f"{rebuilt.profiles} profiles, +{rebuilt.tags_added} "
                                    f"-{rebuilt.tags_removed} tags")
    for name, hook in kernel.extensions.get(_HOOKS_KEY, {}).items():
        report.hooks[name] = str(hook(kernel, since))
    log.info("events_replayed", **{k: v for k, v in vars(report).items() if k != "hooks"})
    return report


__all__ = ["Envelope", "Figure", "IngestResult", "ProfileView", "RebuildReport", "Rejection",
           "SegmentView", "aggregates", "compact", "customer_aggregates",
           "customer_of_anonymous", "customer_tags", "customers_with_tag", "flush", "ingest",
           "ingest_body", "lake_connection", "lake_events", "link_anonymous", "on_replay",
           "places",
           "profile", "profile_for", "rebuild_profiles", "registry_of", "replay",
           "set_attribute", "update_pending", "use_registry"]


class Compactor:
    """The background compaction of one process: every ``interval`` seconds, and once more
    when stopped (so a clean shutdown leaves nothing in the log)."""

    def __init__(self, kernel: Kernel, *, interval: float) -> None:
        self.kernel = kernel
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="events-compactor",
                                        daemon=True)

    def start(self) -> Compactor:
        self._thread.start()
        return self

    def _run(self) -> None:
        if isinstance(self.kernel.store, MemoryStore):  # its aggregates died with the last
            self._once(rebuild_in_process)              # process: count them again
        while not self._stop.wait(self.interval):
            self._once(compact)

    def _once(self, step: Any) -> None:
        try:
            step(self.kernel)
        except Exception:  # a failed pass leaves the log as it was; the next one retries
            log.exception("events_compaction_failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._once(flush)


def rebuild_in_process(kernel: Kernel) -> None:
    """The in-process store's aggregates, counted again from the lake and the log (what a
    server without Redis does as it starts)."""
    with kernel.db.session() as session:
        replay(session, since=date.min, clear=False, profiles=False)


def start_compactor(kernel: Kernel) -> Compactor | None:
    """The background compaction the settings ask for (None when it is turned off)."""
    interval = kernel.settings.events_compact_seconds
    return Compactor(kernel, interval=interval).start() if interval > 0 else None


def close(kernel: Kernel) -> None:
    """Close this kernel's log segment (what is in it stays durable, for the next
    compaction)."""
    ingestor: Ingestor | None = kernel.extensions.get(_KEY)
    if ingestor is not None:
        ingestor.log.close()


@dataclass(frozen=True)
class SegmentPreview:
    count: int
    sample: list[uuid.UUID]


def preview_segment(session: Session, actor: Actor, *, tree: Any,
                    sample: int = 20) -> SegmentPreview:
    """How many customers the condition tree selects and the first ``sample`` of them (by
    id). Raises ``SegmentInvalid`` (422) naming the node the registry does not know."""
    authorize(actor, Operation.SEGMENT_PREVIEW)
    members = segment_members(session, tree=tree)
    return SegmentPreview(count=len(members), sample=members[:sample])


def masked_sample(session: Session, actor: Actor, *, ids: list[uuid.UUID]
                  ) -> list[SampleMember]:
    """A preview's sample as the person may see it: the customers in their scope with name
    and mobile masked, the others by a short reference only."""
    return segment_store.masked_sample(session, actor, ids=ids)


def check_segment(session: Session, *, tree: Any) -> None:
    """Refuse a condition tree that does not compile (``segment_invalid``, with where), for
    other domains that keep a tree to run later (the marketing campaigns)."""
    segments.compile_segment(registry_of(kernel_of(session)), tree, now=utcnow())


def segment_members(session: Session, *, segment_id: uuid.UUID | None = None,
                    tree: Any = None, now: datetime | None = None) -> list[uuid.UUID]:
    """The customers of a saved segment (its materialized membership, as of its last
    refresh) or of a condition tree (evaluated now), sorted by id. For other domains (the
    marketing campaigns): no permission check; pages go through ``preview_segment``."""
    if (segment_id is None) == (tree is None):
        raise ValueError("give a segment_id or a tree")
    if segment_id is not None:
        return segment_store.members(session, segment_id=segment_id)
    kernel = kernel_of(session)
    return segment_store.evaluate(session, registry_of(kernel), tree,
                                  lake_dir=places(kernel).lake, now=now)


def save_segment(session: Session, actor: Actor, *, name: str, tree: Any,
                 segment_id: uuid.UUID | None = None) -> SegmentView:
    """Save a new segment (or change ``segment_id``) and materialize its members."""
    kernel = kernel_of(session)
    return segment_store.save(session, actor, registry_of(kernel), name=name, tree=tree,
                              segment_id=segment_id, lake_dir=places(kernel).lake)


def refresh_segments(session: Session, actor: Actor, *, stale_only: bool = True
                     ) -> list[SegmentView]:
    """Materialize the saved segments (the stale ones: profiles or tags changed since)."""
    kernel = kernel_of(session)
    return segment_store.refresh_all(session, actor, registry_of(kernel),
                                     lake_dir=places(kernel).lake, stale_only=stale_only)


def list_segments(session: Session, actor: Actor) -> list[SegmentView]:
    authorize(actor, Operation.SEGMENT_READ)
    return segment_store.listed(session)


def get_segment(session: Session, *, segment_id: uuid.UUID) -> SegmentView:
    return segment_store.get(session, segment_id=segment_id)


def read_segment(session: Session, actor: Actor, *, segment_id: uuid.UUID) -> SegmentView:
    """A saved segment for staff who may see the segments (``segment_not_found``, 404)."""
    authorize(actor, Operation.SEGMENT_READ)
    return segment_store.get(session, segment_id=segment_id)


def refresh_segment(session: Session, actor: Actor, *, segment_id: uuid.UUID) -> SegmentView:
    """Materialize one saved segment now."""
    kernel = kernel_of(session)
    return segment_store.refresh_one(session, actor, registry_of(kernel), segment_id=segment_id,
                                     lake_dir=places(kernel).lake)


def delete_segment(session: Session, actor: Actor, *, segment_id: uuid.UUID) -> None:
    segment_store.delete(session, actor, segment_id=segment_id)


def export_segment_csv(session: Session, actor: Actor, *, segment_id: uuid.UUID) -> str:
    """The members in the actor's scope as CSV, PII masked; audited."""
    return segment_store.export_csv(session, actor, segment_id=segment_id)


def install_profiles(bus: EventBus) -> None:
    """The domain events that queue a profile update (the app installs it per kernel)."""
    profiles.install(bus)


# ---- the console's reads: the event explorer and the customer 360° page ---------------------


@dataclass(frozen=True)
class Exploration:
    period: explorer.Period
    daily: explorer.DailyCounts
    pages: list[tuple[str, int]]
    funnel: explorer.Funnel | None


def explore(session: Session, actor: Actor, *, start: date, end: date,
            first: str | None = None, then: str | None = None,
            within_minutes: int = 60) -> Exploration:
    """The explorer's figures over the lake from ``start`` to ``end`` (the bank's days):
    events a day by type, the top pages and, given two event types, the funnel between them.
    Raises ``ExploreInvalid`` (422) for dates out of order or a type not declared."""
    authorize(actor, Operation.EVENTS_EXPLORE)
    kernel = kernel_of(session)
    when = explorer.period(start, end, zone=kernel.settings.timezone)
    with lake_connection(session, days=(when.start, when.end)) as connection:
        daily = explorer.daily_counts(connection, when)
        pages = explorer.top_pages(connection, when)
        chosen = explorer.funnel(connection, registry_of(kernel), when, first=first,
                                 then=then, within_minutes=within_minutes) \
            if first and then else None
    return Exploration(when, daily, pages, chosen)


@dataclass(frozen=True)
class Customer360:
    profile: ProfileView | None  # None until the first rebuild reaches the customer
    timeline: explorer.Timeline


def customer_360(session: Session, actor: Actor, *, customer_id: uuid.UUID, page: int = 1,
                 per_page: int = 20) -> Customer360:
    """A customer's profile, tags and latest events (``per_page`` a page, newest first),
    for staff who may see the customer (``profile_not_found``, 404, for the others)."""
    authorize(actor, Operation.PROFILE_READ)
    if not customers.can_see(session, actor, customer_id=customer_id):
        raise ProfileNotFound("customer not found")
    with lake_connection(session) as connection:
        events = explorer.timeline(connection, customer_id=str(customer_id), page=page,
                                   per_page=per_page)
    return Customer360(profile(session, customer_id=customer_id), events)
