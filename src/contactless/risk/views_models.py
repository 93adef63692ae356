"""The model page of the risk console (/console/risk/models): the registry's versions with
their algorithm and metrics, one version's feature importance (ECharts), the champion's latest
drift report, and promotion and rollback for those who may."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from contactless.identity.permissions import Operation, may
from contactless.identity.web import CurrentStaff
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.risk import drift, manage, monitoring
from contactless.risk.registry import Registry
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.errors import localized
from contactless.web.templating import render

console_router = APIRouter(prefix="/console/risk", include_in_schema=False)
PAGE = "/console/risk/models"
IMPORTANCE_SHOWN = 15  # bars in each chart (the drift table lists every feature)


def importance_chart(entry: dict[str, Any] | None) -> dict[str, Any]:
    """The version's most important features, largest first."""
    if entry is None:
        return {"names": [], "values": []}
    ranked = sorted(entry.get("importance", {}).items(), key=lambda item: item[1],
                    reverse=True)[:IMPORTANCE_SHOWN]
    return {"names": [name for name, _ in ranked],
            "values": [round(value, 4) for _, value in ranked]}


def drift_rows(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each feature's PSI, largest first, with whether it is over the flag."""
    if report is None:
        return []
    rows = [{"feature": name, "psi": value, "shifted": name in report.get("shifted", [])}
            for name, value in report["features"].items()]
    return sorted(rows, key=lambda row: -(row["psi"] or 0.0))


def _models_page(request: Request, session: DbSession, actor: Actor, *,
                 version: str | None = None, error: str | None = None,
                 status: int = 200) -> Response:
    index = manage.model_registry(session, actor)
    versions = list(reversed(index.get("versions", [])))  # the newest first
    shown = version or index.get("champion") or (versions[0]["version"] if versions else None)
    entry = Registry.entry(index, shown) if shown else None
    champion = index.get("champion")
    reports = monitoring.drift_reports(session, actor, version=champion, limit=1) \
        if champion else []
    report = reports[0] if reports else None
    return render(request, "risk/models.html", {
        "index": index, "versions": versions, "shown": entry, "report": report,
        "drift_rows": drift_rows(report), "threshold": drift.SHIFTED, "error": error,
        "may_manage": may(actor, Operation.RISK_MODELS_MANAGE),
        "chart": {"importance": importance_chart(entry),
                  "psi": [{"feature": row["feature"], "psi": row["psi"]}
                          for row in drift_rows(report)
                          if row["psi"] is not None][:IMPORTANCE_SHOWN]},
    }, status=status)


@console_router.get("/models")
def models_page(request: Request, session: DbSession, actor: CurrentStaff,
                version: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    try:
        return _models_page(request, session, actor, version=version)
    except ContactlessError as exc:  # a version not in the registry; a refusal raises again
        return _models_page(request, session, actor, status=exc.status,
                            error=localized(exc, locale_of(request)).message)


@console_router.post("/models/promotion", dependencies=[CsrfChecked])
def promote(request: Request, session: DbSession, actor: CurrentStaff,
            version: Annotated[str, Form(max_length=40)],
            role: Annotated[str, Form(max_length=16)] = "champion") -> Response:
    """Make a version the champion or the challenger; a file that fails its checksum is
    refused on the page, and nothing changes."""
    try:
        manage.promote_model(session, actor, version=version, role=role)
    except ContactlessError as exc:
        session.rollback()
        return _models_page(request, session, actor, version=None, status=exc.status,
                            error=localized(exc, locale_of(request)).message)
    return RedirectResponse(PAGE, status_code=303)


@console_router.post("/models/rollback", dependencies=[CsrfChecked])
def rollback(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    """The champion before the current one decides again."""
    try:
        manage.rollback_model(session, actor)
    except ContactlessError as exc:
        session.rollback()
        return _models_page(request, session, actor, status=exc.status,
                            error=localized(exc, locale_of(request)).message)
    return RedirectResponse(PAGE, status_code=303)


__all__ = ["console_router"]
