"""Time deposits and large CDs: rates, placing, instructions, early withdrawal, maturity."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from contactless.corebank.constants import (
    CD_MINIMUM,
    DEFAULT_RATE_CURRENCY,
    DEFAULT_RATES,
    DEFAULT_RATES_EFFECTIVE_FROM,
    DEMAND_TERM,
    AccountKind,
    AccountStatus,
    DepositProduct,
    DepositStatus,
    MaturityInstruction,
    RateProduct,
    Term,
)
from contactless.corebank.errors import (
    BelowMinimum,
    CurrencyMismatch,
    DepositNotActive,
    DepositNotFound,
    InstructionLocked,
    InvalidRate,
    InvalidTerm,
    PartialWithdrawalNotAllowed,
    PartialWithdrawalUsed,
    RateNotFound,
    RemainingBelowMinimum,
)
from contactless.corebank.interest import maturity_date, simple_interest
from contactless.corebank.ledger.books import (
    RATE_CACHE,
    RUNNER_SCOPE,
    LedgerBase,
    account_number,
    check_amount,
    credit,
    debit,
)
from contactless.corebank.ledger.present import deposit_interest, deposit_view, money
from contactless.corebank.models import DepositRate, LedgerAccount, TimeDeposit
from contactless.corebank.schemas import (
    DepositSettlement,
    DepositView,
    PartialWithdrawalQuote,
    RateView,
)
from contactless.platform.context import Actor
from contactless.platform.money import Money, check_currency


def parse_term(product: RateProduct, term: str) -> str:
    if product is RateProduct.DEMAND:
        if term != DEMAND_TERM:
            raise InvalidTerm("demand rates have the term {demand_term!r}", demand_term=DEMAND_TERM)
        return term
    try:
        return Term(term).value
    except ValueError:
        raise InvalidTerm("terms are {terms}: not {term!r}",
                          terms=', '.join(t.value for t in Term), term=term) from None


class DepositOps(LedgerBase):
    # -- rates -------------------------------------------------------------------------------

    def current_rate(self, *, product: RateProduct, term: str, currency: str,
                     on: date) -> Decimal:
        """The rate effective on ``on``: the newest table row from that date or before, else
        the built-in CNY defaults (see ``constants.DEFAULT_RATES``)."""
        term = parse_term(product, term)
        cache: dict[tuple[str, str, str, date], Decimal] = self.session.info.setdefault(
            RATE_CACHE, {}
        )
        cache_key = (product.value, term, currency, on)
        if cache_key in cache:
            return cache[cache_key]
        found = self.session.scalar(
            select(DepositRate.annual_rate)
            .where(
                DepositRate.product == product.value,
                DepositRate.term == term,
                DepositRate.currency == currency,
                DepositRate.effective_from <= on,
            )
            .order_by(DepositRate.effective_from.desc())
            .limit(1)
        )
        if found is None:
            if currency != DEFAULT_RATE_CURRENCY or (product, term) not in DEFAULT_RATES:
                raise RateNotFound("no {product} {term} rate in {currency} on {on}",
                                   product=product.value, term=term, currency=currency, on=on)
            found = DEFAULT_RATES[(product, term)]
        cache[cache_key] = found
        return found

    def set_deposit_rate(self, actor: Actor, *, idempotency_key: str, product: RateProduct,
                         term: str, currency: str, annual_rate: Decimal,
                         effective_from: date) -> RateView:
        term = parse_term(product, term)
        check_currency(currency)
        if not Decimal(0) <= annual_rate < Decimal(1):
            raise InvalidRate("a rate is a fraction from 0 to 1 (0.0135 is 1.35%)")
        existing = self.session.scalar(
            select(DepositRate).where(
                DepositRate.product == product.value, DepositRate.term == term,
                DepositRate.currency == currency, DepositRate.effective_from == effective_from,
            )
        )
        if existing is None:
            existing = DepositRate(product=product.value, term=term, currency=currency,
                                   annual_rate=annual_rate, effective_from=effective_from)
            self.session.add(existing)
        else:
            existing.annual_rate = annual_rate
        self.session.info.pop(RATE_CACHE, None)
        return RateView(product=product.value, term=term, currency=currency,
                        annual_rate=annual_rate, effective_from=effective_from)

    def seed_default_rates(self) -> int:
        """Write the built-in CNY rates as table rows (once); returns how many were added."""
        have = set(
            self.session.execute(
                select(DepositRate.product, DepositRate.term).where(
                    DepositRate.currency == DEFAULT_RATE_CURRENCY,
                    DepositRate.effective_from == DEFAULT_RATES_EFFECTIVE_FROM,
                )
            )
        )
        added = 0
        for (product, term), rate in DEFAULT_RATES.items():
            if (product.value, term) in have:
                continue
            self.session.add(DepositRate(
                product=product.value, term=term, currency=DEFAULT_RATE_CURRENCY,
                annual_rate=rate, effective_from=DEFAULT_RATES_EFFECTIVE_FROM,
            ))
            added += 1
        self.session.info.pop(RATE_CACHE, None)
        return added

    # -- placing -----------------------------------------------------------------------------

    def _new_deposit(self, *, product: DepositProduct, term: Term, principal: Decimal,
                     currency: str, customer_id: uuid.UUID, demand_account_id: uuid.UUID,
                     instruction: MaturityInstruction, start: date,
                     renewed_from_id: uuid.UUID | None) -> tuple[TimeDeposit, LedgerAccount]:
        kind = (AccountKind.CERTIFICATE_OF_DEPOSIT if product is DepositProduct.CD
                else AccountKind.TIME_DEPOSIT)
        account_id = uuid.uuid4()
        account = LedgerAccount(
            id=account_id, number=account_number(kind, account_id), kind=kind.value,
            currency=currency, customer_id=customer_id, status=AccountStatus.ACTIVE.value,
            opened_on=start,
        )
        rate = self.current_rate(product=RateProduct(product.value), term=term.value,
                                 currency=currency, on=start)
        deposit = TimeDeposit(
            id=uuid.uuid4(), account_id=account_id, customer_id=customer_id,
            demand_account_id=demand_account_id, product=product.value, term=term.value,
            principal=principal, currency=currency, annual_rate=rate, start_date=start,
            maturity_date=maturity_date(start, term), instruction=instruction.value,
            status=DepositStatus.ACTIVE.value, renewed_from_id=renewed_from_id,
        )
        self.session.add(self.pin(account))
        self.session.add(deposit)
        return deposit, account

    def place_deposit(
        self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
        product: DepositProduct, term: Term, amount: Money,
        instruction: MaturityInstruction = MaturityInstruction.PAYOUT, on: date | None = None,
    ) -> DepositView:
        product, term = DepositProduct(product), Term(term)
        instruction = MaturityInstruction(instruction)
        value = check_amount(amount)
        if product is DepositProduct.CD:
            if amount.currency != DEFAULT_RATE_CURRENCY:
                raise CurrencyMismatch("large certificates of deposit are issued in CNY")
            if value < CD_MINIMUM:
                raise BelowMinimum("a large CD starts at {cd_minimum} CNY", cd_minimum=CD_MINIMUM)
        source = self.lock_accounts([source_account_id])[source_account_id]
        self.require_kind(source, AccountKind.DEMAND)
        check_amount(amount, source.currency)
        self.check_debit(source, value)
        day = self.value_date(on)
        customer_id = source.customer_id
        if customer_id is None:  # demand accounts always belong to a customer
            raise DepositNotFound("the source account has no customer")
        deposit, account = self._new_deposit(
            product=product, term=term, principal=value, currency=source.currency,
            customer_id=customer_id, demand_account_id=source.id,
            instruction=instruction, start=day, renewed_from_id=None,
        )
        self.post(
            actor, kind=f"{product.value}_deposit_placed", value_date=day,
            memo=f"{product.value} {term.value}", idempotency_key=idempotency_key,
            reference=("deposit", deposit.id),
            lines=[debit(source, value), credit(account, value)],
        )
        return deposit_view(deposit)

    # -- changing and closing ---------------------------------------------------------------

    def _active_deposit(self, deposit_id: uuid.UUID) -> TimeDeposit:
        deposit = self.lock_row(TimeDeposit, deposit_id, DepositNotFound)
        if deposit.status != DepositStatus.ACTIVE:
            raise DepositNotActive("deposit {deposit_id} is {state}",
                                   deposit_id=deposit_id, state=deposit.status)
        return deposit

    def change_maturity_instruction(
        self, actor: Actor, *, idempotency_key: str, deposit_id: uuid.UUID,
        instruction: MaturityInstruction, renewal_term: Term | None = None,
        on: date | None = None,
    ) -> DepositView:
        instruction = MaturityInstruction(instruction)
        deposit = self._active_deposit(deposit_id)
        day = self.value_date(on)
        if day >= deposit.maturity_date:
            raise InstructionLocked(
                "the instruction could change until {maturity_date} minus one day",
                maturity_date=deposit.maturity_date
            )
        term = None
        if renewal_term is not None and instruction is not MaturityInstruction.PAYOUT:
            term = Term(renewal_term)
            # the bank must offer the term: its rate is looked up now, and again at maturity
            self.current_rate(product=RateProduct(deposit.product), term=term.value,
                              currency=deposit.currency, on=day)
        deposit.instruction = instruction.value
        deposit.renewal_term = term.value if term is not None and term.value != deposit.term \
            else None
        return deposit_view(deposit)

    def withdraw_deposit_early(self, actor: Actor, *, idempotency_key: str,
                               deposit_id: uuid.UUID, on: date | None = None
                               ) -> DepositSettlement:
        deposit = self._active_deposit(deposit_id)
        day = self.value_date(on)
        if day >= deposit.maturity_date:
            raise DepositNotActive(
                'deposit {deposit_id} has matured; the maturity run pays it', deposit_id=deposit_id
            )
        rate = self.current_rate(product=RateProduct.DEMAND, term=DEMAND_TERM,
                                 currency=deposit.currency, on=day)
        days = max((day - deposit.start_date).days, 0)
        interest = simple_interest(deposit.principal, rate, days)
        expense_id = self.internal_account_id(AccountKind.INTEREST_EXPENSE, deposit.currency)
        accounts = self.lock_accounts([deposit.account_id, deposit.demand_account_id, expense_id])
        held, demand = accounts[deposit.account_id], accounts[deposit.demand_account_id]
        entry = self.post(
            actor, kind="deposit_withdrawn_early", value_date=day,
            memo=f"early withdrawal, {days} days at the demand rate",
            idempotency_key=idempotency_key, reference=("deposit", deposit.id),
            lines=[debit(held, deposit.principal), debit(accounts[expense_id], interest),
                   credit(demand, deposit.principal + interest)],
        )
        deposit.status = DepositStatus.WITHDRAWN.value
        deposit.closed_on = day
        deposit.interest_paid = interest
        held.status = AccountStatus.CLOSED.value
        return DepositSettlement(
            deposit_id=deposit.id, entry_id=entry.id,
            principal=money(deposit.principal, deposit.currency),
            interest=money(interest, deposit.currency), annual_rate_applied=rate, days=days,
            instruction="early_withdrawal",
            paid_to_demand=money(deposit.principal + interest, deposit.currency),
            renewed_deposit_id=None,
        )

    def partial_withdrawal_minimum(self, product: DepositProduct) -> Decimal:
        """What must stay in a deposit after its partial withdrawal (a CD stays a CD)."""
        settings = getattr(self.session.info.get("kernel"), "settings", None)
        minimum = Decimal(getattr(settings, "partial_withdrawal_minimum", Decimal("50.00")))
        return max(minimum, CD_MINIMUM) if product is DepositProduct.CD else minimum

    def partial_withdrawal_allowed(self, product: DepositProduct) -> bool:
        if product is DepositProduct.TIME:
            return True
        settings = getattr(self.session.info.get("kernel"), "settings", None)
        return bool(getattr(settings, "cd_partial_withdrawal", False))

    def _partial_terms(self, deposit: TimeDeposit, value: Decimal, day: date
                       ) -> tuple[Decimal, int, Decimal, Decimal]:
        """(demand rate, days held, interest on the part, what remains), or the refusal."""
        if day >= deposit.maturity_date:
            raise DepositNotActive("deposit {deposit_id} has matured; the maturity run pays it",
                                   deposit_id=deposit.id)
        if deposit.partial_withdrawn is not None:
            raise PartialWithdrawalUsed(
                "deposit {deposit_id} was partly withdrawn on {partial_withdrawn_on}",
                deposit_id=deposit.id, partial_withdrawn_on=deposit.partial_withdrawn_on)
        product = DepositProduct(deposit.product)
        if not self.partial_withdrawal_allowed(product):
            raise PartialWithdrawalNotAllowed("this product allows no partial withdrawal")
        minimum = self.partial_withdrawal_minimum(product)
        remaining = deposit.principal - value
        if remaining < minimum:
            raise RemainingBelowMinimum(
                'at least {minimum} {currency} must stay in the deposit', currency=deposit.currency,
                minimum=str(minimum), remaining=str(max(remaining, Decimal(0))))
        rate = self.current_rate(product=RateProduct.DEMAND, term=DEMAND_TERM,
                                 currency=deposit.currency, on=day)
        days = max((day - deposit.start_date).days, 0)
        return rate, days, simple_interest(value, rate, days), remaining

    def quote_partial_withdrawal(self, *, deposit_id: uuid.UUID, amount: Money,
                                 on: date | None = None) -> PartialWithdrawalQuote:
        """What a partial withdrawal would pay and leave, refused as the real one would be."""
        deposit = self.get_row(TimeDeposit, deposit_id, DepositNotFound)
        if deposit.status != DepositStatus.ACTIVE:
            raise DepositNotActive("deposit {deposit_id} is {state}",
                                   deposit_id=deposit_id, state=deposit.status)
        value = check_amount(amount, deposit.currency)
        day = self.value_date(on)
        rate, days, interest, remaining = self._partial_terms(deposit, value, day)
        at_maturity = simple_interest(remaining, deposit.annual_rate,
                                      (deposit.maturity_date - deposit.start_date).days)
        return PartialWithdrawalQuote(
            deposit_id=deposit.id, amount=money(value, deposit.currency),
            interest=money(interest, deposit.currency), annual_rate_applied=rate, days=days,
            remaining_principal=money(remaining, deposit.currency),
            remaining_interest_at_maturity=money(at_maturity, deposit.currency),
            minimum_remaining=money(self.partial_withdrawal_minimum(
                DepositProduct(deposit.product)), deposit.currency),
        )

    def withdraw_deposit_partially(self, actor: Actor, *, idempotency_key: str,
                                   deposit_id: uuid.UUID, amount: Money,
                                   on: date | None = None) -> DepositSettlement:
        """部分提前支取: ``amount`` comes out at the demand rate for the days held; the rest
        keeps its rate, term and maturity. Once per deposit."""
        deposit = self._active_deposit(deposit_id)
        value = check_amount(amount, deposit.currency)
        day = self.value_date(on)
        rate, days, interest, remaining = self._partial_terms(deposit, value, day)
        expense_id = self.internal_account_id(AccountKind.INTEREST_EXPENSE, deposit.currency)
        accounts = self.lock_accounts([deposit.account_id, deposit.demand_account_id, expense_id])
        held, demand = accounts[deposit.account_id], accounts[deposit.demand_account_id]
        entry = self.post(
            actor, kind="deposit_partially_withdrawn", value_date=day,
            memo=f"partial early withdrawal, {days} days at the demand rate",
            idempotency_key=idempotency_key, reference=("deposit", deposit.id),
            lines=[debit(held, value), debit(accounts[expense_id], interest),
                   credit(demand, value + interest)],
        )
        deposit.principal = remaining
        deposit.partial_withdrawn = value
        deposit.partial_withdrawn_on = day
        deposit.partial_interest = interest
        return DepositSettlement(
            deposit_id=deposit.id, entry_id=entry.id, principal=money(value, deposit.currency),
            interest=money(interest, deposit.currency), annual_rate_applied=rate, days=days,
            instruction="partial_withdrawal",
            paid_to_demand=money(value + interest, deposit.currency), renewed_deposit_id=None,
            remaining_principal=money(remaining, deposit.currency),
        )

    def mature_deposit(self, actor: Actor, deposit_id: uuid.UUID) -> DepositSettlement | None:
        """Pay or renew one deposit at its maturity date per its instruction (转存 or 支取).

        Returns None when the deposit is no longer active (already processed), which makes a
        second run a no-op; the entry's runner key guards the same under concurrency.
        """
        deposit = self.lock_row(TimeDeposit, deposit_id, DepositNotFound)
        if deposit.status != DepositStatus.ACTIVE:
            return None
        day = deposit.maturity_date
        interest = deposit_interest(deposit)
        instruction = MaturityInstruction(deposit.instruction)
        expense_id = self.internal_account_id(AccountKind.INTEREST_EXPENSE, deposit.currency)
        accounts = self.lock_accounts([deposit.account_id, deposit.demand_account_id, expense_id])
        held, demand = accounts[deposit.account_id], accounts[deposit.demand_account_id]
        expense = accounts[expense_id]
        renewed: TimeDeposit | None = None
        lines = [debit(held, deposit.principal), debit(expense, interest)]
        if instruction is MaturityInstruction.PAYOUT:
            lines.append(credit(demand, deposit.principal + interest))
            to_demand = deposit.principal + interest
        else:
            renew_amount = deposit.principal + (
                interest if instruction is MaturityInstruction.RENEW_ALL else Decimal(0)
            )
            to_demand = deposit.principal + interest - renew_amount
            renewed, new_account = self._new_deposit(
                product=DepositProduct(deposit.product),
                term=Term(deposit.renewal_term or deposit.term), principal=renew_amount,
                currency=deposit.currency,
                customer_id=deposit.customer_id, demand_account_id=deposit.demand_account_id,
                instruction=instruction, start=day, renewed_from_id=deposit.id,
            )
            lines += [credit(new_account, renew_amount), credit(demand, to_demand)]
        entry = self.post(
            actor, kind="deposit_matured", value_date=day,
            memo=f"{deposit.product} {deposit.term} matured ({instruction.value})",
            idempotency_key=f"deposit:{deposit.id}:{day.isoformat()}", scope=RUNNER_SCOPE,
            reference=("deposit", deposit.id), lines=lines,
        )
        deposit.status = (DepositStatus.MATURED if renewed is None
                          else DepositStatus.RENEWED).value
        deposit.closed_on = day
        deposit.interest_paid = interest
        held.status = AccountStatus.CLOSED.value
        return DepositSettlement(
            deposit_id=deposit.id, entry_id=entry.id,
            principal=money(deposit.principal, deposit.currency),
            interest=money(interest, deposit.currency), annual_rate_applied=deposit.annual_rate,
            days=(day - deposit.start_date).days, instruction=instruction.value,
            paid_to_demand=money(to_demand, deposit.currency),
            renewed_deposit_id=renewed.id if renewed else None,
        )
