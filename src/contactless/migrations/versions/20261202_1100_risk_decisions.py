"""risk: decisions, analysts' rules (versioned), block and allow lists, cases and notes

Revision ID: riskengine
Revises: partjrny
Create Date: 2026-12-02 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'riskengine'
down_revision: str | None = 'partjrny'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'risk_decision',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('customer_id', sa.Uuid(), nullable=True),
        sa.Column('payee', sa.String(length=80), nullable=True),
        sa.Column('device', sa.String(length=80), nullable=True),
        sa.Column('amount', sa.String(length=32), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('mode', sa.String(length=24), nullable=False),
        sa.Column('model_version', sa.String(length=40), nullable=True),
        sa.Column('rules', sa.JSON(), nullable=False),
        sa.Column('shadow_rules', sa.JSON(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('contributions', sa.JSON(), nullable=False),
        sa.Column('features', sa.JSON(), nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('actor_kind', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=16), nullable=True),
        sa.Column('labelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_risk_decision_at', 'risk_decision', ['at'])
    op.create_index('ix_risk_decision_customer', 'risk_decision', ['customer_id', 'at'])
    op.create_table(
        'risk_rule',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('description', sa.String(length=300), nullable=False),
        sa.Column('condition', sa.JSON(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'version', name='uq_risk_rule_version'),
    )
    op.create_table(
        'risk_list_entry',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('list', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=80), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_risk_list_subject', 'risk_list_entry', ['subject', 'value'])
    op.create_table(
        'risk_case',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decision_id', sa.Uuid(), nullable=False),
        sa.Column('customer_id', sa.Uuid(), nullable=True),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('assignee_id', sa.String(length=64), nullable=True),
        sa.Column('verdict', sa.String(length=16), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by', sa.String(length=64), nullable=True),
        sa.Column('frozen_account_id', sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('decision_id'),
    )
    op.create_index('ix_risk_case_status', 'risk_case', ['status', 'created_at'])
    op.create_table(
        'risk_case_note',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('author_id', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_risk_case_note_case_id', 'risk_case_note', ['case_id'])


def downgrade() -> None:
    op.drop_index('ix_risk_case_note_case_id', table_name='risk_case_note')
    op.drop_table('risk_case_note')
    op.drop_index('ix_risk_case_status', table_name='risk_case')
    op.drop_table('risk_case')
    op.drop_index('ix_risk_list_subject', table_name='risk_list_entry')
    op.drop_table('risk_list_entry')
    op.drop_table('risk_rule')
    op.drop_index('ix_risk_decision_customer', table_name='risk_decision')
    op.drop_index('ix_risk_decision_at', table_name='risk_decision')
    op.drop_table('risk_decision')
