"""events_profiles: customer profiles, tags, declared attributes, pending updates and saved
segments with their materialized members

Revision ID: evprofiles
Revises: parthook
Create Date: 2026-12-02 10:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'evprofiles'
down_revision: str | None = 'parthook'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('events_profile',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('primary_rm_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('aum', sa.BigInteger(), nullable=False),
    sa.Column('demand_balance', sa.BigInteger(), nullable=False),
    sa.Column('deposit_balance', sa.BigInteger(), nullable=False),
    sa.Column('wealth_value', sa.BigInteger(), nullable=False),
    sa.Column('loan_outstanding', sa.BigInteger(), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('nearest_maturity', sa.Date(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('events_30d', sa.Integer(), nullable=False),
    sa.Column('app_opens_30d', sa.Integer(), nullable=False),
    sa.Column('outbound_30d', sa.BigInteger(), nullable=False),
    sa.Column('outbound_prior_30d', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_events_profile_customer_id_customer')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_events_profile'))
    )
    with op.batch_alter_table('events_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_profile_primary_rm_id'), ['primary_rm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_profile_branch_id'), ['branch_id'], unique=False)

    op.create_table('events_customer_tag',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_events_customer_tag_customer_id_customer')),
    sa.PrimaryKeyConstraint('customer_id', 'tag', name=op.f('pk_events_customer_tag'))
    )
    with op.batch_alter_table('events_customer_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_customer_tag_tag'), ['tag'], unique=False)

    op.create_table('events_customer_attribute',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_events_customer_attribute_customer_id_customer')),
    sa.PrimaryKeyConstraint('customer_id', 'name', name=op.f('pk_events_customer_attribute'))
    )
    op.create_table('events_profile_pending',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_events_profile_pending'))
    )
    op.create_table('events_segment',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('tree', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events_segment')),
    sa.UniqueConstraint('name', name=op.f('uq_events_segment_name'))
    )
    op.create_table('events_segment_member',
    sa.Column('segment_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_events_segment_member_customer_id_customer')),
    sa.ForeignKeyConstraint(['segment_id'], ['events_segment.id'], name=op.f('fk_events_segment_member_segment_id_events_segment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'customer_id', name=op.f('pk_events_segment_member'))
    )
    with op.batch_alter_table('events_segment_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_segment_member_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('events_segment_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_segment_member_customer_id'))
    op.drop_table('events_segment_member')
    op.drop_table('events_segment')
    op.drop_table('events_profile_pending')
    op.drop_table('events_customer_attribute')
    with op.batch_alter_table('events_customer_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_customer_tag_tag'))
    op.drop_table('events_customer_tag')
    with op.batch_alter_table('events_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_profile_branch_id'))
        batch_op.drop_index(batch_op.f('ix_events_profile_primary_rm_id'))
    op.drop_table('events_profile')
