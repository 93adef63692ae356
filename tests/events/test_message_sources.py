"""Marketing's messages end in the lake by themselves, through the bus: each message a run
put in a customer's inbox and each text handed to the message channel is a
``message.delivered``, the first opening of an inbox message a ``message.opened``; a
customer who opted out gets no message, so nothing of theirs is there."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from contactless.events import service as events
from contactless.marketing import service as marketing
from contactless.marketing.models import CampaignSend, InboxMessage
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel
from tests.factories.marketing import (
    MarketingBank,
    make_marketing_bank,
    run_day,
    running_maturity_campaign,
)
from tests.journeys.test_api import _sign_in


def lake_rows(kernel: Kernel, kind: str) -> list[dict[str, Any]]:
    events.flush(kernel)
    return [row for row in events.lake_events(kernel).to_pylist() if row["type"] == kind]


def props(row: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(str(row["properties"])))


def daytime(kernel: Kernel) -> datetime:
    """Now, or the evening before when now is in quiet hours (a text is not held then)."""
    zone = ZoneInfo(kernel.settings.timezone)
    here = utcnow().astimezone(zone)
    if 8 <= here.hour < 21:
        return utcnow()
    evening = here.replace(hour=20, minute=30)
    return evening - timedelta(days=1) if here.hour < 8 else evening


def sms_campaign(kernel: Kernel, mb: MarketingBank) -> uuid.UUID:
    with kernel.db.session() as session:
        draft = marketing.create_campaign(session, mb.marketer, spec=marketing.CampaignSpec(
            name="短信提醒", target={"kind": "maturing", "days": 30, "min_amount": "0"},
            schedule={"kind": "daily", "at": "09:00"},
            actions=[{"kind": "sms", "body": "您的存款即将到期，请登录手机银行续存。"}],
            goal={"event": "journey.completed", "journey": "deposit_renewal"},
            holdout_percent=0))
        marketing.approve_campaign(session, mb.lead, campaign_id=draft.id)
        marketing.move_campaign(session, mb.marketer, campaign_id=draft.id, move="start")
    return draft.id


def test_a_runs_messages_and_their_opening_land_in_the_lake(kernel: Kernel,
                                                            client: TestClient) -> None:
    mb = make_marketing_bank(kernel, customers=3)
    reader, other, leaver = mb.customers
    with kernel.db.session() as session:
        marketing.set_preferences(session, leaver.actor, customer_id=leaver.customer.id,
                                  consent=False, do_not_disturb=False)
    inbox_campaign = running_maturity_campaign(kernel, mb)
    text_campaign = sms_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel), now=daytime(kernel))
    assert marketing.deliver_sms(kernel) == 2

    delivered = lake_rows(kernel, "message.delivered")
    seen = {(row["customer_id"], props(row)["campaign_id"], props(row)["channel"])
            for row in delivered}
    assert seen == {(str(person.customer.id), str(campaign), channel)
                    for person in (reader, other)
                    for campaign, channel in ((inbox_campaign, "inbox"),
                                              (text_campaign, "sms"))}
    assert len(delivered) == 4  # once each
    assert {row["channel"] for row in delivered} == {"platform"}
    with kernel.db.session() as session:
        message_ids = {str(i) for i in session.scalars(select(InboxMessage.id))}
        text_ids = {str(i) for i in session.scalars(select(CampaignSend.id).where(
            CampaignSend.campaign_id == text_campaign, CampaignSend.status == "sent"))}
        mine = session.scalar(select(InboxMessage.id).where(
            InboxMessage.customer_id == reader.customer.id))
    assert {props(row)["message_id"] for row in delivered} == message_ids | text_ids

    headers = _sign_in(client, kernel, reader.mobile)
    for _ in range(2):  # the first opening is the read receipt; the second tells nothing
        assert client.get(f"/m/messages/{mine}", headers=headers).status_code == 200
    [opened] = lake_rows(kernel, "message.opened")
    assert opened["customer_id"] == str(reader.customer.id)
    assert props(opened) == {"message_id": str(mine), "campaign_id": str(inbox_campaign),
                             "channel": "inbox"}
    assert opened["channel"] == "app"  # opened with the app's sign-in (a bearer token)
    # the customer who opted out got no message: no message event of theirs is in the lake
    messages = [row for row in events.lake_events(kernel).to_pylist()
                if row["type"].startswith("message.")]
    assert len(messages) == 5
    assert all(row["customer_id"] != str(leaver.customer.id) for row in messages)


def test_a_text_withdrawn_by_an_opt_out_is_not_delivered(sqlite_kernel: Kernel) -> None:
    mb = make_marketing_bank(sqlite_kernel, customers=2)
    stays, leaves = mb.customers
    sms_campaign(sqlite_kernel, mb)
    marketing.run_daily(sqlite_kernel, on=run_day(sqlite_kernel), now=daytime(sqlite_kernel))
    with sqlite_kernel.db.session() as session:  # after the run, before the text goes
        marketing.set_preferences(session, leaves.actor, customer_id=leaves.customer.id,
                                  consent=False, do_not_disturb=False)
    assert marketing.deliver_sms(sqlite_kernel) == 1
    delivered = lake_rows(sqlite_kernel, "message.delivered")
    assert [row["customer_id"] for row in delivered] == [str(stays.customer.id)]


def test_a_client_may_not_claim_a_message_was_opened(sqlite_kernel: Kernel) -> None:
    from tests.events.factories import page_view

    claimed = {**page_view(), "type": "message.opened",
               "properties": {"message_id": str(uuid.uuid4())}}
    with sqlite_kernel.db.session() as session:
        result = events.ingest_body(session, None, body=json.dumps([claimed]).encode())
    assert [r.code for r in result.rejected] == ["reserved_type"]
