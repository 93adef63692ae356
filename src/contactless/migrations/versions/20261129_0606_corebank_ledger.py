"""corebank_ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:06:05.279451
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('corebank_entry',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('idempotency_scope', sa.String(length=100), nullable=True),
    sa.Column('idempotency_key', sa.String(length=160), nullable=True),
    sa.Column('reference_type', sa.String(length=32), nullable=True),
    sa.Column('reference_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_entry')),
    sa.UniqueConstraint('idempotency_scope', 'idempotency_key', name=op.f('uq_corebank_entry_idempotency_scope_idempotency_key'))
    )
    with op.batch_alter_table('corebank_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_entry_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_entry_reference_id'), ['reference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_entry_value_date'), ['value_date'], unique=False)

    op.create_table('corebank_rate',
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('term', sa.String(length=8), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('annual_rate', sa.String(length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_rate')),
    sa.UniqueConstraint('product', 'term', 'currency', 'effective_from', name=op.f('uq_corebank_rate_product_term_currency_effective_from'))
    )
    op.create_table('corebank_request',
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_request')),
    sa.UniqueConstraint('scope', 'key', name=op.f('uq_corebank_request_scope_key'))
    )
    op.create_table('corebank_wealth_product',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('risk_level', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('min_purchase', sa.BigInteger(), nullable=False),
    sa.Column('maturity_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_wealth_product')),
    sa.UniqueConstraint('code', name=op.f('uq_corebank_wealth_product_code'))
    )
    with op.batch_alter_table('corebank_wealth_product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_wealth_product_maturity_date'), ['maturity_date'], unique=False)

    op.create_table('corebank_wealth_nav',
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('nav_date', sa.Date(), nullable=False),
    sa.Column('nav', sa.String(length=40), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['corebank_wealth_product.id'], name=op.f('fk_corebank_wealth_nav_product_id_corebank_wealth_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_wealth_nav')),
    sa.UniqueConstraint('product_id', 'nav_date', name=op.f('uq_corebank_wealth_nav_product_id_nav_date'))
    )
    op.create_table('corebank_account',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('account_class', sa.Integer(), nullable=True),
    sa.Column('bound_account_id', sa.Uuid(), nullable=True),
    sa.Column('bound_external_account', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('posting_count', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('frozen_reason', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bound_account_id'], ['corebank_account.id'], name=op.f('fk_corebank_account_bound_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_corebank_account_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_account')),
    sa.UniqueConstraint('number', name=op.f('uq_corebank_account_number'))
    )
    with op.batch_alter_table('corebank_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_account_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_account_kind'), ['kind'], unique=False)

    op.create_table('corebank_deposit',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('demand_account_id', sa.Uuid(), nullable=False),
    sa.Column('product', sa.String(length=8), nullable=False),
    sa.Column('term', sa.String(length=8), nullable=False),
    sa.Column('principal', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('annual_rate', sa.String(length=40), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('maturity_date', sa.Date(), nullable=False),
    sa.Column('instruction', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('renewed_from_id', sa.Uuid(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('interest_paid', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['corebank_account.id'], name=op.f('fk_corebank_deposit_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_corebank_deposit_customer_id_customer')),
    sa.ForeignKeyConstraint(['demand_account_id'], ['corebank_account.id'], name=op.f('fk_corebank_deposit_demand_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['renewed_from_id'], ['corebank_deposit.id'], name=op.f('fk_corebank_deposit_renewed_from_id_corebank_deposit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_deposit')),
    sa.UniqueConstraint('account_id', name=op.f('uq_corebank_deposit_account_id'))
    )
    with op.batch_alter_table('corebank_deposit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_deposit_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_deposit_maturity_date'), ['maturity_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_deposit_status'), ['status'], unique=False)

    op.create_table('corebank_holding',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('demand_account_id', sa.Uuid(), nullable=False),
    sa.Column('units', sa.String(length=40), nullable=False),
    sa.Column('units_redeeming', sa.String(length=40), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_corebank_holding_customer_id_customer')),
    sa.ForeignKeyConstraint(['demand_account_id'], ['corebank_account.id'], name=op.f('fk_corebank_holding_demand_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['product_id'], ['corebank_wealth_product.id'], name=op.f('fk_corebank_holding_product_id_corebank_wealth_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_holding')),
    sa.UniqueConstraint('customer_id', 'product_id', 'demand_account_id', name=op.f('uq_corebank_holding_customer_id_product_id_demand_account_id'))
    )
    with op.batch_alter_table('corebank_holding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_holding_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_holding_product_id'), ['product_id'], unique=False)

    op.create_table('corebank_loan',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('demand_account_id', sa.Uuid(), nullable=False),
    sa.Column('principal', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('annual_rate', sa.String(length=40), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('disbursed_on', sa.Date(), nullable=True),
    sa.Column('deferred_months', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['corebank_account.id'], name=op.f('fk_corebank_loan_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_corebank_loan_customer_id_customer')),
    sa.ForeignKeyConstraint(['demand_account_id'], ['corebank_account.id'], name=op.f('fk_corebank_loan_demand_account_id_corebank_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_loan')),
    sa.UniqueConstraint('account_id', name=op.f('uq_corebank_loan_account_id'))
    )
    with op.batch_alter_table('corebank_loan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_loan_customer_id'), ['customer_id'], unique=False)

    op.create_table('corebank_outbound',
    sa.Column('source_account_id', sa.Uuid(), nullable=False),
    sa.Column('bank_code', sa.String(length=16), nullable=False),
    sa.Column('external_account', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('return_entry_id', sa.Uuid(), nullable=True),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('return_reason', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['corebank_entry.id'], name=op.f('fk_corebank_outbound_entry_id_corebank_entry')),
    sa.ForeignKeyConstraint(['return_entry_id'], ['corebank_entry.id'], name=op.f('fk_corebank_outbound_return_entry_id_corebank_entry')),
    sa.ForeignKeyConstraint(['source_account_id'], ['corebank_account.id'], name=op.f('fk_corebank_outbound_source_account_id_corebank_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_outbound'))
    )
    with op.batch_alter_table('corebank_outbound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_outbound_source_account_id'), ['source_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_outbound_status'), ['status'], unique=False)

    op.create_table('corebank_posting',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('limit_direction', sa.String(length=3), nullable=True),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_corebank_posting_nonzero')),
    sa.ForeignKeyConstraint(['account_id'], ['corebank_account.id'], name=op.f('fk_corebank_posting_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['corebank_entry.id'], name=op.f('fk_corebank_posting_entry_id_corebank_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_posting')),
    sa.UniqueConstraint('account_id', 'seq', name=op.f('uq_corebank_posting_account_id_seq'))
    )
    with op.batch_alter_table('corebank_posting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_posting_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_corebank_posting_limit', ['account_id', 'limit_direction', 'value_date'], unique=False)

    op.create_table('corebank_instalment',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('principal', sa.BigInteger(), nullable=False),
    sa.Column('interest', sa.BigInteger(), nullable=False),
    sa.Column('deferred_interest', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['corebank_entry.id'], name=op.f('fk_corebank_instalment_entry_id_corebank_entry')),
    sa.ForeignKeyConstraint(['loan_id'], ['corebank_loan.id'], name=op.f('fk_corebank_instalment_loan_id_corebank_loan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_instalment')),
    sa.UniqueConstraint('loan_id', 'number', name=op.f('uq_corebank_instalment_loan_id_number'))
    )
    with op.batch_alter_table('corebank_instalment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_instalment_due_date'), ['due_date'], unique=False)

    op.create_table('corebank_wealth_order',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('holding_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('demand_account_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('units', sa.String(length=40), nullable=True),
    sa.Column('nav', sa.String(length=40), nullable=True),
    sa.Column('trade_date', sa.Date(), nullable=False),
    sa.Column('settle_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_corebank_wealth_order_customer_id_customer')),
    sa.ForeignKeyConstraint(['demand_account_id'], ['corebank_account.id'], name=op.f('fk_corebank_wealth_order_demand_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['corebank_entry.id'], name=op.f('fk_corebank_wealth_order_entry_id_corebank_entry')),
    sa.ForeignKeyConstraint(['holding_id'], ['corebank_holding.id'], name=op.f('fk_corebank_wealth_order_holding_id_corebank_holding')),
    sa.ForeignKeyConstraint(['product_id'], ['corebank_wealth_product.id'], name=op.f('fk_corebank_wealth_order_product_id_corebank_wealth_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_wealth_order'))
    )
    with op.batch_alter_table('corebank_wealth_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_wealth_order_holding_id'), ['holding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_wealth_order_settle_date'), ['settle_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_corebank_wealth_order_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('corebank_wealth_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_wealth_order_status'))
        batch_op.drop_index(batch_op.f('ix_corebank_wealth_order_settle_date'))
        batch_op.drop_index(batch_op.f('ix_corebank_wealth_order_holding_id'))

    op.drop_table('corebank_wealth_order')
    with op.batch_alter_table('corebank_instalment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_instalment_due_date'))

    op.drop_table('corebank_instalment')
    with op.batch_alter_table('corebank_posting', schema=None) as batch_op:
        batch_op.drop_index('ix_corebank_posting_limit')
        batch_op.drop_index(batch_op.f('ix_corebank_posting_entry_id'))

    op.drop_table('corebank_posting')
    with op.batch_alter_table('corebank_outbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_outbound_status'))
        batch_op.drop_index(batch_op.f('ix_corebank_outbound_source_account_id'))

    op.drop_table('corebank_outbound')
    with op.batch_alter_table('corebank_loan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_loan_customer_id'))

    op.drop_table('corebank_loan')
    with op.batch_alter_table('corebank_holding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_holding_product_id'))
        batch_op.drop_index(batch_op.f('ix_corebank_holding_customer_id'))

    op.drop_table('corebank_holding')
    with op.batch_alter_table('corebank_deposit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_deposit_status'))
        batch_op.drop_index(batch_op.f('ix_corebank_deposit_maturity_date'))
        batch_op.drop_index(batch_op.f('ix_corebank_deposit_customer_id'))

    op.drop_table('corebank_deposit')
    with op.batch_alter_table('corebank_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_account_kind'))
        batch_op.drop_index(batch_op.f('ix_corebank_account_customer_id'))

    op.drop_table('corebank_account')
    op.drop_table('corebank_wealth_nav')
    with op.batch_alter_table('corebank_wealth_product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_wealth_product_maturity_date'))

    op.drop_table('corebank_wealth_product')
    op.drop_table('corebank_request')
    op.drop_table('corebank_rate')
    with op.batch_alter_table('corebank_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_entry_value_date'))
        batch_op.drop_index(batch_op.f('ix_corebank_entry_reference_id'))
        batch_op.drop_index(batch_op.f('ix_corebank_entry_kind'))

    op.drop_table('corebank_entry')
