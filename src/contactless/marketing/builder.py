"""The console's campaign builder (活动配置): one flat form of text fields, read into the
campaign spec the service checks and written back from a stored campaign.

The form keeps every value as typed: a refused save shows the page again with the same
strings, and the error's field (``target.days``, ``actions[1].script``) is mapped back to the
input it came from, so the page can point at it and name it in the reader's language."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from contactless.marketing.errors import CampaignInvalid
from contactless.marketing.models import Channel
from contactless.marketing.service import CampaignSpec, CampaignView
from contactless.marketing.service.spec import ACTIONS
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import N_, gettext_for
from contactless.web.deps import locale_of
from contactless.web.errors import localized
from contactless.web.labels import label_in

# what each target kind takes besides its kind (service/spec.py check_target)
TARGET_FIELDS: dict[str, tuple[str, ...]] = {
    "maturing": ("days", "min_amount"), "retention": ("min_balance", "rise_percent"),
    "high_value": ("min_assets",), "segment": ("tree",), "event": ("topic", "min_amount"),
}
# what each action kind takes besides its kind, in the form's order
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    Channel.RM_CALL.value: ("script", "due_days", "link"),
    Channel.INBOX.value: ("title", "body", "link"),
    Channel.SMS.value: ("body", "link"),
    Channel.WEBHOOK.value: ("url",),
}
# every input of the form, with the name a person reads for it
LABELS: dict[str, str] = {
    "name": N_("Campaign name"), "target_kind": N_("Kind of target"),
    "target_days": N_("Maturing within (days)"),
    "target_min_amount": N_("Minimum amount (yuan)"),
    "target_min_balance": N_("Minimum demand balance (yuan)"),
    "target_rise_percent": N_("Rise in money sent to other banks (%)"),
    "target_min_assets": N_("Minimum assets (yuan)"),
    "target_tree": N_("Segment condition (JSON)"), "target_topic": N_("Trigger event"),
    "schedule_kind": N_("How it runs"), "schedule_on": N_("Day"),
    "schedule_at": N_("Time of day"), "actions": N_("Actions"),
    "action_rm_call": N_("RM call"), "rm_call_script": N_("Call script"),
    "rm_call_due_days": N_("Call within (days)"), "rm_call_link": N_("Journey to send"),
    "action_inbox": N_("In-app message"), "inbox_title": N_("Message title"),
    "inbox_body": N_("Message text"), "inbox_link": N_("Journey to send"),
    "action_sms": N_("Text message"), "sms_body": N_("Text to send"),
    "sms_link": N_("Journey to send"), "action_webhook": N_("Webhook to another system"),
    "webhook_url": N_("Webhook address (https://)"), "goal_event": N_("Goal event"),
    "goal_journey": N_("Goal journey"), "goal_within_days": N_("Counted within (days)"),
    "holdout_percent": N_("Control group (%)"),
}
FIELDS = tuple(LABELS)
BLANK: dict[str, str] = {
    "target_kind": "maturing", "target_days": "30", "target_min_amount": "0.00",
    "target_min_balance": "0.00", "target_rise_percent": "50", "target_min_assets": "0.00",
    "target_topic": "corebank.outbound_sent", "schedule_kind": "daily", "schedule_at": "09:00",
    "rm_call_due_days": "3", "goal_event": "journey.completed", "goal_within_days": "14",
    "holdout_percent": "10",
}
ITEM = re.compile(r"^actions\[(\d+)\](?:\.(\w+))?$")


def blank_form() -> dict[str, str]:
    """A new campaign's form: sensible defaults, nothing chosen that matters."""
    return {name: BLANK.get(name, "") for name in FIELDS}


def form_of(campaign: CampaignView) -> dict[str, str]:
    """A stored campaign as the form shows it (the other kinds' inputs at their defaults,
    for a maker who switches kind)."""
    form = blank_form()
    target = campaign.target
    form["name"], form["target_kind"] = campaign.name, str(target["kind"])
    for key in TARGET_FIELDS.get(target["kind"], ()):
        value = target.get(key, "")
        form[f"target_{key}"] = (json.dumps(value, ensure_ascii=False, indent=2)
                                 if key == "tree" else str(value))
    schedule = campaign.schedule
    form["schedule_kind"] = str(schedule["kind"])
    form["schedule_on"] = schedule.get("on", "")
    form["schedule_at"] = schedule.get("at", form["schedule_at"])
    for action in campaign.actions:
        kind = action["kind"]
        form[f"action_{kind}"] = "on"
        for key in ACTION_FIELDS.get(kind, ()):
            form[f"{kind}_{key}"] = str(action.get(key) or "")
    goal = campaign.goal
    form["goal_event"], form["goal_journey"] = str(goal["event"]), str(goal["journey"])
    form["goal_within_days"] = str(goal.get("within_days", ""))
    form["holdout_percent"] = str(campaign.holdout_percent)
    return form


def _tree(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CampaignInvalid("the segment condition is not JSON (line {line}, column "
                              "{column})", field="target.tree",
                              line=getattr(exc, "lineno", 1),
                              column=getattr(exc, "colno", 1)) from exc


def spec_of(form: dict[str, str]) -> CampaignSpec:
    """The form as the spec the service checks (every range and rule is the service's)."""
    kind = form.get("target_kind", "")
    target: dict[str, Any] = {"kind": kind}
    for key in TARGET_FIELDS.get(kind, ()):
        text = form.get(f"target_{key}", "").strip()
        target[key] = _tree(text) if key == "tree" else text
    when = form.get("schedule_kind", "")
    schedule: dict[str, Any] = {"kind": when}
    if when == "once":
        schedule["on"] = form.get("schedule_on", "").strip()
    if when in ("once", "daily"):
        schedule["at"] = form.get("schedule_at", "").strip()
    actions = []
    for action_kind in kinds_of(form):
        action: dict[str, Any] = {"kind": action_kind}
        for key in ACTION_FIELDS[action_kind]:
            action[key] = form.get(f"{action_kind}_{key}", "").strip() or (
                None if key == "link" else "")
        actions.append(action)
    holdout = form.get("holdout_percent", "").strip()
    return CampaignSpec(
        name=form.get("name", ""), target=target, schedule=schedule, actions=actions,
        goal={"event": form.get("goal_event", ""), "journey": form.get("goal_journey", ""),
              "within_days": form.get("goal_within_days", "").strip()},
        # the service says what a holdout may be; a value that is no number is simply out
        # of its range
        holdout_percent=int(holdout) if holdout.isascii() and holdout.isdigit() else -1)


def kinds_of(form: dict[str, str]) -> list[str]:
    """The actions the form turns on, in the service's order."""
    return [str(kind) for kind in ACTIONS if form.get(f"action_{kind}")]


def input_of(field: str, form: dict[str, str]) -> str | None:
    """The form input a service error's ``field`` names (``actions[1].script`` is the
    script of the second action turned on)."""
    if field in ("target", "target.kind"):
        return "target_kind"
    item = ITEM.match(field)
    if item is None:
        name = field.replace(".", "_")
        return name if name in LABELS else None
    kinds = kinds_of(form)
    position, key = int(item.group(1)), item.group(2)
    if position >= len(kinds):
        return "actions"
    kind = kinds[position]
    if key is None:
        return f"action_{kind}"
    if kind == Channel.SMS and key == "title":  # a text's title is its first words
        key = "body"
    name = f"{kind}_{key}"
    return name if name in LABELS else f"action_{kind}"


def refusal(request: Request, error: ContactlessError, form: dict[str, str] | None = None
            ) -> str:
    """The error in the reader's language, with the field, status and move it names as the
    pages name them (not ``target.days`` or ``draft``)."""
    locale = locale_of(request)
    extra = dict(error.extra)
    if isinstance(extra.get("field"), str):
        name = input_of(extra["field"], form or {})
        if name:
            extra["field"] = gettext_for(locale)(LABELS[name])
    if isinstance(extra.get("state"), str):
        extra["state"] = label_in(locale, "campaign_status", extra["state"])
    if isinstance(extra.get("move"), str):
        extra["move"] = label_in(locale, "campaign_move", extra["move"])
    error.extra = extra
    return localized(error, locale).message
