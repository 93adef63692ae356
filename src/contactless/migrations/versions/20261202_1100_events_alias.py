"""events_alias: anonymous ids linked to the customer who signed in with them; a customer's
answer to behaviour analytics

Revision ID: eventalias
Revises: evprofiles
Create Date: 2026-12-02 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'eventalias'
down_revision: str | None = 'evprofiles'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'events_alias',
        sa.Column('anonymous_id', sa.String(length=64), nullable=False),
        sa.Column('customer_id', sa.Uuid(), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_events_alias_customer_id_customer')),
        sa.PrimaryKeyConstraint('anonymous_id', name=op.f('pk_events_alias')),
    )
    with op.batch_alter_table('events_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_alias_customer_id'), ['customer_id'],
                              unique=False)
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analytics_consent', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('analytics_consent_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('analytics_consent_at')
        batch_op.drop_column('analytics_consent')
    with op.batch_alter_table('events_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_alias_customer_id'))
    op.drop_table('events_alias')
