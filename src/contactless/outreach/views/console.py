"""The RM console's outreach pages: my codes, a code's funnel and collaboration, my
conversions, leaderboards."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.permissions import Operation, may
from contactless.identity.web import CurrentStaff
from contactless.journeys import service as journeys
from contactless.outreach import service as outreach
from contactless.outreach.api import RULE
from contactless.outreach.errors import InvalidCode
from contactless.platform.db import utcnow
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import Translator, gettext_for
from contactless.platform.money import plain
from contactless.web.deps import CsrfChecked, DbSession, locale_of, translator_of
from contactless.web.errors import localized
from contactless.web.labels import label_in
from contactless.web.templating import render

console_router = APIRouter(prefix="/console/outreach", include_in_schema=False)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _message(request: Request, error: ContactlessError) -> str:
    return localized(error, locale_of(request)).message


def _purposes(request: Request, session: DbSession) -> dict[str, str]:
    """What a code can open, by key: the information page and every journey in the catalog
    (built-in or from a plugin), named in the staff member's language."""
    locale = locale_of(request)
    named = {"info": gettext_for(locale)("Information page")}
    named.update({entry.key: entry.title
                  for entry in journeys.journey_catalog(session, translator=Translator.of(locale))})
    return named


def _default_label(request: Request, session: DbSession, purpose: str, channel: str) -> str:
    """An untitled code's internal label, in its creator's words: "定期存款到期转存 · 短信"."""
    name = _purposes(request, session).get(purpose.strip(), purpose)
    return f"{name} · {label_in(locale_of(request), 'channel', channel)}"


def _product_names(session: DbSession) -> dict[str, str]:
    """Wealth products by their code ("WM-R2-90D"), named as the catalogue names them."""
    return {p.code: p.name for p in corebank.list_wealth_products(session, open_only=False)}


def _codes_page(request: Request, session: DbSession, actor: CurrentStaff, *,
                error: str | None = None, status: int = 200, form: dict[str, Any] | None = None,
                ) -> Response:
    codes = outreach.list_codes(session, actor)
    can_create = may(actor, Operation.CODE_CREATE)
    enterprises = customers.enterprises_in_scope(session, actor) if can_create else []
    return render(request, "outreach/codes.html", {
        "codes": codes, "invitations": outreach.my_invitations(session, actor),
        "enterprises": enterprises, "channels": outreach.CHANNELS, "error": error,
        "form": form or {}, "base_url": _base_url(request),
        "can_create": can_create,
        "purposes": _purposes(request, session),
    }, status=status)


@console_router.get("")
def my_codes(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    return _codes_page(request, session, actor)


# each number on the form: its range, and what to say when a value is not in it
DAYS_RANGE = (1, outreach.MAX_DAYS, "the validity is a whole number of days from 1 to {high}")
SCANS_RANGE = (1, outreach.MAX_SCANS,
               "the maximum scans is a whole number from 1 to {high}, or empty for no limit")
PER_CUSTOMER_RANGE = (1, outreach.MAX_PER_CUSTOMER, "the scans per customer is a whole "
                      "number from 1 to {high}, or empty for no limit")


def _optional_int(value: str, limits: tuple[int, int, str]) -> int | None:
    """A whole number within ``limits`` (empty: none); anything else is refused with the
    field's range, before any arithmetic on it."""
    low, high, message = limits
    value = value.strip()
    if not value:
        return None
    digits = value.removeprefix("-").removeprefix("+")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12 \
            or not low <= int(value) <= high:
        raise InvalidCode(message, high=f"{high:,}")
    return int(value)


@console_router.post("/codes", dependencies=[CsrfChecked])
def create_code(
    request: Request, session: DbSession, actor: CurrentStaff,
    purpose: Annotated[str, Form()], channel: Annotated[str, Form()],
    title: Annotated[str, Form()] = "", headline: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "", campaign: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "30", max_scans: Annotated[str, Form()] = "",
    per_customer_limit: Annotated[str, Form()] = "",
    bind_on_first_scan: Annotated[str, Form()] = "", enterprise_id: Annotated[str, Form()] = "",
    roster_restricted: Annotated[str, Form()] = "",
) -> Response:
    form = {"purpose": purpose, "channel": channel, "title": title, "headline": headline,
            "message": message,
            "product": product, "campaign": campaign, "days": days, "max_scans": max_scans,
            "per_customer_limit": per_customer_limit}
    try:
        params = {"message": message.strip()} if purpose.strip() == "info" and message.strip() \
            else {}
        if product.strip():
            params["product"] = product.strip()
        valid_days = _optional_int(days, DAYS_RANGE) or outreach.DEFAULT_DAYS
        channel = f"campaign:{campaign.strip()}" if channel == "campaign" else channel
        view = outreach.create_code(
            session, actor, purpose=purpose, params=params, channel=channel,
            title=title.strip() or _default_label(request, session, purpose, channel),
            headline=headline or None,
            expires_at=utcnow() + timedelta(days=valid_days),
            max_scans=_optional_int(max_scans, SCANS_RANGE),
            per_customer_limit=_optional_int(per_customer_limit, PER_CUSTOMER_RANGE),
            bind_on_first_scan=bool(bind_on_first_scan),
            enterprise_id=uuid.UUID(enterprise_id) if enterprise_id else None,
            roster_restricted=bool(roster_restricted))
    except (ContactlessError, ValueError) as error:
        text = (_message(request, error) if isinstance(error, ContactlessError)
                else gettext_for(locale_of(request))("unknown enterprise"))
        return _codes_page(request, session, actor, error=text, status=422, form=form)
    return RedirectResponse(f"/console/outreach/codes/{view.id}", status_code=303)


def _detail(request: Request, session: DbSession, actor: CurrentStaff, code_id: uuid.UUID, *,
            error: str | None = None, flash: str | None = None, status: int = 200,
            extra: dict[str, Any] | None = None) -> Response:
    view = outreach.get_code(session, actor, code_id=code_id)
    result = outreach.funnel(session, actor, code_id=code_id)
    gettext = gettext_for(locale_of(request))
    is_creator = actor.kind == "staff" and str(view.created_by) == actor.id
    mine = next((o for o in view.owners if str(o.staff_id) == actor.id), None)
    roster = (outreach.roster_members(session, actor, code_id=code_id)
              if view.roster_restricted and view.parent_id is None else [])
    chart = {
        "steps": [gettext(s.label) for s in result.steps],
        "counts": [s.count for s in result.steps],
        "days": [d.isoformat() for d, _n in result.daily],
        "daily": [n for _d, n in result.daily],
    }
    headline = outreach.customer_headline(session, view, translator=translator_of(request))
    return render(request, "outreach/code.html", {
        "code": view, "url": _base_url(request) + view.path, "funnel": result, "chart": chart,
        "share_title": headline or request.app.state.kernel.settings.bank_name,
        "share_text": gettext("Scan or open the link to do it on your phone: {names}").format(
            names=view.owner_names),
        "scans": outreach.recent_scans(session, actor, code_id=code_id, limit=20),
        "is_creator": is_creator, "invited": mine is not None and mine.status == "invited",
        "roster": roster, "roster_done": sum(m.completed for m in roster),
        "rms": [r for r in identity.list_rms(session) if str(r.id) != actor.id]
        if is_creator else [],
        "purposes": _purposes(request, session), "product_names": _product_names(session),
        "error": error, "flash": flash, **(extra or {}),
    }, status=status)


@console_router.get("/codes/{code_id}")
def code_detail(request: Request, code_id: uuid.UUID, session: DbSession,
                actor: CurrentStaff, done: str | None = None) -> Response:
    flash = gettext_for(locale_of(request))(DONE[done]) if done in DONE else None
    return _detail(request, session, actor, code_id, flash=flash)


DONE = {
    "paused": "The code is paused.", "resumed": "The code is active again.",
    "revoked": "The code is revoked.", "extended": "The expiry is extended.",
    "invited": "The invitation is sent.", "accepted": "You are now a co-owner.",
    "declined": "You declined the invitation.", "shares": "The shares are saved.",
}


def _act(request: Request, session: DbSession, actor: CurrentStaff, code_id: uuid.UUID,
         action: Any, done: str) -> Response:
    """Run a change; show the code again with what happened, or why it was refused (services
    check everything before they write, so a refusal leaves nothing to roll back). A change
    that only needs a message redirects, so reloading the page repeats nothing."""
    try:
        result = action()
    except ContactlessError as error:
        return _detail(request, session, actor, code_id, error=_message(request, error),
                       status=error.status)
    if done in DONE:
        return RedirectResponse(f"/console/outreach/codes/{code_id}?done={done}",
                                status_code=303)
    return _detail(request, session, actor, code_id,
                   flash=gettext_for(locale_of(request))(done),
                   extra=result if isinstance(result, dict) else None)


@console_router.post("/codes/{code_id}/status", dependencies=[CsrfChecked])
def change_status(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff, action: Annotated[str, Form()]) -> Response:
    actions = {"pause": (outreach.pause_code, "paused"),
               "resume": (outreach.resume_code, "resumed"),
               "revoke": (outreach.revoke_code, "revoked")}
    if action not in actions:
        return _detail(request, session, actor, code_id, status=422,
                       error=gettext_for(locale_of(request))("unknown action"))
    function, done = actions[action]
    return _act(request, session, actor, code_id,
                lambda: function(session, actor, code_id=code_id), done)


@console_router.post("/codes/{code_id}/extend", dependencies=[CsrfChecked])
def extend(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           until: Annotated[str, Form()]) -> Response:
    zone = ZoneInfo(request.app.state.kernel.settings.timezone)

    def run() -> object:
        try:
            day = datetime.strptime(until, "%Y-%m-%d").date()
        except ValueError as exc:
            raise InvalidCode("give the new expiry as a date, such as 2026-12-31") from exc
        return outreach.extend_code(session, actor, code_id=code_id,
                                    expires_at=datetime.combine(day, time(23, 59, 59), zone))

    return _act(request, session, actor, code_id, run, "extended")


@console_router.post("/codes/{code_id}/owners", dependencies=[CsrfChecked])
def invite(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           staff_id: Annotated[str, Form()]) -> Response:
    def run() -> object:
        try:
            staff = uuid.UUID(staff_id)
        except ValueError as exc:
            raise InvalidCode("choose an RM to invite") from exc
        return outreach.invite_owner(session, actor, code_id=code_id, staff_id=staff)

    return _act(request, session, actor, code_id, run, "invited")


@console_router.post("/codes/{code_id}/invitation", dependencies=[CsrfChecked])
def answer(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           accept: Annotated[str, Form()]) -> Response:
    yes = accept == "yes"
    return _act(request, session, actor, code_id,
                lambda: outreach.respond_to_invitation(session, actor, code_id=code_id,
                                                       accept=yes),
                "accepted" if yes else "declined")


@console_router.post("/codes/{code_id}/shares", dependencies=[CsrfChecked])
async def shares(request: Request, code_id: uuid.UUID, session: DbSession,
                 actor: CurrentStaff) -> Response:
    form = await request.form()
    values: dict[uuid.UUID, object] = {}
    for key, value in form.items():
        if key.startswith("share_"):
            try:
                values[uuid.UUID(key.removeprefix("share_"))] = str(value)
            except ValueError:
                continue
    return await anyio.to_thread.run_sync(lambda: _act(
        request, session, actor, code_id,
        lambda: outreach.set_shares(session, actor, code_id=code_id, shares=values),
        "shares"))


@console_router.post("/codes/{code_id}/roster", dependencies=[CsrfChecked])
def upload(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           file: Annotated[UploadFile, File()]) -> Response:
    content = file.file.read(5_000_001)
    return _act(request, session, actor, code_id, lambda: {"report": outreach.upload_roster(
        session, actor, code_id=code_id, content=content)}, "The roster is uploaded.")


@console_router.post("/codes/{code_id}/roster/import", dependencies=[CsrfChecked])
def import_roster(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff) -> Response:
    return _act(request, session, actor, code_id, lambda: {
        "report": outreach.import_enterprise_roster(session, actor, code_id=code_id)},
        "The enterprise roster is copied.")


@console_router.post("/codes/{code_id}/progress-link", dependencies=[CsrfChecked])
def progress_link(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff, renew: Annotated[str, Form()] = "") -> Response:
    def run() -> dict[str, Any]:
        token = outreach.progress_token(session, actor, code_id=code_id, renew=bool(renew))
        return {"progress_url": f"{_base_url(request)}/q/progress/{token}"}

    return _act(request, session, actor, code_id, run, "Send this link to the company contact.")


# ---- console: conversions and leaderboards ---------------------------------------------------


@console_router.get("/conversions")
def conversions(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    mine = outreach.my_conversions(session, actor)
    rule = gettext_for(locale_of(request))(RULE).format(days=mine.window_days)
    return render(request, "outreach/conversions.html", {"mine": mine, "rule": rule,
                                                         "product_names": _product_names(session)})


@console_router.get("/conversions.csv")
def conversions_csv(session: DbSession, actor: CurrentStaff, days: int = 90) -> Response:
    """The credits in the actor's scope as CSV (customers masked), for reconciliation."""
    rows = outreach.export_conversions(session, actor, days=min(max(days, 1), 366))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(outreach.EXPORT_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="conversions.csv"',
                             "Cache-Control": "no-store"})


@console_router.get("/leaderboard")
def leaderboard(request: Request, session: DbSession, actor: CurrentStaff,
                days: int = 30) -> Response:
    days = min(max(days, 1), 365)
    rms = outreach.rm_leaderboard(session, actor, days=days)
    channels = outreach.channel_leaderboard(session, actor, days=days)
    chart = {
        "rms": [r.name for r in rms[:15]],
        "rm_realised": [plain(r.outcomes.realised.amount) for r in rms[:15]],
        "rm_pending": [plain(r.outcomes.pending.amount) for r in rms[:15]],
        "channels": [label_in(locale_of(request), "channel", c.channel) for c in channels],
        "channel_realised": [plain(c.outcomes.realised.amount) for c in channels],
        "channel_pending": [plain(c.outcomes.pending.amount) for c in channels],
    }
    own_view = actor.role == "rm"
    return render(request, "outreach/leaderboard.html", {
        "rms": rms, "branches": [] if own_view else outreach.branch_leaderboard(rms),
        "channels": channels, "own_view": own_view,
        "codes": outreach.code_leaderboard(session, actor, days=days), "days": days,
        "chart": chart})
