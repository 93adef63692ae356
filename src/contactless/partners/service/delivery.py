"""Sending webhooks (Standard Webhooks, https://www.standardwebhooks.com): each attempt POSTs
the message's fixed body with ``webhook-id`` (the message id, the same on every retry, so the
receiver dedupes by it), ``webhook-timestamp`` (Unix seconds of the attempt) and
``webhook-signature`` (``v1,`` and the base64 HMAC-SHA256, keyed with the endpoint's secret,
of ``id.timestamp.body``).

The background job claims what is due (a lease: ``next_attempt_at`` moves 5 minutes ahead and
commits, so two workers never send the same delivery at once, and one that dies leaves it to
the next run), sends outside any transaction, then records the attempt. A 2xx answer delivers;
anything else (another status, a refused connection, a timeout) retries with exponential
backoff (30 s, 1 min, 2 min, ... capped at 4 hours) until 24 hours after the message, the last
try at the 24th hour; then the delivery is ``failed`` until a replay. Nothing is lost while a
receiver is down: the message waits in the table."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy.orm import Session

from contactless import __version__
from contactless.partners import repository_hub as repository
from contactless.partners.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
)
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel, kernel_of

log = structlog.get_logger("contactless.partners.webhooks")

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_CONTEXT = "partner-webhook-secret"  # noqa: S105 - an encryption context name
RETRY_FOR = timedelta(hours=24)
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=4)
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10.0
USER_AGENT = f"Contactless-Webhooks/{__version__}"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s doubling, at most 4 hours."""
    wait: timedelta = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(wait, MAX_BACKOFF)


def sign(secret: str, *, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` value for one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    text = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, text, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, ready to send."""

    delivery_id: uuid.UUID
    message_id: str
    url: str
    body: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class DeliveryReport:
    """What one run of the job did."""

    sent: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _outgoing(session: Session, delivery: WebhookDelivery) -> Outgoing | None:
    message = repository.message_by_id(session, delivery.message_id)
    endpoint = repository.endpoint_by_id(session, delivery.endpoint_id)
    if message is None or endpoint is None:
        return None
    secret = kernel_of(session).cipher.decrypt(endpoint.secret, context=SECRET_CONTEXT)
    return Outgoing(delivery.id, message.id, endpoint.url, message.body, secret)


def claim_due(kernel: Kernel, *, limit: int = 200) -> list[Outgoing]:
    """Deliveries due now, leased to this run."""
    now = utcnow()
    claimed = []
    with kernel.db.session() as session:
        ids = repository.due_delivery_ids(session, now=now, limit=limit,
                                          skip_locked=not kernel.db.is_sqlite)
        for delivery_id in ids:
            delivery = repository.delivery_by_id(session, delivery_id)
            if delivery is None:
                continue
            delivery.next_attempt_at = now + LEASE
            outgoing = _outgoing(session, delivery)
            if outgoing is not None:
                claimed.append(outgoing)
    return claimed


def send(client: httpx.Client, outgoing: Outgoing) -> Outcome:
    """POST the message once, signed as of now."""
    at = utcnow()
    stamp = int(at.timestamp())
    headers = {
        "content-type": "application/json", "user-agent": USER_AGENT,
        "webhook-id": outgoing.message_id, "webhook-timestamp": str(stamp),
        "webhook-signature": sign(outgoing.secret, message_id=outgoing.message_id,
                                  timestamp=stamp, body=outgoing.body)}
    started = time.perf_counter()
    try:
        response = client.post(outgoing.url, content=outgoing.body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        return Outcome(at, None, error, _elapsed(started))
    return Outcome(at, response.status_code, None, _elapsed(started))


def _elapsed(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def record(session: Session, outgoing: Outgoing, outcome: Outcome) -> str:
    """Write the attempt and what comes next; returns the delivery's new status."""
    delivery = repository.delivery_by_id(session, outgoing.delivery_id, for_update=True)
    if delivery is None:
        return DeliveryStatus.FAILED.value
    session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=outcome.at,
                               status_code=outcome.status_code, error=outcome.error,
                               duration_ms=outcome.duration_ms))
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.delivered:
        delivery.status = DeliveryStatus.DELIVERED.value
        delivery.delivered_at = outcome.at
        delivery.next_attempt_at = None
    elif outcome.at >= delivery.give_up_at:
        delivery.status = DeliveryStatus.FAILED.value
        delivery.next_attempt_at = None
        log.warning("webhook_given_up", delivery_id=str(delivery.id),
                    message_id=outgoing.message_id, attempts=delivery.attempts)
    else:
        delivery.next_attempt_at = min(outcome.at + backoff(delivery.attempts),
                                       delivery.give_up_at)
    session.flush()
    return delivery.status


def http_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=transport,
                        trust_env=False)


def deliver_due(kernel: Kernel, *, limit: int = 200,
                transport: httpx.BaseTransport | None = None) -> DeliveryReport:
    """The job: send every delivery that is due, record each attempt."""
    report = DeliveryReport()
    claimed = claim_due(kernel, limit=limit)
    if not claimed:
        return report
    with http_client(transport) as client:
        for outgoing in claimed:
            outcome = send(client, outgoing)
            with kernel.db.session() as session:
                status = record(session, outgoing, outcome)
            report.sent += 1
            if status == DeliveryStatus.DELIVERED:
                report.delivered += 1
            elif status == DeliveryStatus.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
    return report


def deliver_now(session: Session, delivery_ids: list[uuid.UUID],
                transport: httpx.BaseTransport) -> None:
    """Send the given deliveries in the caller's transaction (the demo bank's history, where
    the partner's side is ``transport``); the job never does this."""
    with http_client(transport) as client:
        for delivery_id in delivery_ids:
            delivery = repository.delivery_by_id(session, delivery_id)
            outgoing = _outgoing(session, delivery) if delivery is not None else None
            if outgoing is not None:
                record(session, outgoing, send(client, outgoing))
