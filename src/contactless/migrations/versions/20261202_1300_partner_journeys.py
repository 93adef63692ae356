"""partner_journeys: journeys a partner starts for its consenting customers, the partner's
logo on them, and partners' idempotent requests

Revision ID: partjrny
Revises: eventalias
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'partjrny'
down_revision: str | None = 'eventalias'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('journey_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_partner_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_journey_instance_source_partner_id'),
                              ['source_partner_id'], unique=False)
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo', sa.Text(), nullable=True))
    op.create_table('partner_journey',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('journey_id', sa.Uuid(), nullable=False),
    sa.Column('journey_key', sa.String(length=64), nullable=False),
    sa.Column('channel_code', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['partner_consent.id'], name=op.f('fk_partner_journey_consent_id_partner_consent')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_partner_journey_customer_id_customer')),
    sa.ForeignKeyConstraint(['journey_id'], ['journey_instance.id'], name=op.f('fk_partner_journey_journey_id_journey_instance')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_journey_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_journey')),
    sa.UniqueConstraint('journey_id', name=op.f('uq_partner_journey_journey_id'))
    )
    with op.batch_alter_table('partner_journey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_journey_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_journey_partner_id'), ['partner_id'], unique=False)
    op.create_table('partner_request',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('endpoint', sa.String(length=120), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_request_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_request')),
    sa.UniqueConstraint('partner_id', 'idempotency_key', name=op.f('uq_partner_request_partner_id_idempotency_key'))
    )


def downgrade() -> None:
    op.drop_table('partner_request')
    with op.batch_alter_table('partner_journey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_journey_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_journey_consent_id'))
    op.drop_table('partner_journey')
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.drop_column('logo')
    with op.batch_alter_table('journey_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_instance_source_partner_id'))
        batch_op.drop_column('source_partner_id')
