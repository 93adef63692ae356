"""partner_webhooks_hub: webhook endpoints, messages, deliveries and attempts; the service hub

Revision ID: parthook
Revises: staffcard
Create Date: 2026-12-02 10:05:24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'parthook'
down_revision: str | None = 'staffcard'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner_hub_service',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('scenario', sa.String(length=16), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_hub_service_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_hub_service'))
    )
    with op.batch_alter_table('partner_hub_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_hub_service_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_webhook_endpoint',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_webhook_endpoint_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_webhook_endpoint')),
    sa.UniqueConstraint('partner_id', 'url', name=op.f('uq_partner_webhook_endpoint_partner_id_url'))
    )
    with op.batch_alter_table('partner_webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_webhook_endpoint_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_webhook_message',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('source_key', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_webhook_message_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_webhook_message')),
    sa.UniqueConstraint('partner_id', 'source_key', name=op.f('uq_partner_webhook_message_partner_id_source_key'))
    )
    with op.batch_alter_table('partner_webhook_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_webhook_message_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_webhook_delivery',
    sa.Column('message_id', sa.String(length=40), nullable=False),
    sa.Column('endpoint_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('give_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['partner_webhook_endpoint.id'], name=op.f('fk_partner_webhook_delivery_endpoint_id_partner_webhook_endpoint')),
    sa.ForeignKeyConstraint(['message_id'], ['partner_webhook_message.id'], name=op.f('fk_partner_webhook_delivery_message_id_partner_webhook_message')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_webhook_delivery_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_webhook_delivery')),
    sa.UniqueConstraint('message_id', 'endpoint_id', name=op.f('uq_partner_webhook_delivery_message_id_endpoint_id'))
    )
    with op.batch_alter_table('partner_webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_partner_webhook_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_webhook_delivery_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_webhook_delivery_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_webhook_attempt',
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['partner_webhook_delivery.id'], name=op.f('fk_partner_webhook_attempt_delivery_id_partner_webhook_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_webhook_attempt'))
    )
    with op.batch_alter_table('partner_webhook_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_webhook_attempt_delivery_id'), ['delivery_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partner_webhook_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_webhook_attempt_delivery_id'))

    op.drop_table('partner_webhook_attempt')
    with op.batch_alter_table('partner_webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_webhook_delivery_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_webhook_delivery_endpoint_id'))
        batch_op.drop_index('ix_partner_webhook_delivery_due')

    op.drop_table('partner_webhook_delivery')
    with op.batch_alter_table('partner_webhook_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_webhook_message_partner_id'))

    op.drop_table('partner_webhook_message')
    with op.batch_alter_table('partner_webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_webhook_endpoint_partner_id'))

    op.drop_table('partner_webhook_endpoint')
    with op.batch_alter_table('partner_hub_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_hub_service_partner_id'))

    op.drop_table('partner_hub_service')
