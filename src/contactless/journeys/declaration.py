"""What a journey is made of: steps with their forms, guards and texts, and a final action.

A bank adds a product journey by writing one :class:`Journey` (see docs/journeys.md and the
built-ins in ``journeys/builtin``) and the zh-CN texts of its message ids; the engine in
``journeys/service`` runs every declaration the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from contactless.platform.context import Actor
from contactless.platform.money import Money
from contactless.risk.port import Decision

if TYPE_CHECKING:
    from contactless.customers.service import CustomerView
    from contactless.journeys.ekyc import IdentityVerifier
    from contactless.journeys.sources import QrSource

Gettext = Callable[[str], str]


class Msg(str):
    """A message id (English) with parameters, translated where it is shown.

    It is a ``str`` so it can stand wherever text is expected (a form field's title); the
    parameters are filled after translation, and a parameter may itself be a ``Msg``.
    """

    params: dict[str, object]

    def __new__(cls, message: str, /, **params: object) -> Msg:
        text = super().__new__(cls, message)
        text.params = params
        return text

    def render(self, gettext: Gettext) -> str:
        text = gettext(str(self))
        if not self.params:
            return text
        values = {name: render_text(value, gettext) for name, value in self.params.items()}
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text


def _(message: str, /, **params: object) -> Msg:
    """Mark a message id for translation (lazily: it is translated where it is shown)."""
    return Msg(message, **params)


def render_text(value: object, gettext: Gettext) -> str:
    """A ``Msg`` is translated; anything else (numbers, names, amounts) is shown as it is."""
    if isinstance(value, Msg):
        return value.render(gettext)
    if isinstance(value, Money):
        return format_money(value)
    return "" if value is None else str(value)


def format_money(value: Money) -> str:
    symbol = "¥" if value.currency == "CNY" else f"{value.currency} "
    return f"{symbol}{value.amount:,.2f}"


class StepKind(StrEnum):
    FORM = "form"  # fields (and optional uploads)
    CONSENT = "consent"  # texts to agree to, recorded with version and hash
    CODE = "code"  # a one-time code sent when the step is entered
    CONFIRM = "confirm"  # the summary; submitting it runs the risk check and the final action


@dataclass(frozen=True)
class Choice:
    """One option of a field whose choices depend on the customer (their deposits, accounts)."""

    value: str
    label: Msg | str
    detail: Msg | str | None = None


@dataclass(frozen=True)
class Line:
    """One line shown on a step or outcome page: a label and its value."""

    label: Msg
    value: object
    emphasis: bool = False


@dataclass(frozen=True)
class Upload:
    """A file field: ``kinds`` is a subset of {"image", "pdf"}; ``liveness`` sends the image
    to the e-KYC verifier's face / liveness check."""

    name: str
    label: Msg
    kinds: frozenset[str] = frozenset({"image"})
    max_bytes: int = 5 * 1024 * 1024
    liveness: bool = False
    required: bool = True
    help: Msg | None = None


@dataclass(frozen=True)
class ConsentDocument:
    """A text the customer agrees to. ``text`` gives the exact text for a locale; the version
    is bumped whenever the text changes, and the record keeps both with the text's hash."""

    key: str
    version: str
    title: Msg
    text: Callable[[StepContext, str], str]


def fixed_text(texts: Mapping[str, str]) -> Callable[[StepContext, str], str]:
    """A consent text that does not depend on the journey (zh-CN and English versions)."""

    def text(_context: StepContext, locale: str) -> str:
        return texts.get(locale) or texts["zh-CN"]

    return text


StepHook = Callable[["StepContext"], None]
Accept = Callable[["StepContext", Any], None]
Condition = Callable[["StepContext"], bool]


@dataclass(frozen=True)
class Step:
    """One screen of a journey.

    ``form`` is a Pydantic model (the server validates every field with it). ``choices``
    supplies the options of fields that depend on the customer; a submitted value must be one
    of them. ``guards`` refuse the step (by raising a ContactlessError) when it may not be
    done; ``accept`` checks the validated form against the world (records, suitability) and
    keeps what later steps need in ``context.facts``; ``enter`` runs when the step becomes
    current (a CODE step sends its code there); ``when`` skips the step if it is false.
    """

    key: str
    title: Msg
    kind: StepKind = StepKind.FORM
    form: type[BaseModel] | None = None
    intro: Msg | None = None
    uploads: tuple[Upload, ...] = ()
    consents: Callable[[StepContext], list[ConsentDocument]] | None = None
    choices: Callable[[StepContext], dict[str, list[Choice]]] | None = None
    prefill: Callable[[StepContext], dict[str, str]] | None = None
    show: Callable[[StepContext], list[Line]] | None = None
    guards: tuple[StepHook, ...] = ()
    accept: Accept | None = None
    enter: StepHook | None = None
    when: Condition | None = None
    code_to: Callable[[StepContext], str] | None = None


@dataclass(frozen=True)
class Deal:
    """What the journey does, for the risk check, the events and the analytics."""

    product: str
    amount: Money | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


class BusinessKind(StrEnum):
    """The business outcomes a journey can bring about (what RMs are credited for)."""

    DEPOSIT_KEPT = "deposit_kept"  # a deposit's instruction to renew (kept at maturity)
    DEPOSIT_PLACED = "deposit_placed"  # new money in a time deposit or CD
    WEALTH_PURCHASE = "wealth_purchase"  # a subscription, settled at the T+1 NAV
    LOAN_DISBURSED = "loan_disbursed"
    ACCOUNT_OPENED = "account_opened"


@dataclass(frozen=True)
class BusinessOutcome:
    """The one business thing an action did, named by the core's own id (the deposit, the
    wealth order, the loan, the account): two journeys on the same thing name the same
    outcome."""

    kind: BusinessKind
    reference_id: uuid.UUID

    def fact(self) -> dict[str, str]:
        return {"kind": self.kind.value, "reference_id": str(self.reference_id)}


@dataclass(frozen=True)
class Done:
    """What the final action did: ``references`` (ids, account numbers) are kept on the
    instance and shown on the outcome page through ``Journey.outcome``; ``business`` is the
    business outcome, if any (changing a mobile number or deferring a loan has none)."""

    product: str
    amount: Money | None = None
    references: dict[str, str] = field(default_factory=dict)
    business: BusinessOutcome | None = None


@dataclass(frozen=True)
class Journey:
    """A journey declaration. ``action`` is the final action (through the core-banking port);
    it runs once, after the last step, when the risk port (and ``precheck``) approve."""

    key: str
    version: int
    title: Msg
    summary: Msg
    steps: tuple[Step, ...]
    deal: Callable[[StepContext], Deal]
    action: Callable[[ActionContext], Done]
    outcome: Callable[[StepContext], list[Line]]
    params: type[BaseModel] | None = None
    guards: tuple[StepHook, ...] = ()
    precheck: Callable[[StepContext], Decision] | None = None
    cooling_off: Callable[[StepContext], timedelta | None] | None = None
    prospects: bool = False
    ttl: timedelta = timedelta(days=7)

    def step(self, key: str) -> Step | None:
        return next((step for step in self.steps if step.key == key), None)


class StepContext:
    """What a step's hooks see: the journey so far and the services they may call.

    ``data`` holds the validated answers of completed steps by step key; ``facts`` holds what
    hooks derived (a deposit's snapshot, a quote) and is stored with the instance (encrypted).
    """

    def __init__(
        self, *, session: Session, actor: Actor, journey: Journey, instance_id: uuid.UUID,
        params: dict[str, Any], data: dict[str, dict[str, Any]], facts: dict[str, Any],
        customer_id: uuid.UUID | None, prospect_mobile: str | None, source: QrSource | None,
        channel: str, now: datetime, today: date, verifier: IdentityVerifier,
    ) -> None:
        self.session = session
        self.actor = actor
        self.journey = journey
        self.instance_id = instance_id
        self.params = params
        self.data = data
        self.facts = facts
        self.customer_id = customer_id
        self.prospect_mobile = prospect_mobile
        self.source = source
        self.channel = channel
        self.now = now
        self.today = today
        self.verifier = verifier
        self._customer: CustomerView | None = None

    @property
    def is_prospect(self) -> bool:
        return self.customer_id is None

    def customer(self) -> CustomerView:
        """The signed-in customer, unmasked (their own data)."""
        from contactless.customers import service as customers
        from contactless.platform.context import SYSTEM

        if self.customer_id is None:
            raise RuntimeError("this journey has no customer yet")
        if self._customer is None or self._customer.id != self.customer_id:
            self._customer = customers.get_customer(self.session, SYSTEM,
                                                    customer_id=self.customer_id, unmasked=True)
        return self._customer

    def mobile(self) -> str:
        """The mobile number this person proved: the customer's, or the prospect's."""
        if self.customer_id is not None:
            return self.customer().mobile
        if self.prospect_mobile is None:
            raise RuntimeError("no mobile number for this journey")
        return self.prospect_mobile

    def customer_actor(self) -> Actor:
        if self.customer_id is None:
            raise RuntimeError("this journey has no customer yet")
        return Actor(kind="customer", id=str(self.customer_id), channel=self.channel)

    def answer(self, step: str, name: str, default: Any = None) -> Any:
        return self.data.get(step, {}).get(name, default)


class ActionContext(StepContext):
    """The final action's context: ``bank_actor`` acts for the bank where an operation is the
    bank's decision (booking a loan, a deferral, a group-opened payroll account): the staff
    member who approved a parked review, or the journey engine itself."""

    def __init__(self, *, bank_actor: Actor, make_customer: Callable[..., uuid.UUID],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bank_actor = bank_actor
        self._make_customer = make_customer

    def key(self, name: str) -> str:
        """An idempotency key for one core-banking call of this instance's action: a second run
        of the action can never post twice."""
        return f"journey:{self.instance_id}:{name}"

    def ensure_customer(self, *, name: str, mobile: str, id_number: str,
                        fallback_rm_id: uuid.UUID | None = None) -> uuid.UUID:
        """The customer this journey is for, created now if the person is a prospect (primary
        RM: the QR code's first owner, else ``fallback_rm_id``, else the bank's default RM)."""
        if self.customer_id is None:
            self.customer_id = self._make_customer(name=name, mobile=mobile,
                                                   id_number=id_number,
                                                   fallback_rm_id=fallback_rm_id)
        return self.customer_id


def money_fact(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def money_of(fact: Mapping[str, str]) -> Money:
    return Money.of(Decimal(fact["amount"]), fact["currency"])


__all__ = [
    "ActionContext", "BusinessKind", "BusinessOutcome", "Choice", "ConsentDocument", "Deal",
    "Done", "Journey", "Line", "Msg", "Step", "StepContext", "StepKind", "Upload", "_",
    "fixed_text", "format_money", "money_fact", "money_of", "render_text",
]
