"""corebank_go_live: interest settlement, partial withdrawal, account closing, day close

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('corebank_interest_run',
    sa.Column('settlement_date', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('credit_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('accounts_settled', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_interest_run')),
    sa.UniqueConstraint('settlement_date', name=op.f('uq_corebank_interest_run_settlement_date'))
    )
    op.create_table('corebank_interest_settlement',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('accrued_from', sa.Date(), nullable=False),
    sa.Column('accrued_to', sa.Date(), nullable=False),
    sa.Column('balance_days', sa.String(length=40), nullable=False),
    sa.Column('interest', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['corebank_account.id'], name=op.f('fk_corebank_interest_settlement_account_id_corebank_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['corebank_entry.id'], name=op.f('fk_corebank_interest_settlement_entry_id_corebank_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_interest_settlement')),
    sa.UniqueConstraint('account_id', 'period_end', name=op.f('uq_corebank_interest_settlement_account_id_period_end'))
    )
    with op.batch_alter_table('corebank_interest_settlement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corebank_interest_settlement_period_end'), ['period_end'], unique=False)

    op.create_table('corebank_business_day',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('closed_by', sa.String(length=100), nullable=False),
    sa.Column('trial_balance', sa.Text(), nullable=False),
    sa.Column('balanced', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_business_day')),
    sa.UniqueConstraint('business_date', name=op.f('uq_corebank_business_day_business_date'))
    )
    op.create_table('corebank_gl_line',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('gl_code', sa.String(length=16), nullable=False),
    sa.Column('account_kind', sa.String(length=32), nullable=False),
    sa.Column('opening', sa.BigInteger(), nullable=False),
    sa.Column('debits', sa.BigInteger(), nullable=False),
    sa.Column('credits', sa.BigInteger(), nullable=False),
    sa.Column('closing', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corebank_gl_line')),
    sa.UniqueConstraint('business_date', 'currency', 'gl_code', name=op.f('uq_corebank_gl_line_business_date_currency_gl_code'))
    )
    with op.batch_alter_table('corebank_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
    with op.batch_alter_table('corebank_deposit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partial_withdrawn', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('partial_withdrawn_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('partial_interest', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('corebank_deposit', schema=None) as batch_op:
        batch_op.drop_column('partial_interest')
        batch_op.drop_column('partial_withdrawn_on')
        batch_op.drop_column('partial_withdrawn')
    with op.batch_alter_table('corebank_account', schema=None) as batch_op:
        batch_op.drop_column('closed_on')
    op.drop_table('corebank_gl_line')
    op.drop_table('corebank_business_day')
    with op.batch_alter_table('corebank_interest_settlement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corebank_interest_settlement_period_end'))
    op.drop_table('corebank_interest_settlement')
    op.drop_table('corebank_interest_run')
