"""What the assistant says: an answer per intent, live figures for a signed-in customer, and
the guided flows that act (report a lost card, renew a maturing deposit, book an appointment).

The assistant never moves money. A flow that acts calls the domain that owns the act: the
journeys engine opens the renewal journey (the customer finishes it there), the core-banking
service freezes a card's account after the customer proved it is them with a one-time code.
A refusal on the way (a wrong code, a journey that cannot start) is a reply, not an error:
the conversation goes on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from contactless.assistant.models import Appointment, Conversation
from contactless.assistant.nlu.entities import Entities
from contactless.assistant.service.core import ASSISTANT
from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.journeys import service as journeys
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import N_, Translator

Gettext = Callable[[str], str]
FREEZE_PURPOSE = "assistant-card-freeze"
YES = re.compile(r"^(确认|确定|是的?|对|好的?|可以|冻结|嗯|yes|y|ok|okay|confirm|sure)[!！。.]*$",
                 re.IGNORECASE)
CANCEL = re.compile(r"(取消|算了|不用了|不要了|先不|cancel|never ?mind|stop)", re.IGNORECASE)
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
ORDINAL = re.compile(r"(?:第\s*)?([1-9一二三四五六七八九])\s*(?:笔|个|张)?|^#?([1-9])$")
CN_ORDINALS = "一二三四五六七八九"


@dataclass
class Reply:
    """One assistant message, and what the conversation does next."""

    text: str
    actions: list[dict[str, str]] = field(default_factory=list)
    handoff: str | None = None  # a reason: the conversation joins the agents' queue
    flow: dict[str, Any] | None = None  # the flow's next state (None: no flow under way)


@dataclass
class Turn:
    session: Session
    conversation: Conversation
    customer: Actor | None
    text: str
    entities: Entities
    locale: str
    gettext: Gettext
    today: date

    def _(self, message: str, **params: Any) -> str:
        translated = self.gettext(message)
        return translated.format(**params) if params else translated


def say(label: str, text: str | None = None) -> dict[str, str]:
    return {"kind": "say", "label": label, "text": text or label}


def link(label: str, href: str) -> dict[str, str]:
    return {"kind": "link", "label": label, "href": href}


def _offer_human(turn: Turn) -> dict[str, str]:
    return say(turn._("Talk to a person"), turn._("talk to a human"))


def _sign_in(turn: Turn) -> Reply:
    return Reply(turn._("Please sign in first, then I can look this up for you."),
                 [link(turn._("Sign in"), "/m/login?next=/m/assistant"), _offer_human(turn)])


def money_text(value: Any) -> str:
    return f"{value.amount:,.2f} {value.currency}"


# ---- informational answers ------------------------------------------------------------------

# (message id of the answer, links it offers); live and guided intents are handled below
INFO: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "transfer": (N_("You can transfer money in mobile banking under Transfer: same-bank transfers "
                 "arrive at once, other banks usually within minutes. I cannot send money "
                 "myself."), []),
    "transfer_not_received": (N_("Most transfers to other banks arrive within minutes; some take "
                              "up to one working day, and a returned transfer goes back to "
                              "your account. If it has been longer, a colleague can trace it "
                              "for you."), []),
    "deposit_rates": (N_("Our current time-deposit rates are on the products page; large CDs pay "
                      "more than ordinary time deposits of the same term."),
                      [(N_("See products"), "/m/products")]),
    "open_time_deposit": (N_("You can open a time deposit or buy a large CD on your phone: choose "
                          "a term on the products page."), [(N_("See products"), "/m/products")]),
    "wealth_products": (N_("Our wealth products are listed with their risk level and past returns "
                        "on the products page; returns are not guaranteed."),
                        [(N_("See products"), "/m/products")]),
    "wealth_redemption": (N_("A wealth product pays out on its maturity date; an open-ended "
                          "product can be redeemed on working days and the money arrives "
                          "within one to three working days."), []),
    "loan_application": (N_("You can apply for a consumer or business loan on your phone; we will "
                         "tell you the amount and rate you qualify for."),
                         [(N_("Apply for a loan"), "/m/journeys")]),
    "loan_repayment": (N_("Loan instalments are taken from your linked account on the due date; "
                       "keep enough money in it the day before. Early repayment can be asked for "
                       "in mobile banking."), []),
    "repayment_deferral": (N_("If you cannot repay on time because of hardship or the epidemic, "
                           "you may ask to defer: a colleague will review your case."), []),
    "credit_card_bill": (N_("Your credit card bill, due date and minimum payment are in mobile "
                         "banking under Credit card; a bill can be split into instalments "
                         "there too."), []),
    "card_activation": (N_("Activate a new card in mobile banking under Cards, or at any of our "
                        "ATMs with the card and your PIN."), []),
    "card_limit": (N_("You can change your transfer and payment limits in mobile banking under "
                   "Security; raising a limit needs a one-time code."), []),
    "password_reset": (N_("To reset a forgotten password, choose Forgot password on the sign-in "
                       "page and confirm with a one-time code; a card PIN is reset at a branch "
                       "or ATM."), [(N_("Sign in"), "/m/login")]),
    "account_opening": (N_("You can open an account on your phone with your ID card and a "
                        "one-time code."), [(N_("Open an account"), "/m/journeys")]),
    "payroll_service": (N_("We pay salaries for employers: your company signs once, and staff get "
                        "a payroll card they can open on their phones from the company's "
                        "code."), []),
    "update_contact_info": (N_("You can change your mobile number, address or ID validity in "
                            "mobile banking under Profile; a new mobile number is confirmed "
                            "with a code sent to it."), []),
    "mobile_banking_help": (N_("Try updating the app and signing in again; if codes do not arrive, "
                            "check that your mobile number is the one we have. A colleague can "
                            "help if it still fails."), []),
    "fees": (N_("Transfers in mobile banking are free; over-the-counter transfers to other banks "
             "and some card services have fees, listed on our fee schedule."), []),
    "exchange_rates": (N_("Today's exchange rates are shown in mobile banking under Foreign "
                       "exchange; you can buy currency there within your yearly allowance."),
                       []),
    "branch_info": (N_("Our branches open 9:00 to 17:00 on working days, and some open on "
                    "weekends; ATMs work around the clock."), []),
    "epidemic_services": (N_("During the epidemic most services are open on your phone; for "
                          "health questions please use the official health services. Relief "
                          "for repayments can be asked for here."), []),
}


def informational(turn: Turn, intent: str) -> Reply:
    message, links = INFO[intent]
    actions = [link(turn._(label), href) for label, href in links]
    if intent in ("transfer_not_received", "repayment_deferral", "mobile_banking_help"):
        actions.append(_offer_human(turn))
    return Reply(turn._(message), actions)


def small_talk(turn: Turn, intent: str) -> Reply:
    if intent == "greeting":
        return Reply(turn._("Hello! I am the bank's assistant. Ask me about your balance, "
                            "deposits, cards or anything else; say 转人工 for a person."),
                     [say(turn._("My balance"), turn._("check my balance")),
                      say(turn._("Report a lost card"), turn._("I lost my card")),
                      say(turn._("Renew a deposit"), turn._("renew my maturing deposit"))])
    if intent == "thanks_goodbye":
        return Reply(turn._("You are welcome. Anything else, just ask."))
    return Reply(turn._("Sorry, I can only help with banking questions."))


# ---- live answers ---------------------------------------------------------------------------


def _accounts(turn: Turn) -> list[Any]:
    assert turn.customer is not None  # noqa: S101 - the callers check first
    return corebank.accounts_of_customer(turn.session, turn.customer,
                                         customer_id=uuid.UUID(turn.customer.id))


def _by_tail(items: list[Any], tails: list[str], number: Callable[[Any], str]) -> list[Any]:
    if not tails:
        return items
    return [item for item in items if number(item)[-4:] in tails]


def balances(turn: Turn) -> Reply:
    if turn.customer is None:
        return _sign_in(turn)
    accounts = _by_tail(_accounts(turn), turn.entities.tails, lambda a: a.number)
    if not accounts:
        return Reply(turn._("I found no account of yours with that number."))
    lines = [turn._("Account ending {tail}: {balance}", tail=a.number[-4:],
                    balance=money_text(a.balance)) for a in accounts]
    return Reply("\n".join([turn._("Your balances:"), *lines]))


def recent_transactions(turn: Turn) -> Reply:
    if turn.customer is None:
        return _sign_in(turn)
    accounts = _by_tail(_accounts(turn), turn.entities.tails, lambda a: a.number)
    if not accounts:
        return Reply(turn._("I found no account of yours with that number."))
    account = accounts[0]
    page = corebank.account_history(turn.session, turn.customer, account_id=account.id,
                                    page_size=5)
    if not page.items:
        return Reply(turn._("There are no transactions on the account ending {tail} yet.",
                            tail=account.number[-4:]))
    lines = [f"{item.value_date:%m-%d} {item.memo or item.kind} {money_text(item.amount)}"
             for item in page.items]
    return Reply("\n".join([turn._("Latest transactions on the account ending {tail}:",
                                   tail=account.number[-4:]), *lines]),
                 [link(turn._("Full statement"), f"/m/accounts/{account.id}")])


# ---- guided flow: renew a maturing deposit (到期转存) -------------------------------------------


def _deposit_line(turn: Turn, index: int, deposit: Any) -> str:
    total = deposit.principal.amount + deposit.interest_at_maturity.amount
    return turn._("{index}. {product} {principal}, matures {date}, pays {total} at maturity",
                  index=index, product=deposit.product, principal=money_text(deposit.principal),
                  date=deposit.maturity_date.isoformat(),
                  total=f"{total:,.2f} {deposit.principal.currency}")


def _start_renewal(turn: Turn, deposit_id: str) -> Reply:
    assert turn.customer is not None  # noqa: S101
    try:
        view = journeys.start_journey(turn.session, turn.customer, journey_key="deposit_renewal",
                                      params={"deposit_id": deposit_id},
                                      translator=Translator.of(turn.locale))
    except ContactlessError as error:
        return Reply(turn.gettext(error.message), [_offer_human(turn)])
    return Reply(turn._("I have opened the renewal for you: choose the new term and confirm "
                        "there."), [link(turn._("Continue the renewal"), f"/m/journeys/{view.id}")])


def deposit_renewal(turn: Turn) -> Reply:
    if turn.customer is None:
        return _sign_in(turn)
    deposits = corebank.deposits_of_customer(turn.session, turn.customer,
                                             customer_id=uuid.UUID(turn.customer.id))
    if not deposits:
        return Reply(turn._("You have no time deposit with us at the moment."),
                     [link(turn._("See products"), "/m/products")])
    lines = [_deposit_line(turn, i, d) for i, d in enumerate(deposits, start=1)]
    if len(deposits) == 1:
        reply = _start_renewal(turn, str(deposits[0].id))
        reply.text = "\n".join([*lines, reply.text])
        return reply
    return Reply("\n".join([turn._("Your deposits:"), *lines,
                            turn._("Which one shall I renew? Reply with its number.")]),
                 [say(str(i), str(i)) for i in range(1, len(deposits) + 1)],
                 flow={"name": "deposit_renewal", "step": "choose",
                       "deposits": [str(d.id) for d in deposits]})


def _ordinal(text: str, count: int) -> int | None:
    match = ORDINAL.search(text.strip())
    if not match:
        return None
    token = match.group(1) or match.group(2)
    number = CN_ORDINALS.index(token) + 1 if token in CN_ORDINALS else int(token)
    return number if 1 <= number <= count else None


def continue_renewal(turn: Turn, flow: dict[str, Any]) -> Reply:
    deposits: list[str] = flow["deposits"]
    choice = _ordinal(turn.text, len(deposits))
    if choice is None:
        return Reply(turn._("Reply with the number of the deposit (1 to {count}), or say cancel.",
                            count=len(deposits)), flow=flow)
    return _start_renewal(turn, deposits[choice - 1])


# ---- guided flow: report a lost card (挂失) ---------------------------------------------------


def card_lost(turn: Turn) -> Reply:
    if turn.customer is None:
        return Reply(turn._("Please sign in so I can freeze your card, or talk to a person "
                            "right away."),
                     [link(turn._("Sign in"), "/m/login?next=/m/assistant"), _offer_human(turn)])
    accounts = [a for a in _accounts(turn) if a.status == "active"]
    chosen = _by_tail(accounts, turn.entities.tails, lambda a: a.number)
    if not accounts:
        return Reply(turn._("I found no active card of yours to freeze."), [_offer_human(turn)])
    if len(chosen) == 1:
        return _confirm_freeze(turn, chosen[0].number[-4:], str(chosen[0].id))
    return Reply(turn._("Which card is lost? Choose its last four digits."),
                 [say(turn._("Ending {tail}", tail=a.number[-4:]), a.number[-4:])
                  for a in accounts],
                 flow={"name": "card_lost", "step": "choose",
                       "accounts": {a.number[-4:]: str(a.id) for a in accounts}})


def _confirm_freeze(turn: Turn, tail: str, account_id: str) -> Reply:
    return Reply(turn._("Freeze the card ending {tail}? No money can leave it until it is "
                        "unfrozen at a branch. Reply confirm.", tail=tail),
                 [say(turn._("Confirm"), turn._("confirm")),
                  say(turn._("Cancel"), turn._("cancel"))],
                 flow={"name": "card_lost", "step": "confirm", "account_id": account_id,
                       "tail": tail})


def _customer_mobile(turn: Turn) -> str:
    assert turn.customer is not None  # noqa: S101
    return customers.get_customer(turn.session, turn.customer,
                                  customer_id=uuid.UUID(turn.customer.id)).mobile


def continue_card_lost(turn: Turn, flow: dict[str, Any]) -> Reply:
    step = flow["step"]
    if step == "choose":
        tails = turn.entities.tails or re.findall(r"(?<!\d)(\d{4})(?!\d)", turn.text)
        accounts: dict[str, str] = flow["accounts"]
        for tail in tails:
            if tail in accounts:
                return _confirm_freeze(turn, tail, accounts[tail])
        return Reply(turn._("Choose one of the cards above by its last four digits."),
                     [say(turn._("Ending {tail}", tail=t), t) for t in accounts], flow=flow)
    if step == "confirm":
        if not YES.match(turn.text.strip()):
            return Reply(turn._("Reply confirm to freeze the card, or cancel."), flow=flow)
        try:
            identity.send_one_time_code(turn.session, mobile=_customer_mobile(turn),
                                        purpose=FREEZE_PURPOSE)
        except ContactlessError as error:
            if error.code != "otp_resend_cooldown":
                return Reply(turn.gettext(error.message), [_offer_human(turn)])
        return Reply(turn._("I sent a one-time code to your mobile. Type the 6 digits here."),
                     flow={**flow, "step": "code"})
    return _check_code_and_freeze(turn, flow)


def _check_code_and_freeze(turn: Turn, flow: dict[str, Any]) -> Reply:
    match = CODE.search(turn.text)
    if not match:
        return Reply(turn._("Type the 6-digit code from the message we sent, or say cancel."),
                     flow=flow)
    try:
        identity.check_one_time_code(turn.session, mobile=_customer_mobile(turn),
                                     code=match.group(1), purpose=FREEZE_PURPOSE)
    except ContactlessError as error:
        if error.code == "otp_invalid":
            return Reply(turn._("That code is not right. Try again, or say cancel."), flow=flow)
        return Reply(turn.gettext(error.message), [_offer_human(turn)])
    account_id = uuid.UUID(flow["account_id"])
    try:
        corebank.freeze_account(turn.session, ASSISTANT,
                                idempotency_key=f"assistant-freeze:{turn.conversation.id}:"
                                                f"{account_id}",
                                account_id=account_id,
                                reason="card reported lost by its owner to the assistant")
    except ContactlessError as error:
        return Reply(turn.gettext(error.message), [_offer_human(turn)])
    audit.record(turn.session, ASSISTANT, action="assistant.card_frozen",
                 target_type="corebank_account", target_id=account_id,
                 details={"conversation_id": str(turn.conversation.id),
                          "customer_id": turn.customer.id if turn.customer else None})
    return Reply(turn._("The card ending {tail} is frozen. Would you like a person to help you "
                        "order a new card?", tail=flow["tail"]),
                 [_offer_human(turn), say(turn._("No, thanks"), turn._("no, thanks"))])


# ---- guided flow: book an appointment (预约) ----------------------------------------------------

APPOINTMENT_KINDS = {
    "cash_withdrawal": re.compile(r"取现|取款|取钱|现金|cash|withdraw", re.IGNORECASE),
    "rm_call": re.compile(r"客户经理|理财经理|回电|打电话|call|advisor|manager", re.IGNORECASE),
}
KIND_TITLES = {"cash_withdrawal": N_("a large cash withdrawal"),
               "rm_call": N_("a call from your RM"), "branch_visit": N_("a branch visit")}


def _kind_of(text: str) -> str:
    for kind, pattern in APPOINTMENT_KINDS.items():
        if pattern.search(text):
            return kind
    return "branch_visit"


def appointment(turn: Turn, flow: dict[str, Any] | None = None) -> Reply:
    if turn.customer is None:
        return _sign_in(turn)
    kind = flow["kind"] if flow else _kind_of(turn.text)
    amount = flow.get("amount") if flow else None
    if turn.entities.amounts and amount is None:
        amount = str(turn.entities.amounts[0])
    days = [d for d in turn.entities.dates if d >= turn.today]
    if not days:
        return Reply(turn._("Which day suits you for {what}? For example 下周三 or 12月20号.",
                            what=turn._(KIND_TITLES[kind])),
                     [say(turn._("Tomorrow"), turn._("tomorrow")),
                      say(turn._("Next Monday"), turn._("next monday"))],
                     flow={"name": "appointment", "kind": kind, "amount": amount})
    booked = Appointment(id=uuid.uuid4(), conversation_id=turn.conversation.id,
                         customer_id=uuid.UUID(turn.customer.id), kind=kind, on_date=days[0],
                         details={"amount": amount} if amount else {})
    turn.session.add(booked)
    turn.session.flush()
    audit.record(turn.session, turn.customer, action="assistant.appointment_booked",
                 target_type="assistant_appointment", target_id=booked.id,
                 after={"kind": kind, "on_date": days[0].isoformat(), "amount": amount})
    text = turn._("Booked: {what} on {date}.", what=turn._(KIND_TITLES[kind]),
                  date=days[0].isoformat())
    if amount:
        text += " " + turn._("Amount: {amount} CNY.", amount=f"{float(amount):,.2f}")
    return Reply(text + " " + turn._("We will send you a reminder the day before."))


# ---- routing --------------------------------------------------------------------------------

FLOWS: dict[str, Callable[[Turn, dict[str, Any]], Reply]] = {
    "card_lost": continue_card_lost,
    "deposit_renewal": continue_renewal,
    "appointment": lambda turn, flow: appointment(turn, flow),
}
LIVE: dict[str, Callable[[Turn], Reply]] = {
    "balance_inquiry": balances,
    "transaction_history": recent_transactions,
    "deposit_renewal": deposit_renewal,
    "card_lost": card_lost,
    "appointment": lambda turn: appointment(turn),
}


def answer(turn: Turn, intent: str) -> Reply:
    """The reply to a message understood as ``intent`` (no flow under way)."""
    if intent in LIVE:
        return LIVE[intent](turn)
    if intent in INFO:
        return informational(turn, intent)
    return small_talk(turn, intent)


def continue_flow(turn: Turn, flow: dict[str, Any]) -> Reply:
    if CANCEL.search(turn.text):
        return Reply(turn._("All right, cancelled. What else can I do for you?"))
    return FLOWS[flow["name"]](turn, flow)
