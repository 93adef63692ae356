"""What a campaign is made of, checked before it is stored: a target, a schedule, actions, a
goal and a holdout. Each part is a small JSON object (the console's builder and the API write
the same), so a playbook is simply a campaign spec with blanks filled in.

Targets: ``maturing`` (time deposits, CDs and wealth products maturing within ``days``, at
least ``min_amount``), ``retention`` (a demand balance of at least ``min_balance`` and more
money sent to other banks in the last 30 days than in the 30 before, by ``rise_percent``),
``high_value`` (deposits and demand balances of at least ``min_assets``), ``segment`` (an
events condition tree) and ``event`` (a bus event, e.g. an outbound transfer of at least
``min_amount``; only with an ``event`` schedule)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from contactless.marketing.errors import CampaignInvalid
from contactless.marketing.models import Channel
from contactless.platform.money import fits_currency, round_to_currency

AUDIENCE_TARGETS = ("maturing", "retention", "high_value", "segment")
TRIGGER_TOPICS = ("corebank.outbound_sent",)
SCHEDULES = ("once", "daily", "event")
GOAL_EVENTS = ("journey.completed",)
ACTIONS = (Channel.RM_CALL, Channel.INBOX, Channel.SMS, Channel.WEBHOOK)
MAX_DAYS = 366
MAX_TEXT = 500
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign as its maker writes it (``goal`` names a journey the catalogue has)."""

    name: str
    target: dict[str, Any]
    schedule: dict[str, Any]
    actions: list[dict[str, Any]]
    goal: dict[str, Any]
    holdout_percent: int = 10
    playbook: str | None = None


def _whole(value: Any, low: int, high: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CampaignInvalid("{field} is a whole number from {low} to {high}", field=field,
                              low=low, high=high)
    text = str(value).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise CampaignInvalid("{field} is a whole number from {low} to {high}", field=field,
                              low=low, high=high)
    return int(text)


def _amount(value: Any, field: str) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise CampaignInvalid("{field} is an amount in yuan", field=field) from None
    if not amount.is_finite() or amount < 0 or not fits_currency(amount, "CNY"):
        raise CampaignInvalid("{field} is an amount in yuan", field=field)
    return str(round_to_currency(amount, "CNY"))


def _text(value: Any, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if (required and not text) or len(text) > limit:
        raise CampaignInvalid("{field} is a text of 1 to {limit} characters", field=field,
                              limit=limit)
    return text


def check_target(target: Any) -> dict[str, Any]:
    if not isinstance(target, dict):
        raise CampaignInvalid("the target is an object with a kind", field="target")
    kind = target.get("kind")
    if kind == "maturing":
        return {"kind": kind, "days": _whole(target.get("days", 30), 1, 180, "target.days"),
                "min_amount": _amount(target.get("min_amount", "0"), "target.min_amount")}
    if kind == "retention":
        return {"kind": kind,
                "min_balance": _amount(target.get("min_balance", "0"), "target.min_balance"),
                "rise_percent": _whole(target.get("rise_percent", 50), 0, 1000,
                                       "target.rise_percent")}
    if kind == "high_value":
        return {"kind": kind,
                "min_assets": _amount(target.get("min_assets", "0"), "target.min_assets")}
    if kind == "segment":
        if not isinstance(target.get("tree"), dict):
            raise CampaignInvalid("a segment target carries its condition tree",
                                  field="target.tree")
        return {"kind": kind, "tree": target["tree"]}
    if kind == "event":
        topic = target.get("topic")
        if topic not in TRIGGER_TOPICS:
            raise CampaignInvalid("the trigger event {topic} is not one campaigns listen to",
                                  field="target.topic", topic=str(topic))
        return {"kind": kind, "topic": topic,
                "min_amount": _amount(target.get("min_amount", "0"), "target.min_amount")}
    raise CampaignInvalid("the target kind {kind} is unknown", field="target.kind",
                          kind=str(kind))


def check_schedule(schedule: Any, target: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(schedule, dict) or schedule.get("kind") not in SCHEDULES:
        raise CampaignInvalid("the schedule is once, daily or event", field="schedule.kind")
    kind = schedule["kind"]
    if (kind == "event") != (target["kind"] == "event"):
        raise CampaignInvalid("an event target runs on an event schedule, and only it",
                              field="schedule.kind")
    if kind == "once":
        try:
            on = date.fromisoformat(str(schedule.get("on")))
        except ValueError:
            raise CampaignInvalid("a one-time schedule names its day (YYYY-MM-DD)",
                                  field="schedule.on") from None
        return {"kind": kind, "on": on.isoformat(), "at": _clock(schedule)}
    if kind == "daily":
        return {"kind": kind, "at": _clock(schedule)}
    return {"kind": kind}


def _clock(schedule: dict[str, Any]) -> str:
    at = str(schedule.get("at", "09:00"))
    if not CLOCK.match(at):
        raise CampaignInvalid("a schedule names its time of day (HH:MM)", field="schedule.at")
    return at


def check_actions(actions: Any, journeys: set[str]) -> list[dict[str, Any]]:
    if not isinstance(actions, list) or not 1 <= len(actions) <= len(ACTIONS):
        raise CampaignInvalid("a campaign has one to {limit} actions", field="actions",
                              limit=len(ACTIONS))
    checked: list[dict[str, Any]] = []
    for position, action in enumerate(actions):
        where = f"actions[{position}]"
        kind = action.get("kind") if isinstance(action, dict) else None
        if kind not in ACTIONS or any(done["kind"] == kind for done in checked):
            raise CampaignInvalid("each action is one of rm_call, inbox, sms, webhook, once",
                                  field=where)
        link = action.get("link") or None
        if link is not None and link not in journeys:
            raise CampaignInvalid("the link's journey {journey} is not in the catalogue",
                                  field=f"{where}.link", journey=str(link))
        if kind == Channel.RM_CALL:
            checked.append({"kind": kind, "due_days": _whole(action.get("due_days", 3), 0, 30,
                                                             f"{where}.due_days"),
                            "script": _text(action.get("script"), f"{where}.script"),
                            "link": link})
        elif kind in (Channel.INBOX, Channel.SMS):
            body = _text(action.get("body"), f"{where}.body")
            # without a title (a text has none of its own) the body's beginning names it
            title = (_text(action.get("title"), f"{where}.title", limit=128)
                     if action.get("title") else body[:128])
            checked.append({"kind": kind, "title": title, "body": body, "link": link})
        else:
            url = _text(action.get("url"), f"{where}.url", limit=300)
            if not url.startswith("https://"):
                raise CampaignInvalid("a webhook is an https:// address", field=f"{where}.url")
            checked.append({"kind": kind, "url": url})
    return checked


def check_goal(goal: Any, journeys: set[str]) -> dict[str, Any]:
    if not isinstance(goal, dict) or goal.get("event") not in GOAL_EVENTS:
        raise CampaignInvalid("the goal event {event} does not exist", field="goal.event",
                              event=str(goal.get("event") if isinstance(goal, dict) else goal))
    journey = goal.get("journey")
    if journey not in journeys:
        raise CampaignInvalid("the goal's journey {journey} is not in the catalogue",
                              field="goal.journey", journey=str(journey))
    return {"event": goal["event"], "journey": journey,
            "within_days": _whole(goal.get("within_days", 14), 1, MAX_DAYS, "goal.within_days")}


def check_spec(spec: CampaignSpec, *, journeys: set[str]) -> CampaignSpec:
    """The spec with every part checked and normalised; ``CampaignInvalid`` names the field."""
    target = check_target(spec.target)
    return CampaignSpec(
        name=_text(spec.name, "name", limit=128), target=target,
        schedule=check_schedule(spec.schedule, target),
        actions=check_actions(spec.actions, journeys), goal=check_goal(spec.goal, journeys),
        holdout_percent=_whole(spec.holdout_percent, 0, 50, "holdout_percent"),
        playbook=spec.playbook)


def daily_due(schedule: dict[str, Any], on: date) -> bool:
    """Whether a scheduled campaign runs on ``on`` (event schedules run from the bus)."""
    if schedule["kind"] == "once":
        return date.fromisoformat(schedule["on"]) == on
    return bool(schedule["kind"] == "daily")


def run_time(schedule: dict[str, Any]) -> time:
    return time.fromisoformat(schedule.get("at", "00:00"))
