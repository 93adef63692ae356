"""partners: partner platforms, their API clients and customers' consents (the open API)

Revision ID: partners
Revises: codehead
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'partners'
down_revision: str | None = 'codehead'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('scenario', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('allowed_products', sa.JSON(), nullable=False),
    sa.Column('callback_urls', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_name'))
    )
    op.create_table('partner_client',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False),
    sa.Column('signing_key', sa.Text(), nullable=False),
    sa.Column('allowed_scopes', sa.JSON(), nullable=False),
    sa.Column('ip_allowlist', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_client_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_client')),
    sa.UniqueConstraint('client_id', name=op.f('uq_partner_client_client_id'))
    )
    with op.batch_alter_table('partner_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_client_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_consent',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('redirect_uri', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('answer_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_partner_consent_customer_id_customer')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_consent_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_consent'))
    )
    with op.batch_alter_table('partner_consent', schema=None) as batch_op:
        batch_op.create_index('ix_partner_consent_customer_status', ['customer_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_consent_partner_id'), ['partner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partner_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_consent_partner_id'))
        batch_op.drop_index('ix_partner_consent_customer_status')

    op.drop_table('partner_consent')
    with op.batch_alter_table('partner_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_client_partner_id'))

    op.drop_table('partner_client')
    op.drop_table('partner')
