"""What leaves the bank after a run: texts through the message-channel port and webhooks to
another system, each from a job in small batches. A text re-reads consent just before it
goes (an opt-out since the run withdraws it); a webhook is one signed POST per campaign and
day with the customers' ids (HMAC-SHA256 of the body in ``X-Contactless-Signature``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
import uuid
from collections import defaultdict
from datetime import date

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.marketing.models import Campaign, CampaignSend, Channel, Preference, SendStatus
from contactless.marketing.service import receipts
from contactless.platform.db import is_sqlite, utcnow
from contactless.platform.kernel import Kernel

log = structlog.get_logger(__name__)
MAX_ATTEMPTS = 5


def _queued(session: Session, channel: str, limit: int) -> list[CampaignSend]:
    query = (select(CampaignSend).where(CampaignSend.channel == channel,
                                        CampaignSend.status == SendStatus.QUEUED.value)
             .order_by(CampaignSend.created_at).limit(limit))
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _muted(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = session.scalars(select(Preference.customer_id).where(
        Preference.customer_id.in_(ids),
        (Preference.consent.is_(False)) | Preference.do_not_disturb))
    return set(rows)


def sms_text(campaign: Campaign) -> str:
    action = next(item for item in campaign.actions if item["kind"] == Channel.SMS)
    return str(action["body"])


def deliver_sms(kernel: Kernel, *, batch: int = 500) -> int:
    """Send one batch of queued texts; returns how many went out."""
    with kernel.db.session() as session:
        rows = _queued(session, Channel.SMS.value, batch)
        if not rows:
            return 0
        muted = _muted(session, [row.customer_id for row in rows])
        mobiles = customers.mobiles_of(session, ids=[row.customer_id for row in rows])
        campaigns = {row.campaign_id: session.get(Campaign, row.campaign_id) for row in rows}
        handed: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
        now = utcnow()
        for row in rows:
            campaign = campaigns[row.campaign_id]
            if row.customer_id in muted or campaign is None or row.customer_id not in mobiles:
                row.status = SendStatus.WITHDRAWN.value
                continue
            kernel.channel.send(session, to_mobile=mobiles[row.customer_id],
                                body=sms_text(campaign), kind="marketing.sms")
            row.status, row.sent_at, row.attempts = SendStatus.SENT.value, now, 1
            handed[row.campaign_id].append((row.id, row.customer_id))
        # the text's send is its message: the channel queues it, with no receipt of its own
        return sum(receipts.delivered(session, campaign_id=campaign_id, at=now,
                                      channel=Channel.SMS.value, messages=messages)
                   for campaign_id, messages in handed.items())


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def webhook_secret(kernel: Kernel) -> bytes:
    """The key webhooks are signed with, derived from the bank's secret key."""
    return hashlib.sha256(b"marketing-webhook:" +
                          kernel.settings.secret_key.get_secret_value().encode()).digest()


def deliver_webhooks(kernel: Kernel, *, batch: int = 1000, timeout: float = 10) -> int:
    """POST each campaign's queued webhook sends, one request per campaign and day."""
    with kernel.db.session() as session:
        rows = _queued(session, Channel.WEBHOOK.value, batch)
        groups: dict[tuple[uuid.UUID, date], list[CampaignSend]] = defaultdict(list)
        for row in rows:
            groups[(row.campaign_id, row.run_date)].append(row)
        delivered = 0
        for (campaign_id, on), sends in groups.items():
            campaign = session.get(Campaign, campaign_id)
            action = next((a for a in (campaign.actions if campaign else [])
                           if a["kind"] == Channel.WEBHOOK), None)
            ok = action is not None and _post(kernel, action["url"], campaign_id, on, sends,
                                              timeout)
            for send in sends:
                send.attempts += 1
                if ok:
                    send.status, send.sent_at = SendStatus.SENT.value, utcnow()
                elif send.attempts >= MAX_ATTEMPTS:
                    send.status = SendStatus.FAILED.value
            delivered += len(sends) if ok else 0
        return delivered


def _post(kernel: Kernel, url: str, campaign_id: uuid.UUID, on: date,
          sends: list[CampaignSend], timeout: float) -> bool:
    body = json.dumps({"campaign_id": str(campaign_id), "run_date": on.isoformat(),
                       "customers": sorted(str(send.customer_id) for send in sends)}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json",
        "X-Contactless-Signature": signature(webhook_secret(kernel), body)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return 200 <= int(response.status) < 300
    except OSError as error:
        log.warning("marketing_webhook_failed", campaign_id=str(campaign_id), error=str(error))
        return False


def withdraw_for(session: Session, customer_id: uuid.UUID) -> int:
    """An opt-out withdraws what has not gone out yet (queued or held texts, webhooks)."""
    result = session.execute(update(CampaignSend).where(
        CampaignSend.customer_id == customer_id,
        CampaignSend.status.in_((SendStatus.QUEUED.value, SendStatus.DEFERRED.value)))
        .values(status=SendStatus.WITHDRAWN.value))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
