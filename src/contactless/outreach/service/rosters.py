"""Rosters of group codes (团办名单): who may use a code, by blind index of mobile or ID
number; uploads checked row by row; personal codes for every employee, as a ZIP of PNGs."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.permissions import Operation
from contactless.outreach import images, repository
from contactless.outreach.errors import CodeStateConflict, RosterInvalid
from contactless.outreach.models import CodeStatus, QrCode, QrRosterMember
from contactless.outreach.service import tokens
from contactless.outreach.service.collaboration import ProgressMember, roster_progress
from contactless.outreach.service.common import code_for_change, code_for_view, code_view
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import kernel_of
from contactless.platform.security import mask_mobile, mask_name

MAX_ROWS = 20_000
MAX_BYTES = 5_000_000
HEADER_WORDS = {"name", "姓名"}


@dataclass(frozen=True)
class RowError:
    """A rejected roster row: ``row`` is the line number in the file (1 is the first line)."""

    row: int
    message: str


@dataclass
class RosterReport:
    added: int = 0
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


def _roster_code(session: Session, actor: Actor, code_id: uuid.UUID) -> QrCode:
    code = code_for_change(session, actor, code_id, operation=Operation.ROSTER_MANAGE)
    if code.parent_id is not None or code.enterprise_id is None or not code.roster_restricted:
        raise RosterInvalid("only a group code of an enterprise, restricted to its roster, "
                            "takes a roster")
    customers.check_enterprise_in_scope(session, actor, Operation.ROSTER_MANAGE,
                                        enterprise_id=code.enterprise_id)
    if code.status == CodeStatus.REVOKED:
        raise CodeStateConflict("the code is revoked")
    return code


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterInvalid("the roster file must be CSV text (UTF-8 or GB18030)")


class _Roster:
    """The code's roster while rows are added, to refuse people already on it."""

    def __init__(self, session: Session, code: QrCode) -> None:
        self.session = session
        self.code = code
        self.cipher = kernel_of(session).cipher
        self.mobiles, self.ids = repository.roster_indexes(session, code.id)

    def add(self, name: str, mobile: str | None, id_number_index: str | None) -> None:
        mobile_index = self.cipher.blind_index(mobile, kind="mobile") if mobile else None
        if (mobile_index and mobile_index in self.mobiles) or (
                id_number_index and id_number_index in self.ids):
            raise RosterInvalid("this person is already on the roster")
        self.session.add(QrRosterMember(
            code_id=self.code.id,
            name_encrypted=self.cipher.encrypt(name, context="outreach.roster.name"),
            mobile_encrypted=(self.cipher.encrypt(mobile, context="outreach.roster.mobile")
                              if mobile else None),
            mobile_index=mobile_index, id_number_index=id_number_index,
        ))
        if mobile_index:
            self.mobiles.add(mobile_index)
        if id_number_index:
            self.ids.add(id_number_index)


def _row(cells: list[str]) -> tuple[str, str | None, str | None]:
    """(name, mobile, ID number) of one row, checked; raises with the row's problem."""
    cells = [cell.strip() for cell in cells]
    if not 2 <= len(cells) <= 3:
        raise RosterInvalid("each row is: name, mobile, ID number (the ID number may be empty)")
    name = customers.check_name(cells[0])
    mobile = identity.check_mobile(cells[1]) if cells[1] else None
    id_number = customers.check_id_number(cells[2]) if len(cells) == 3 and cells[2] else None
    if mobile is None and id_number is None:
        raise RosterInvalid("give a mobile number or an ID number")
    return name, mobile, id_number


def upload_roster(session: Session, actor: Actor, *, code_id: uuid.UUID,
                  content: bytes) -> RosterReport:
    """Add the rows of a CSV file (name, mobile, ID number; a header line is allowed). Every
    good row is kept; every bad one is reported with its line number and reason."""
    code = _roster_code(session, actor, code_id)
    if len(content) > MAX_BYTES:
        raise RosterInvalid("the roster file is larger than 5 MB")
    rows = list(csv.reader(io.StringIO(_decode(content))))
    if rows and rows[0] and rows[0][0].strip().lower() in HEADER_WORDS:
        start, rows = 2, rows[1:]
    else:
        start = 1
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise RosterInvalid("the roster file has no rows")
    if len(rows) > MAX_ROWS:
        raise RosterInvalid("a roster has at most 20,000 rows")
    roster = _Roster(session, code)
    cipher = roster.cipher
    report = RosterReport()
    for number, cells in enumerate(rows, start=start):
        if not any(cell.strip() for cell in cells):
            continue
        report.total += 1
        try:
            name, mobile, id_number = _row(cells)
            roster.add(name, mobile,
                       cipher.blind_index(id_number, kind="id_number") if id_number else None)
        except ContactlessError as error:
            report.errors.append(RowError(number, error.message))
            continue
        report.added += 1
    session.flush()
    audit.record(session, actor, action="outreach.roster_uploaded", target_type="qr_code",
                 target_id=code.id, details={"added": report.added,
                                             "rejected": len(report.errors)})
    return report


def import_enterprise_roster(session: Session, actor: Actor, *,
                             code_id: uuid.UUID) -> RosterReport:
    """Copy the enterprise's employee list (kept by the customers domain) onto the code."""
    code = _roster_code(session, actor, code_id)
    assert code.enterprise_id is not None  # noqa: S101 - checked by _roster_code
    cipher = kernel_of(session).cipher
    roster = _Roster(session, code)
    report = RosterReport()
    for number, employee in enumerate(customers.roster(session, enterprise_id=code.enterprise_id),
                                      start=1):
        report.total += 1
        try:
            roster.add(cipher.decrypt(employee.name_encrypted, context="employee.name"),
                       cipher.decrypt(employee.mobile_encrypted, context="employee.mobile"),
                       employee.id_number_index)
        except ContactlessError as error:
            report.errors.append(RowError(number, error.message))
            continue
        report.added += 1
    session.flush()
    audit.record(session, actor, action="outreach.roster_imported", target_type="qr_code",
                 target_id=code.id, details={"added": report.added})
    return report


def roster_members(session: Session, actor: Actor, *, code_id: uuid.UUID,
                   ) -> list[ProgressMember]:
    """The roster as the code's owners see it: masked, with who has completed."""
    return roster_progress(session, code_for_view(session, actor, code_id,
                                                  Operation.ROSTER_READ))


@dataclass(frozen=True)
class PersonalCode:
    code_id: uuid.UUID
    path: str
    name: str
    mobile: str
    row: int


def personal_codes(session: Session, actor: Actor, *, code_id: uuid.UUID,
                   ) -> list[PersonalCode]:
    """One personal code per roster member (made on first call, reused after): bound to the
    first scanner and usable only by that member; credited to the group code's owners."""
    code = _roster_code(session, actor, code_id)
    members = repository.roster(session, code.id)
    missing = [m for m in members if m.personal_code_id is None]
    if missing:
        children = [QrCode(
            id=uuid.uuid4(), short_code=tokens.new_short_code(), title=code.title,
            headline=code.headline,
            purpose=code.purpose, params=dict(code.params or {}), channel=code.channel,
            enterprise_id=code.enterprise_id, roster_restricted=True, parent_id=code.id,
            not_before=code.not_before, expires_at=code.expires_at,
            per_customer_limit=code.per_customer_limit, bind_on_first_scan=True,
            status=code.status, created_by=code.created_by, branch_path=code.branch_path,
        ) for _ in missing]
        session.add_all(children)
        session.flush()
        for member, child in zip(missing, children, strict=True):
            member.personal_code_id = child.id
        session.flush()
        audit.record(session, actor, action="outreach.personal_codes_created",
                     target_type="qr_code", target_id=code.id,
                     details={"count": len(children)})
    shorts = {c.id: c.short_code for c in
              repository.codes_by_ids(session, [m.personal_code_id for m in members
                                                if m.personal_code_id])}
    sign = tokens.signer(session)
    cipher = kernel_of(session).cipher
    result = []
    for row, member in enumerate(members, start=1):
        assert member.personal_code_id is not None  # noqa: S101 - made above
        name = cipher.decrypt(member.name_encrypted, context="outreach.roster.name")
        mobile = (cipher.decrypt(member.mobile_encrypted, context="outreach.roster.mobile")
                  if member.mobile_encrypted else "")
        result.append(PersonalCode(member.personal_code_id,
                                   f"/q/{sign(shorts[member.personal_code_id])}",
                                   mask_name(name), mask_mobile(mobile) if mobile else "", row))
    return result


def roster_zip(session: Session, actor: Actor, *, code_id: uuid.UUID, base_url: str) -> bytes:
    """A ZIP of every member's personal code as PNG, named by row, masked name and mobile."""
    items = personal_codes(session, actor, code_id=code_id)
    view = code_view(session, _roster_code(session, actor, code_id))
    bank = kernel_of(session).settings.bank_name

    def entries() -> list[tuple[str, str, images.Label]]:
        return [(f"{p.row:04d}_{p.name}_{p.mobile[-4:] if p.mobile else ''}.png",
                 base_url + p.path,
                 images.Label(bank, view.owner_names, footer=f"{p.name} {p.mobile}".strip()))
                for p in items]

    return images.zip_of_pngs(entries())
