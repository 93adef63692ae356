"""``/api/v1/outreach``: QR codes, images, collaboration, rosters, funnels, conversions,
leaderboards, attribution policy and signing keys."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from contactless.identity import service as identity
from contactless.identity.web import CurrentStaff
from contactless.outreach import schemas
from contactless.outreach import service as outreach
from contactless.outreach.errors import InvalidCode, InvalidOwner
from contactless.platform.i18n import gettext_for
from contactless.web.deps import DbSession, locale_of, translator_of

router = APIRouter(prefix="/api/v1/outreach", tags=["outreach"])

RULE = ("A conversion is a business outcome counted once: a deposit kept at maturity, new "
        "money placed (a deposit, a wealth purchase, a loan), an account opened. It is credited "
        "to the QR code the customer last scanned within {days} days before completing the "
        "journey, or to the code of the start link when the customer's own scan of it is on "
        "record; the code's owners share it by their shares. It stays pending until the books "
        "realise it (the maturity renews the deposit, the order settles) and is lost if the "
        "money leaves instead; the amount is what the books moved or kept. Rejected scans never "
        "count.")


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def code_out(request: Request, view: outreach.CodeView) -> schemas.Code:
    api = f"{base_url(request)}/api/v1/outreach/codes/{view.id}"
    return schemas.Code(
        id=view.id, url=base_url(request) + view.path, short_code=view.short_code,
        title=view.title, headline=view.headline, purpose=view.purpose, params=view.params,
        channel=view.channel,
        enterprise_id=view.enterprise_id, enterprise_name=view.enterprise_name,
        roster_restricted=view.roster_restricted, parent_id=view.parent_id,
        not_before=view.not_before, expires_at=view.expires_at, max_scans=view.max_scans,
        per_customer_limit=view.per_customer_limit, bind_on_first_scan=view.bind_on_first_scan,
        status=view.status, state=view.state, created_by=view.created_by,
        created_at=view.created_at,
        owners=[schemas.Owner.model_validate(o) for o in view.owners],
        image_png=f"{api}/image.png", image_svg=f"{api}/image.svg", poster_pdf=f"{api}/poster.pdf",
    )


# ---- codes -----------------------------------------------------------------------------------


@router.post("/codes", response_model=schemas.Code, status_code=201)
def create_code(request: Request, body: schemas.CodeCreate, session: DbSession,
                actor: CurrentStaff) -> Any:
    """Create a code; the creator is its sole owner (100%) until co-owners accept."""
    view = outreach.create_code(
        session, actor, purpose=body.purpose, channel=body.channel, title=body.title,
        headline=body.headline, params=body.params, enterprise_id=body.enterprise_id,
        roster_restricted=body.roster_restricted, not_before=body.not_before,
        expires_at=body.expires_at, max_scans=body.max_scans,
        per_customer_limit=body.per_customer_limit, bind_on_first_scan=body.bind_on_first_scan)
    return code_out(request, view)


@router.get("/codes", response_model=list[schemas.Code])
def list_codes(request: Request, session: DbSession, actor: CurrentStaff,
               status: str | None = None, include_personal: bool = False) -> Any:
    """An RM's own codes; a branch manager's branch codes."""
    return [code_out(request, v) for v in
            outreach.list_codes(session, actor, status=status, include_personal=include_personal)]


@router.get("/codes/{code_id}", response_model=schemas.Code)
def get_code(request: Request, code_id: uuid.UUID, session: DbSession,
             actor: CurrentStaff) -> Any:
    return code_out(request, outreach.get_code(session, actor, code_id=code_id))


@router.post("/codes/{code_id}/pause", response_model=schemas.Code)
def pause_code(request: Request, code_id: uuid.UUID, session: DbSession,
               actor: CurrentStaff) -> Any:
    return code_out(request, outreach.pause_code(session, actor, code_id=code_id))


@router.post("/codes/{code_id}/resume", response_model=schemas.Code)
def resume_code(request: Request, code_id: uuid.UUID, session: DbSession,
                actor: CurrentStaff) -> Any:
    return code_out(request, outreach.resume_code(session, actor, code_id=code_id))


@router.post("/codes/{code_id}/revoke", response_model=schemas.Code)
def revoke_code(request: Request, code_id: uuid.UUID, session: DbSession,
                actor: CurrentStaff) -> Any:
    return code_out(request, outreach.revoke_code(session, actor, code_id=code_id))


@router.post("/codes/{code_id}/extend", response_model=schemas.Code)
def extend_code(request: Request, code_id: uuid.UUID, body: schemas.Extend, session: DbSession,
                actor: CurrentStaff) -> Any:
    if body.expires_at is None and body.days is None:
        raise InvalidCode("give the new expiry or a number of days")
    expires_at = body.expires_at
    if expires_at is None:
        current = outreach.get_code(session, actor, code_id=code_id)
        expires_at = current.expires_at + timedelta(days=body.days or 0)
    return code_out(request, outreach.extend_code(session, actor, code_id=code_id,
                                                  expires_at=expires_at))


# ---- images ----------------------------------------------------------------------------------


def _file(content: bytes | str, media_type: str, name: str, *, download: bool) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"',
                             "Cache-Control": "private, no-store"})


@router.get("/codes/{code_id}/image.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def image_png(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
              download: bool = False) -> Response:
    """The code as PNG with the bank's and the owners' names under it."""
    content = outreach.code_png(session, actor, code_id=code_id, base_url=base_url(request))
    return _file(content, "image/png", f"qr-{code_id}.png", download=download)


@router.get("/codes/{code_id}/image.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def image_svg(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
              download: bool = False) -> Response:
    content = outreach.code_svg(session, actor, code_id=code_id, base_url=base_url(request))
    return _file(content, "image/svg+xml", f"qr-{code_id}.svg", download=download)


@router.get("/codes/{code_id}/poster.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def poster_pdf(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
               download: bool = False) -> Response:
    """A printable A4 poster."""
    content = outreach.code_poster(session, actor, code_id=code_id, base_url=base_url(request),
                                   translator=translator_of(request))
    return _file(content, "application/pdf", f"poster-{code_id}.pdf", download=download)


# ---- collaboration ---------------------------------------------------------------------------


@router.post("/codes/{code_id}/owners", response_model=schemas.Code, status_code=201)
def invite_owner(request: Request, code_id: uuid.UUID, body: schemas.Invite, session: DbSession,
                 actor: CurrentStaff) -> Any:
    """Invite a co-owner by staff id or username (the creator only)."""
    staff_id = body.staff_id
    if staff_id is None:
        if not body.username:
            raise InvalidOwner("give the staff id or the username of the RM to invite")
        staff_id = identity.staff_by_username(session, username=body.username).id
    return code_out(request, outreach.invite_owner(session, actor, code_id=code_id,
                                                   staff_id=staff_id))


@router.post("/codes/{code_id}/invitation", response_model=schemas.Code)
def answer_invitation(request: Request, code_id: uuid.UUID, body: schemas.InvitationAnswer,
                      session: DbSession, actor: CurrentStaff) -> Any:
    """The invited RM accepts or declines."""
    return code_out(request, outreach.respond_to_invitation(session, actor, code_id=code_id,
                                                            accept=body.accept))


@router.get("/invitations", response_model=list[schemas.Invitation])
def my_invitations(session: DbSession, actor: CurrentStaff) -> Any:
    return outreach.my_invitations(session, actor)


@router.put("/codes/{code_id}/shares", response_model=schemas.Code)
def set_shares(request: Request, code_id: uuid.UUID, body: schemas.Shares, session: DbSession,
               actor: CurrentStaff) -> Any:
    """Set every accepted owner's share; they must add up to exactly 100."""
    shares: dict[uuid.UUID, object] = {item.staff_id: item.share for item in body.shares}
    return code_out(request, outreach.set_shares(session, actor, code_id=code_id, shares=shares))


@router.post("/codes/{code_id}/progress-link", response_model=schemas.ProgressLink)
def progress_link(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff, renew: bool = False) -> Any:
    """A read-only progress page for the enterprise's contact (``renew`` cuts off old links)."""
    token = outreach.progress_token(session, actor, code_id=code_id, renew=renew)
    return schemas.ProgressLink(url=f"{base_url(request)}/q/progress/{token}", valid_days=180)


# ---- rosters ---------------------------------------------------------------------------------


def _report(report: outreach.RosterReport, request: Request) -> schemas.RosterReport:
    gettext = gettext_for(locale_of(request))
    return schemas.RosterReport(added=report.added, total=report.total, errors=[
        schemas.RowError(row=e.row, message=gettext(e.message)) for e in report.errors])


@router.post("/codes/{code_id}/roster", response_model=schemas.RosterReport)
def upload_roster(request: Request, code_id: uuid.UUID, file: Annotated[UploadFile, File()],
                  session: DbSession, actor: CurrentStaff) -> Any:
    """Upload a CSV (name, mobile, ID number). Good rows are kept; each bad row is reported
    with its line number."""
    content = file.file.read(5_000_001)
    return _report(outreach.upload_roster(session, actor, code_id=code_id, content=content),
                   request)


@router.post("/codes/{code_id}/roster/import-enterprise", response_model=schemas.RosterReport)
def import_roster(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff) -> Any:
    """Copy the enterprise's employee list onto the code's roster."""
    return _report(outreach.import_enterprise_roster(session, actor, code_id=code_id), request)


@router.get("/codes/{code_id}/roster", response_model=list[schemas.RosterMember])
def roster(code_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Any:
    """The roster, masked, with who has completed."""
    return outreach.roster_members(session, actor, code_id=code_id)


@router.get("/codes/{code_id}/roster.zip", response_class=Response,
            responses={200: {"content": {"application/zip": {}}}})
def roster_zip(request: Request, code_id: uuid.UUID, session: DbSession,
               actor: CurrentStaff) -> Response:
    """Every roster member's personal code as PNG, in one ZIP."""
    content = outreach.roster_zip(session, actor, code_id=code_id, base_url=base_url(request))
    return _file(content, "application/zip", f"personal-codes-{code_id}.zip", download=True)


# ---- reports ---------------------------------------------------------------------------------


@router.get("/codes/{code_id}/funnel", response_model=schemas.Funnel)
def funnel(code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           days: Annotated[int, Query(ge=1, le=365)] = 30) -> Any:
    """Scans → sign-ins → journeys started → completed, with drop-off at each step."""
    result = outreach.funnel(session, actor, code_id=code_id, days=days)
    return schemas.Funnel(
        code_id=result.code_id,
        steps=[schemas.FunnelStep.model_validate(s) for s in result.steps],
        rejected=result.rejected, pending=result.pending,
        outcomes=schemas.Outcomes.model_validate(result.outcomes),
        daily=[schemas.DailyScans(date=d, scans=n) for d, n in result.daily])


@router.get("/codes/{code_id}/scans", response_model=list[schemas.ScanRow])
def scans(code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Any:
    return outreach.recent_scans(session, actor, code_id=code_id, limit=limit)


@router.get("/conversions", response_model=schemas.Conversions)
def my_conversions(request: Request, session: DbSession, actor: CurrentStaff,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Any:
    """Conversions credited to me, with the attribution rule that credited them."""
    mine = outreach.my_conversions(session, actor, limit=limit)
    rule = gettext_for(locale_of(request))(RULE).format(days=mine.window_days)
    return schemas.Conversions(rule=rule, window_days=mine.window_days,
                               outcomes=schemas.Outcomes.model_validate(mine.outcomes),
                               items=[schemas.Credit.model_validate(c) for c in mine.credits])


@router.get("/leaderboards/rms", response_model=list[schemas.RmRank])
def rm_leaderboard(session: DbSession, actor: CurrentStaff,
                   days: Annotated[int, Query(ge=1, le=365)] = 30) -> Any:
    """RMs ranked by the money of their realised conversions; pending and lost beside."""
    return outreach.rm_leaderboard(session, actor, days=days)


@router.get("/leaderboards/branches", response_model=list[schemas.BranchRank])
def branch_leaderboard(session: DbSession, actor: CurrentStaff,
                       days: Annotated[int, Query(ge=1, le=365)] = 30) -> Any:
    ranks = outreach.rm_leaderboard(session, actor, days=days)
    # an RM's board is the top and their own row: summing it per branch would mislead
    return [] if actor.role == "rm" else outreach.branch_leaderboard(ranks)


@router.get("/leaderboards/codes", response_model=list[schemas.CodeRank])
def code_leaderboard(session: DbSession, actor: CurrentStaff,
                     days: Annotated[int, Query(ge=1, le=365)] = 30) -> Any:
    return outreach.code_leaderboard(session, actor, days=days)


@router.get("/leaderboards/channels", response_model=list[schemas.ChannelRank])
def channel_leaderboard(session: DbSession, actor: CurrentStaff,
                        days: Annotated[int, Query(ge=1, le=365)] = 30) -> Any:
    return outreach.channel_leaderboard(session, actor, days=days)


# ---- administration --------------------------------------------------------------------------


@router.get("/policy", response_model=schemas.Policy)
def get_policy(session: DbSession, actor: CurrentStaff) -> Any:
    return outreach.get_policy(session)


@router.put("/policy", response_model=schemas.Policy)
def set_policy(body: schemas.Policy, session: DbSession, actor: CurrentStaff) -> Any:
    """Set the last-touch attribution window (admin)."""
    return outreach.set_policy(session, actor,
                               attribution_window_days=body.attribution_window_days)


@router.get("/keys", response_model=list[schemas.SigningKey])
def list_keys(session: DbSession, actor: CurrentStaff) -> Any:
    return outreach.list_keys(session, actor)


@router.post("/keys", response_model=schemas.SigningKey, status_code=201)
def rotate_key(session: DbSession, actor: CurrentStaff) -> Any:
    """Start signing new links with a new key id; old links keep working until retired."""
    return outreach.rotate_key(session, actor)


@router.post("/keys/{kid}/retire", response_model=schemas.SigningKey)
def retire_key(kid: str, session: DbSession, actor: CurrentStaff) -> Any:
    """Stop accepting links signed with this key id."""
    return outreach.retire_key(session, actor, kid=kid)
