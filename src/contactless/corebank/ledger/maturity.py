"""The maturity runner: what falls due on a date, processed once however often it runs."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from contactless.corebank.constants import (
    DepositStatus,
    InstalmentStatus,
    LoanStatus,
    ProductStatus,
)
from contactless.corebank.ledger.deposits import DepositOps
from contactless.corebank.ledger.loans import LoanOps
from contactless.corebank.ledger.wealth import WealthOps
from contactless.corebank.models import Loan, LoanInstalment, TimeDeposit, WealthProduct
from contactless.corebank.schemas import MaturedDeposit, MaturityReport
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError

# a runner that missed days catches up; a renewal maturing again within the gap is processed
# in a later round (terms are months long, so a handful of rounds is plenty)
MAX_ROUNDS = 24


class MaturityOps(DepositOps, WealthOps, LoanOps):
    def run_maturities(self, actor: Actor, *, on: date) -> MaturityReport:
        """Settle wealth orders due by ``on``, mature deposits and wealth products due by
        ``on`` (catching up missed days), and collect loan instalments due by ``on``.

        Each item runs in its own savepoint: one that fails is reported and the rest go on.
        Every item is keyed (deposit/holding/instalment id + date), so a second run is a no-op.
        """
        failed: list[str] = []
        wealth = self.settle_wealth_orders(actor, on=on)
        deposits = self._mature_deposits(actor, on, failed)
        products_matured, holdings_paid = self._mature_products(actor, on, failed)
        collected, unpaid = self._collect_instalments(actor, on, failed)
        return MaturityReport(
            on=on,
            deposits=deposits,
            wealth_orders_confirmed=len(wealth.confirmed),
            wealth_orders_settled=wealth.confirmed,
            wealth_orders_waiting_for_nav=wealth.waiting_for_nav,
            wealth_products_matured=products_matured,
            holdings_paid_out=holdings_paid,
            instalments_collected=collected,
            instalments_unpaid=unpaid,
            failed=failed,
        )

    def _mature_deposits(self, actor: Actor, on: date, failed: list[str]
                         ) -> list[MaturedDeposit]:
        done: list[MaturedDeposit] = []
        skip: set[uuid.UUID] = set()
        for _ in range(MAX_ROUNDS):
            due = [
                deposit_id for deposit_id in self.session.scalars(
                    select(TimeDeposit.id)
                    .where(TimeDeposit.status == DepositStatus.ACTIVE.value,
                           TimeDeposit.maturity_date <= on)
                    .order_by(TimeDeposit.maturity_date, TimeDeposit.id)
                )
                if deposit_id not in skip
            ]
            if not due:
                break
            for deposit_id in due:
                try:
                    with self.savepoint():
                        result = self.mature_deposit(actor, deposit_id)
                except ContactlessError as error:
                    failed.append(f"deposit {deposit_id}: {error.code}")
                    skip.add(deposit_id)
                    continue
                if result is None:
                    skip.add(deposit_id)
                    continue
                done.append(MaturedDeposit(
                    deposit_id=deposit_id, instruction=result.instruction,
                    principal=result.principal, interest=result.interest,
                    renewed_deposit_id=result.renewed_deposit_id,
                ))
        return done

    def _mature_products(self, actor: Actor, on: date, failed: list[str]) -> tuple[int, int]:
        products = self.session.scalars(
            select(WealthProduct.id)
            .where(WealthProduct.status == ProductStatus.OPEN.value,
                   WealthProduct.maturity_date <= on)
            .order_by(WealthProduct.maturity_date, WealthProduct.id)
        ).all()
        matured = paid = 0
        for product_id in products:
            try:
                with self.savepoint():
                    holdings = self.mature_product(actor, product_id)
            except ContactlessError as error:
                failed.append(f"wealth product {product_id}: {error.code}")
                continue
            if holdings is not None:
                matured += 1
                paid += holdings
        return matured, paid

    def _collect_instalments(self, actor: Actor, on: date, failed: list[str]
                             ) -> tuple[int, int]:
        loans = self.session.scalars(
            select(Loan.id)
            .join(LoanInstalment, LoanInstalment.loan_id == Loan.id)
            .where(Loan.status == LoanStatus.ACTIVE.value,
                   LoanInstalment.status == InstalmentStatus.DUE.value,
                   LoanInstalment.due_date <= on)
            .group_by(Loan.id)
            .order_by(Loan.id)
        ).all()
        collected = unpaid = 0
        for loan_id in loans:
            while True:
                try:
                    with self.savepoint():
                        outcome = self.collect_instalment(actor, loan_id, on)
                except ContactlessError as error:
                    failed.append(f"loan {loan_id}: {error.code}")
                    break
                if outcome is None:
                    unpaid += 1
                    break
                if outcome is False:
                    break
                collected += 1
        return collected, unpaid


__all__ = ["MaturityOps"]
