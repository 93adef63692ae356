"""Who may do what (权限表): the one table of operations, the roles allowed, their data scope
and which of them need a second person (four eyes, 双人复核).

Every service entry point calls :func:`authorize` with the operation it performs and, where
the operation touches data of a branch, that data's branch path; a domain that knows finer
ownership (an RM's own customers, a code's creator) checks it after. The table is the source
of docs/security.md (``contactless security permissions --markdown``) and of the route matrix
test, so a rule written anywhere else is a bug.

Defaults the table keeps (segregation of duties): ``auditor`` reads only; ``marketer`` and
``agent`` never move money; ``rm`` initiates within scope; approving is for
``branch_manager`` (and ``risk_analyst`` for freezes) within scope; ``admin`` manages people
and settings, not money. The system (jobs, the CLI on the server, the journey engine's
automated decisions) may do everything: it is the bank acting, not a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contactless.identity.errors import NotAllowed, OutOfScope
from contactless.identity.models import Role
from contactless.platform.context import Actor


class Operation(StrEnum):
    """Every operation a person may be allowed or refused. The value is stable: audit rows,
    approvals and docs name it."""

    # identity: people, branches, the trail
    BRANCH_READ = "branch.read"
    BRANCH_CREATE = "branch.create"
    STAFF_READ = "staff.read"
    STAFF_MANAGE = "staff.manage"
    AUDIT_READ = "audit.read"
    MESSAGES_READ = "messages.read"
    # customers and enterprises
    CUSTOMER_READ = "customer.read"
    CUSTOMER_CREATE = "customer.create"
    CUSTOMER_EDIT = "customer.edit"
    CUSTOMER_SHARE = "customer.share"
    ENTERPRISE_READ = "enterprise.read"
    ENTERPRISE_MANAGE = "enterprise.manage"
    # core banking: reads
    ACCOUNT_READ = "account.read"
    BOOKS_READ = "books.read"
    # core banking: accounts
    ACCOUNT_OPEN = "account.open"
    ACCOUNT_FREEZE = "account.freeze"
    ACCOUNT_UNFREEZE = "account.unfreeze"
    ACCOUNT_CLOSE = "account.close"
    # core banking: money
    CASH_DEPOSIT = "cash.deposit"
    CASH_WITHDRAW = "cash.withdraw"
    CARD_PAYMENT = "card.payment"
    INBOUND_RECEIVE = "inbound.receive"
    TRANSFER = "transfer.create"
    OUTBOUND_SEND = "outbound.send"
    OUTBOUND_SETTLE = "outbound.settle"
    OUTBOUND_RETURN = "outbound.return"
    DEPOSIT_PLACE = "deposit.place"
    DEPOSIT_INSTRUCT = "deposit.instruct"
    DEPOSIT_WITHDRAW_EARLY = "deposit.withdraw_early"
    WEALTH_BUY = "wealth.buy"
    WEALTH_REDEEM = "wealth.redeem"
    LOAN_BOOK = "loan.book"
    LOAN_DISBURSE = "loan.disburse"
    LOAN_DEFER = "loan.defer"
    LOAN_REPAY = "loan.repay"
    # core banking: products, rates and batches (settings and the bank's own runs)
    RATE_SET = "rate.set"
    WEALTH_PRODUCT_MANAGE = "wealth_product.manage"
    BATCH_RUN = "batch.run"
    # four eyes
    APPROVAL_READ = "approval.read"
    APPROVAL_DECIDE = "approval.decide"
    # journeys
    JOURNEY_REVIEW_READ = "journey_review.read"
    JOURNEY_REVIEW_DECIDE = "journey_review.decide"
    JOURNEY_ANALYTICS_READ = "journey_analytics.read"
    # outreach
    CODE_READ = "code.read"
    CODE_CREATE = "code.create"
    CODE_MANAGE = "code.manage"
    CODE_INVITATION = "code.invitation"
    ROSTER_READ = "roster.read"
    ROSTER_MANAGE = "roster.manage"
    OUTREACH_REPORT_READ = "outreach_report.read"
    LEADERBOARD_READ = "leaderboard.read"
    CONVERSIONS_EXPORT = "conversions.export"
    ATTRIBUTION_POLICY_SET = "attribution_policy.set"
    SIGNING_KEY_READ = "signing_key.read"
    SIGNING_KEY_MANAGE = "signing_key.manage"
    # assistant (智能客服 and the agent desk)
    ASSISTANT_DESK = "assistant.desk"
    ASSISTANT_FAQ_MANAGE = "assistant.faq_manage"
    ASSISTANT_DASHBOARD_READ = "assistant.dashboard_read"
    # partners (the open platform)
    PARTNER_READ = "partner.read"
    PARTNER_MANAGE = "partner.manage"
    PARTNER_APPROVE = "partner.approve"
    PARTNER_CONSENT_ANSWER = "partner_consent.answer"
    # behaviour data (events)
    SEGMENT_READ = "segment.read"
    SEGMENT_PREVIEW = "segment.preview"
    SEGMENT_MANAGE = "segment.manage"
    SEGMENT_EXPORT = "segment.export"
    PROFILE_READ = "profile.read"
    PROFILE_ATTRIBUTE_SET = "profile.attribute_set"
    PROFILE_REBUILD = "profile.rebuild"
    EVENTS_EXPLORE = "events.explore"
    # risk control
    RISK_ASSESS = "risk.assess"
    RISK_READ = "risk.read"
    RISK_RULES_MANAGE = "risk.rules_manage"
    RISK_LISTS_MANAGE = "risk.lists_manage"
    RISK_CASES_WORK = "risk.cases_work"
    RISK_MODELS_MANAGE = "risk.models_manage"
    # marketing (campaigns, call tasks, the inbox)
    CAMPAIGN_READ = "campaign.read"
    CAMPAIGN_MANAGE = "campaign.manage"
    CAMPAIGN_APPROVE = "campaign.approve"
    CAMPAIGN_RUN = "campaign.run"
    MARKETING_TASK_WORK = "marketing_task.work"
    MARKETING_INBOX_READ = "marketing_inbox.read"
    MARKETING_PREFERENCE_SET = "marketing_preference.set"


class Scope(StrEnum):
    """The data an operation touches, and so what "in scope" means for it."""

    BANK = "bank"  # bank-wide settings or people: the role decides alone
    BRANCH = "branch"  # data of a branch: it must lie in the actor's branch subtree
    CUSTOMER = "customer"  # a customer's data: RM own and shared, others their subtree
    OWN = "own"  # the actor's own things (codes they created, invitations to them)


class FourEyes(StrEnum):
    """When an operation needs a second person: the initiator can never approve."""

    NEVER = "never"
    ALWAYS = "always"  # every time (an unfreeze, a returned transfer)
    NOT_THE_MAKER = "not_the_maker"  # the executor must not be who made the item (a loan)
    ABOVE_LIMIT = "above_limit"  # a staff-initiated debit above ``four_eyes_debit_limit``
    OUTSIDE_RANGE = "outside_range"  # a loan rate outside the product's configured range


@dataclass(frozen=True)
class Rule:
    """Who may do an operation: staff ``roles`` within ``scope``; ``customer_self`` lets a
    customer do it on their own things (the owning domain checks ownership); ``checkers``
    are the roles that may approve it when ``four_eyes`` asks for a second person."""

    summary: str
    roles: frozenset[Role]
    scope: Scope
    customer_self: bool = False
    four_eyes: FourEyes = FourEyes.NEVER
    checkers: frozenset[Role] = frozenset()
    moves_money: bool = False


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


ALL_STAFF = _roles(*Role)
READERS = _roles(Role.ADMIN, Role.BRANCH_MANAGER, Role.RM, Role.MARKETER, Role.RISK_ANALYST,
                 Role.AGENT, Role.AUDITOR)
INITIATORS = _roles(Role.RM, Role.BRANCH_MANAGER)
MANAGERS = _roles(Role.BRANCH_MANAGER)
NOBODY: frozenset[Role] = frozenset()

O = Operation  # noqa: E741 - the table reads as a table
PERMISSIONS: dict[Operation, Rule] = {
    O.BRANCH_READ: Rule("See the branch tree", ALL_STAFF, Scope.BRANCH),
    O.BRANCH_CREATE: Rule("Add a branch", _roles(Role.ADMIN), Scope.BANK),
    O.STAFF_READ: Rule("List staff", _roles(Role.ADMIN, Role.BRANCH_MANAGER, Role.AUDITOR),
                       Scope.BRANCH),
    O.STAFF_MANAGE: Rule("Create, activate and deactivate staff", _roles(Role.ADMIN),
                         Scope.BANK),
    O.AUDIT_READ: Rule("Read and verify the audit trail", _roles(Role.AUDITOR, Role.ADMIN),
                       Scope.BANK),
    O.MESSAGES_READ: Rule("Read the outbox message center", _roles(Role.ADMIN), Scope.BANK),
    O.CUSTOMER_READ: Rule("See customers (masked)", READERS, Scope.CUSTOMER,
                          customer_self=True),
    O.CUSTOMER_CREATE: Rule("Register a customer", INITIATORS, Scope.BRANCH),
    O.CUSTOMER_EDIT: Rule("Change a customer's registered details", INITIATORS,
                          Scope.CUSTOMER, customer_self=True),
    O.CUSTOMER_SHARE: Rule("Share a customer with another RM", INITIATORS, Scope.CUSTOMER),
    O.ENTERPRISE_READ: Rule("See enterprises and their rosters", READERS, Scope.BRANCH),
    O.ENTERPRISE_MANAGE: Rule("Create enterprises, add roster employees", INITIATORS,
                              Scope.BRANCH),
    O.ACCOUNT_READ: Rule("See accounts, deposits, holdings, loans", READERS,
                         Scope.CUSTOMER, customer_self=True),
    O.BOOKS_READ: Rule("Read the trial balance", _roles(Role.ADMIN, Role.AUDITOR), Scope.BANK),
    O.ACCOUNT_OPEN: Rule("Open a demand account (a customer: Class II only)", INITIATORS,
                         Scope.CUSTOMER, customer_self=True),
    O.ACCOUNT_FREEZE: Rule("Freeze an account", _roles(Role.BRANCH_MANAGER, Role.RISK_ANALYST),
                           Scope.CUSTOMER),
    O.ACCOUNT_UNFREEZE: Rule("Lift a freeze", _roles(Role.BRANCH_MANAGER, Role.RISK_ANALYST),
                             Scope.CUSTOMER, four_eyes=FourEyes.ALWAYS,
                             checkers=_roles(Role.BRANCH_MANAGER, Role.RISK_ANALYST)),
    O.ACCOUNT_CLOSE: Rule("Close an account", INITIATORS, Scope.CUSTOMER,
                          customer_self=True, four_eyes=FourEyes.ALWAYS, checkers=MANAGERS,
                          moves_money=True),
    O.CASH_DEPOSIT: Rule("Cash paid in at the counter", INITIATORS, Scope.CUSTOMER,
                         moves_money=True),
    O.CASH_WITHDRAW: Rule("Cash paid out at the counter", INITIATORS, Scope.CUSTOMER,
                          four_eyes=FourEyes.ABOVE_LIMIT, checkers=MANAGERS, moves_money=True),
    O.CARD_PAYMENT: Rule("A card purchase fed by the card system", NOBODY, Scope.BANK,
                         moves_money=True),
    O.INBOUND_RECEIVE: Rule("Money from another bank fed by clearing", NOBODY, Scope.BANK,
                            moves_money=True),
    O.TRANSFER: Rule("Transfer between accounts of this bank", INITIATORS, Scope.CUSTOMER,
                     customer_self=True, four_eyes=FourEyes.ABOVE_LIMIT, checkers=MANAGERS,
                     moves_money=True),
    O.OUTBOUND_SEND: Rule("Send money to another bank", INITIATORS, Scope.CUSTOMER,
                          customer_self=True, four_eyes=FourEyes.ABOVE_LIMIT,
                          checkers=MANAGERS, moves_money=True),
    O.OUTBOUND_SETTLE: Rule("Mark an outbound transfer settled", MANAGERS, Scope.CUSTOMER,
                            moves_money=True),
    O.OUTBOUND_RETURN: Rule("Credit back a returned outbound transfer", INITIATORS,
                            Scope.CUSTOMER, four_eyes=FourEyes.ALWAYS, checkers=MANAGERS,
                            moves_money=True),
    O.DEPOSIT_PLACE: Rule("Place a time deposit", INITIATORS, Scope.CUSTOMER,
                          customer_self=True, moves_money=True),
    O.DEPOSIT_INSTRUCT: Rule("Change a deposit's maturity instruction", INITIATORS,
                             Scope.CUSTOMER, customer_self=True),
    O.DEPOSIT_WITHDRAW_EARLY: Rule("Withdraw a time deposit early (all or part)", INITIATORS,
                                   Scope.CUSTOMER, customer_self=True, moves_money=True),
    O.WEALTH_BUY: Rule("Buy a wealth product", INITIATORS, Scope.CUSTOMER,
                       customer_self=True, moves_money=True),
    O.WEALTH_REDEEM: Rule("Redeem wealth units", INITIATORS, Scope.CUSTOMER,
                          customer_self=True, moves_money=True),
    O.LOAN_BOOK: Rule("Book a loan", INITIATORS, Scope.CUSTOMER,
                      four_eyes=FourEyes.OUTSIDE_RANGE, checkers=MANAGERS, moves_money=True),
    O.LOAN_DISBURSE: Rule("Pay out a booked loan", INITIATORS, Scope.CUSTOMER,
                          four_eyes=FourEyes.NOT_THE_MAKER, checkers=MANAGERS,
                          moves_money=True),
    O.LOAN_DEFER: Rule("Defer a loan's instalments", INITIATORS, Scope.CUSTOMER),
    O.LOAN_REPAY: Rule("Repay or prepay a loan", INITIATORS, Scope.CUSTOMER,
                       customer_self=True, moves_money=True),
    O.RATE_SET: Rule("Set a deposit rate", _roles(Role.ADMIN), Scope.BANK),
    O.WEALTH_PRODUCT_MANAGE: Rule("Create wealth products, publish NAVs", _roles(Role.ADMIN),
                                  Scope.BANK),
    O.BATCH_RUN: Rule("Run maturities, wealth and interest settlement, the day close", NOBODY,
                      Scope.BANK, moves_money=True),
    O.APPROVAL_READ: Rule("See pending approvals", _roles(Role.BRANCH_MANAGER, Role.RM,
                                                          Role.RISK_ANALYST, Role.AUDITOR),
                          Scope.BRANCH),
    O.APPROVAL_DECIDE: Rule("Approve or refuse another person's item",
                            _roles(Role.BRANCH_MANAGER, Role.RISK_ANALYST), Scope.BRANCH),
    O.JOURNEY_REVIEW_READ: Rule("See journeys parked for review",
                                _roles(Role.BRANCH_MANAGER, Role.RISK_ANALYST, Role.AUDITOR),
                                Scope.CUSTOMER),
    O.JOURNEY_REVIEW_DECIDE: Rule("Approve or reject a parked journey",
                                  _roles(Role.BRANCH_MANAGER, Role.RISK_ANALYST),
                                  Scope.CUSTOMER, moves_money=True),
    O.JOURNEY_ANALYTICS_READ: Rule("Read journey analytics (an RM: the journeys started from "
                                   "codes they own)",
                                   _roles(Role.ADMIN, Role.BRANCH_MANAGER, Role.RM,
                                          Role.MARKETER, Role.RISK_ANALYST, Role.AUDITOR),
                                   Scope.BRANCH),
    O.CODE_READ: Rule("See QR codes (own; managers and auditors: the branch's)",
                      _roles(Role.RM, Role.BRANCH_MANAGER, Role.ADMIN, Role.AUDITOR),
                      Scope.OWN),
    O.CODE_CREATE: Rule("Make a QR code (a group code: an enterprise in scope)", INITIATORS,
                        Scope.BRANCH),
    O.CODE_MANAGE: Rule("Pause, resume, revoke, extend, share a QR code (its creator)",
                        _roles(Role.RM, Role.BRANCH_MANAGER, Role.ADMIN), Scope.OWN),
    O.CODE_INVITATION: Rule("Answer an invitation to co-own a code", INITIATORS, Scope.OWN),
    O.ROSTER_READ: Rule("See a group code's roster",
                        _roles(Role.RM, Role.BRANCH_MANAGER, Role.ADMIN, Role.AUDITOR),
                        Scope.OWN),
    O.ROSTER_MANAGE: Rule("Upload or import a group code's roster", INITIATORS, Scope.OWN),
    O.OUTREACH_REPORT_READ: Rule("See a code's funnel, scans and own conversions",
                                 _roles(Role.RM, Role.BRANCH_MANAGER, Role.ADMIN,
                                        Role.AUDITOR), Scope.OWN),
    O.LEADERBOARD_READ: Rule("Read RM and channel leaderboards (an RM: the top of the RM "
                             "board, their own row and their own codes)",
                             _roles(Role.BRANCH_MANAGER, Role.ADMIN, Role.RM),
                             Scope.BRANCH),
    O.CONVERSIONS_EXPORT: Rule("Export conversions and credits as CSV (customers masked): "
                               "an RM their own, a manager their subtree's",
                               _roles(Role.RM, Role.BRANCH_MANAGER, Role.ADMIN), Scope.BRANCH),
    O.ATTRIBUTION_POLICY_SET: Rule("Set the attribution window", _roles(Role.ADMIN),
                                   Scope.BANK),
    O.SIGNING_KEY_READ: Rule("List QR signing keys", _roles(Role.ADMIN, Role.AUDITOR),
                             Scope.BANK),
    O.SIGNING_KEY_MANAGE: Rule("Rotate and retire QR signing keys", _roles(Role.ADMIN),
                               Scope.BANK),
    O.ASSISTANT_DESK: Rule("Take handed-off conversations: claim, reply, transfer, hand back, "
                           "close, mark misunderstood messages", _roles(Role.AGENT), Scope.BANK),
    O.ASSISTANT_FAQ_MANAGE: Rule("Edit the assistant's FAQ knowledge base",
                                 _roles(Role.ADMIN, Role.AGENT), Scope.BANK),
    O.ASSISTANT_DASHBOARD_READ: Rule("Read the assistant's dashboard",
                                     _roles(Role.ADMIN, Role.AGENT, Role.BRANCH_MANAGER),
                                     Scope.BANK),
    O.PARTNER_READ: Rule("See partners, their API clients and consents",
                         _roles(Role.ADMIN, Role.AUDITOR), Scope.BANK),
    O.PARTNER_MANAGE: Rule("Register partners, change them, issue and revoke API clients",
                           _roles(Role.ADMIN), Scope.BANK),
    O.PARTNER_APPROVE: Rule("Approve or refuse a partner another admin registered",
                            _roles(Role.ADMIN), Scope.BANK, four_eyes=FourEyes.NOT_THE_MAKER,
                            checkers=_roles(Role.ADMIN)),
    O.PARTNER_CONSENT_ANSWER: Rule("Approve, refuse or revoke a partner's access to one's own "
                                   "data", NOBODY, Scope.CUSTOMER, customer_self=True),
    O.SEGMENT_READ: Rule("See the saved segments: their conditions and member counts",
                         _roles(Role.ADMIN, Role.MARKETER, Role.BRANCH_MANAGER), Scope.BANK),
    O.SEGMENT_PREVIEW: Rule("Count and list a behaviour segment's members (bank-wide)",
                            _roles(Role.ADMIN, Role.MARKETER), Scope.BANK),
    O.SEGMENT_MANAGE: Rule("Save, change, refresh and delete segments",
                           _roles(Role.ADMIN, Role.MARKETER), Scope.BANK),
    O.SEGMENT_EXPORT: Rule("Export a segment's members as CSV (masked; only the customers in "
                           "one's own scope)",
                           _roles(Role.ADMIN, Role.MARKETER, Role.BRANCH_MANAGER), Scope.CUSTOMER),
    O.PROFILE_READ: Rule("See a customer's 360° profile: products, tags, behaviour",
                         _roles(Role.ADMIN, Role.BRANCH_MANAGER, Role.RM, Role.MARKETER,
                                Role.AUDITOR), Scope.CUSTOMER),
    O.PROFILE_ATTRIBUTE_SET: Rule("Set a customer's declared attribute (another bank's VIP)",
                                  INITIATORS, Scope.CUSTOMER),
    O.PROFILE_REBUILD: Rule("Rebuild every profile and tag (the nightly job, the CLI)", NOBODY,
                            Scope.BANK),
    O.EVENTS_EXPLORE: Rule("Read the event explorer's bank-wide charts",
                           _roles(Role.ADMIN, Role.MARKETER), Scope.BANK),
    O.RISK_ASSESS: Rule("Ask the risk engine for a decision (another system's service "
                        "account)", _roles(Role.RISK_ANALYST, Role.ADMIN), Scope.BANK),
    O.RISK_READ: Rule("See risk decisions, rules, lists, cases and models",
                      _roles(Role.RISK_ANALYST, Role.AUDITOR, Role.BRANCH_MANAGER), Scope.BANK),
    O.RISK_RULES_MANAGE: Rule("Write, backtest and switch risk rules (live, shadow, retired)",
                              _roles(Role.RISK_ANALYST), Scope.BANK),
    O.RISK_LISTS_MANAGE: Rule("Put customers, accounts, payees, devices on the block or allow "
                              "list", _roles(Role.RISK_ANALYST), Scope.BANK),
    O.RISK_CASES_WORK: Rule("Work risk cases: assign, note, mark fraud or not (freezing "
                            "needs account.freeze)", _roles(Role.RISK_ANALYST), Scope.BANK),
    O.RISK_MODELS_MANAGE: Rule("Promote, challenge and roll back fraud models",
                               _roles(Role.RISK_ANALYST), Scope.BANK),
    O.CAMPAIGN_READ: Rule("See campaigns, their audience preview and results",
                          _roles(Role.ADMIN, Role.BRANCH_MANAGER, Role.MARKETER, Role.AUDITOR),
                          Scope.BRANCH),
    O.CAMPAIGN_MANAGE: Rule("Make, clone and change draft campaigns",
                            _roles(Role.MARKETER, Role.BRANCH_MANAGER), Scope.BRANCH),
    O.CAMPAIGN_APPROVE: Rule("Approve a campaign another person made (a marketer: at head "
                             "office)", _roles(Role.BRANCH_MANAGER, Role.MARKETER),
                             Scope.BRANCH, four_eyes=FourEyes.NOT_THE_MAKER,
                             checkers=_roles(Role.BRANCH_MANAGER, Role.MARKETER)),
    O.CAMPAIGN_RUN: Rule("Start, pause, resume and finish an approved campaign",
                         _roles(Role.MARKETER, Role.BRANCH_MANAGER), Scope.BRANCH),
    O.MARKETING_TASK_WORK: Rule("Work call tasks: log outcomes and notes (an RM: their own)",
                                _roles(Role.RM, Role.BRANCH_MANAGER), Scope.OWN),
    O.MARKETING_INBOX_READ: Rule("Read one's own inbox messages (read receipts)", NOBODY,
                                 Scope.CUSTOMER, customer_self=True),
    O.MARKETING_PREFERENCE_SET: Rule("Give or withdraw marketing consent, set do-not-disturb "
                                     "(a customer: their own; staff: as the customer asked)",
                                     INITIATORS, Scope.CUSTOMER, customer_self=True),
}
del O


def rule_of(operation: Operation) -> Rule:
    return PERMISSIONS[operation]


def allows(role: Role | str | None, operation: Operation) -> bool:
    """Whether a staff role may do the operation somewhere (its data scope aside)."""
    return role is not None and role in {r.value for r in PERMISSIONS[operation].roles}


def is_head_office(actor: Actor) -> bool:
    return actor.kind == "system" or (actor.branch_path or "").count("/") <= 2


def scope_path(actor: Actor) -> str | None:
    """The branch-path prefix the actor may see; None means the whole bank."""
    if actor.kind == "system" or is_head_office(actor):
        return None
    return actor.branch_path


def in_branch_scope(actor: Actor, branch_path: str) -> bool:
    """Whether data of the branch at ``branch_path`` lies in the actor's subtree."""
    prefix = scope_path(actor)
    return prefix is None or branch_path.startswith(prefix)


def authorize(actor: Actor, operation: Operation, *, branch_path: str | None = None) -> None:
    """Raise unless the actor may do ``operation`` (on data of the branch at ``branch_path``,
    when given).

    The system may do everything. A customer may do only ``customer_self`` operations (the
    domain then checks the thing is theirs). Staff need one of the operation's roles and, with
    ``branch_path``, that branch in their subtree (``out_of_scope``, 403). Partners act
    through a consenting customer's actor, so a bare partner may do nothing.
    """
    rule = PERMISSIONS[operation]
    if actor.kind == "system":
        return
    if actor.kind == "customer":
        if rule.customer_self:
            return
        raise NotAllowed("this operation is done by bank staff", operation=operation.value)
    if actor.kind != "staff" or not allows(actor.role, operation):
        raise NotAllowed("your role does not allow this action", operation=operation.value)
    if branch_path is not None and not in_branch_scope(actor, branch_path):
        raise OutOfScope("this is outside your branch's data scope", operation=operation.value)


def may(actor: Actor, operation: Operation, *, branch_path: str | None = None) -> bool:
    """:func:`authorize` as a yes/no, for pages that show or hide an action."""
    try:
        authorize(actor, operation, branch_path=branch_path)
    except (NotAllowed, OutOfScope):
        return False
    return True


def may_approve(actor: Actor, operation: Operation) -> bool:
    """Whether the actor's role is among the operation's checkers (scope and "not the
    maker" are checked with the item)."""
    return actor.kind == "staff" and actor.role in {r.value for r in
                                                      PERMISSIONS[operation].checkers}


def markdown_table() -> str:
    """The permission table as docs/security.md shows it (generated, never typed)."""
    roles = list(Role)
    head = ["operation", "what", "scope", *[r.value for r in roles], "customer", "four eyes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for operation, rule in PERMISSIONS.items():
        marks = ["✓" if role in rule.roles else "" for role in roles]
        eyes = (f"{rule.four_eyes.value}: {', '.join(sorted(r.value for r in rule.checkers))}"
                if rule.four_eyes is not FourEyes.NEVER else "")
        cells = [f"`{operation.value}`", rule.summary, rule.scope.value, *marks,
                 "own" if rule.customer_self else "", eyes]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
