"""The console's segment builder (/console/events/segments): the saved segments, a segment
edited as a form of conditions picked from the registry (groups of all/any, each condition
or group negatable), a live count and masked sample while editing, the member count of a
saved segment, its refresh and its CSV export.

The form's structure changes (add a condition or a group, remove one) go to ``/editor``,
which answers the editor again (htmx) or the whole page (no script); the live count is
``/preview``. A refused save is the page again with what was typed, the message on the
condition it names (422)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from contactless.events import audience, builder
from contactless.events import service as events
from contactless.events.builder import Node
from contactless.identity.errors import NotAllowed
from contactless.identity.permissions import Operation, authorize, may
from contactless.identity.web import CurrentStaff
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import N_, gettext_for
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.errors import localized
from contactless.web.labels import label_in
from contactless.web.templating import render

console_router = APIRouter(prefix="/console/events/segments", include_in_schema=False)
DONE = {"saved": N_("The segment is saved and its members counted."),
        "refreshed": N_("The segment's members are counted again."),
        "deleted": N_("The segment is deleted.")}
SAMPLE = 10


async def segment_form(request: Request) -> dict[str, str]:
    """The builder's inputs as typed."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


SegmentForm = Annotated[dict[str, str], Depends(segment_form)]


def _choices(request: Request) -> dict[str, Any]:
    """The builder's options from the registries, each a (value, name) in the reader's
    language."""
    locale = locale_of(request)
    registry = events.registry_of(request.app.state.kernel)

    def named(kind: str, values: Any) -> list[tuple[str, str]]:
        return [(str(value), label_in(locale, kind, str(value))) for value in values]

    return {
        "group_options": named("segment_condition", builder.GROUPS),
        "kind_options": named("segment_condition", builder.KINDS),
        "event_options": named("event_type", registry.types),
        "filter_options": named("event_property", builder.property_names(registry)),
        "tag_options": named("tag", [rule.name for rule in audience.TAGS]),
        "product_options": named("profile_product", audience.PRODUCTS),
        "property_options": named("profile_property", [p.name for p in audience.PROPERTIES]),
        "operator_options": list(builder.OPERATORS.items()),
        "fields": builder.FIELDS, "slots": builder.SLOTS,
    }


def _page(request: Request, actor: Actor, *, segment: events.SegmentView | None, root: Node,
          name: str, error: str | None = None, flash: str | None = None,
          status: int = 200) -> Response:
    return render(request, "events/segment.html", {
        "segment": segment, "root": root, "name": name, "error": error, "flash": flash,
        "may_edit": may(actor, Operation.SEGMENT_MANAGE),
        "may_preview": may(actor, Operation.SEGMENT_PREVIEW),
        "may_export": may(actor, Operation.SEGMENT_EXPORT),
        **_choices(request)}, status=status)


def _refusal(request: Request, error: ContactlessError, root: Node,
             paths: dict[str, str]) -> str:
    """The error in the reader's language, on the condition it names (and naming it)."""
    locale = locale_of(request)
    message = localized(error, locale).message
    where = error.extra.get("where")
    marked = builder.mark(root, paths, where, message) if isinstance(where, str) else None
    if marked is None or not marked.number:
        return message
    return gettext_for(locale)("Condition {number}: {message}").format(
        number=marked.number, message=message)


@console_router.get("")
def segments_page(request: Request, session: DbSession, actor: CurrentStaff,
                  done: str | None = None) -> Response:
    flash = gettext_for(locale_of(request))(DONE[done]) if done in DONE else None
    return render(request, "events/segments.html", {
        "segments": events.list_segments(session, actor), "flash": flash,
        "may_manage": may(actor, Operation.SEGMENT_MANAGE),
        "may_export": may(actor, Operation.SEGMENT_EXPORT)})


@console_router.get("/new")
def new_segment(request: Request, actor: CurrentStaff) -> Response:
    authorize(actor, Operation.SEGMENT_MANAGE)
    return _page(request, actor, segment=None, root=builder.blank(), name="")


@console_router.get("/{segment_id}")
def segment_page(request: Request, session: DbSession, actor: CurrentStaff,
                 segment_id: uuid.UUID, done: str | None = None) -> Response:
    segment = events.read_segment(session, actor, segment_id=segment_id)
    flash = gettext_for(locale_of(request))(DONE[done]) if done in DONE else None
    return _page(request, actor, segment=segment, root=builder.form_of(segment.tree),
                 name=segment.name, flash=flash)


def _save(request: Request, session: DbSession, actor: Actor, form: dict[str, str],
          segment_id: uuid.UUID | None) -> Response:
    root = builder.parse(form)
    tree, paths = builder.tree_of(root, events.registry_of(request.app.state.kernel))
    name = form.get("name", "")
    try:
        saved = events.save_segment(session, actor, name=name, tree=tree,
                                    segment_id=segment_id)
    except NotAllowed:
        raise
    except ContactlessError as error:
        session.rollback()
        message = _refusal(request, error, root, paths)
        segment = events.read_segment(session, actor, segment_id=segment_id) \
            if segment_id else None
        return _page(request, actor, segment=segment, root=root, name=name, error=message,
                     status=error.status)
    return RedirectResponse(f"/console/events/segments/{saved.id}?done=saved",
                            status_code=303)


@console_router.post("", dependencies=[CsrfChecked])
def create(request: Request, session: DbSession, actor: CurrentStaff,
           form: SegmentForm) -> Response:
    return _save(request, session, actor, form, None)


@console_router.post("/editor", dependencies=[CsrfChecked])
def editor(request: Request, session: DbSession, actor: CurrentStaff,
           form: SegmentForm) -> Response:
    """The form with a condition or group added or removed (``op``): the editor alone for
    htmx, the whole page without it."""
    authorize(actor, Operation.SEGMENT_MANAGE)
    root = builder.change(builder.parse(form), form.get("op", ""))
    if request.headers.get("HX-Request") != "true":
        known = form.get("segment_id", "")
        segment = events.read_segment(session, actor, segment_id=uuid.UUID(known)) \
            if _is_uuid(known) else None
        return _page(request, actor, segment=segment, root=root, name=form.get("name", ""))
    response = render(request, "events/_editor.html", {"root": root, "may_edit": True,
                                                       **_choices(request)})
    response.headers["HX-Trigger"] = "segment-changed"
    return response


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@console_router.post("/preview", dependencies=[CsrfChecked])
def preview(request: Request, session: DbSession, actor: CurrentStaff,
            form: SegmentForm) -> Response:
    """How many customers the form's conditions select now, and some of them (masked)."""
    root = builder.parse(form)
    tree, paths = builder.tree_of(root, events.registry_of(request.app.state.kernel))
    try:
        found = events.preview_segment(session, actor, tree=tree, sample=SAMPLE)
    except NotAllowed:
        raise
    except ContactlessError as error:
        return render(request, "events/_preview.html", {
            "error": _refusal(request, error, root, paths)}, status=error.status)
    return render(request, "events/_preview.html", {
        "count": found.count, "error": None,
        "may_360": may(actor, Operation.PROFILE_READ),
        "sample": events.masked_sample(session, actor, ids=found.sample)})


@console_router.post("/{segment_id}", dependencies=[CsrfChecked])
def save(request: Request, session: DbSession, actor: CurrentStaff, segment_id: uuid.UUID,
         form: SegmentForm) -> Response:
    return _save(request, session, actor, form, segment_id)


@console_router.post("/{segment_id}/refresh", dependencies=[CsrfChecked])
def refresh(request: Request, session: DbSession, actor: CurrentStaff,
            segment_id: uuid.UUID) -> Response:
    events.refresh_segment(session, actor, segment_id=segment_id)
    return RedirectResponse(f"/console/events/segments/{segment_id}?done=refreshed",
                            status_code=303)


@console_router.post("/{segment_id}/delete", dependencies=[CsrfChecked])
def delete(request: Request, session: DbSession, actor: CurrentStaff,
           segment_id: uuid.UUID) -> Response:
    events.delete_segment(session, actor, segment_id=segment_id)
    return RedirectResponse("/console/events/segments?done=deleted", status_code=303)


@console_router.get("/{segment_id}/export.csv")
def export(request: Request, session: DbSession, actor: CurrentStaff,
           segment_id: uuid.UUID) -> Response:
    """The members in the reader's scope as CSV, masked (audited)."""
    text = events.export_segment_csv(session, actor, segment_id=segment_id)
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="segment-{segment_id}.csv"'})


__all__ = ["console_router"]
