"""outreach

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:12:48.786592
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outreach_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attribution_window_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_policy'))
    )
    op.create_table('qr_signing_key',
    sa.Column('kid', sa.String(length=8), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_qr_signing_key'))
    )
    op.create_table('qr_code',
    sa.Column('short_code', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('enterprise_id', sa.Uuid(), nullable=True),
    sa.Column('roster_restricted', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('max_scans', sa.Integer(), nullable=True),
    sa.Column('limited_scan_count', sa.Integer(), nullable=False),
    sa.Column('per_customer_limit', sa.Integer(), nullable=True),
    sa.Column('bind_on_first_scan', sa.Boolean(), nullable=False),
    sa.Column('bound_customer_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('branch_path', sa.String(length=512), nullable=False),
    sa.Column('progress_version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bound_customer_id'], ['customer.id'], name=op.f('fk_qr_code_bound_customer_id_customer')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], name=op.f('fk_qr_code_created_by_staff_user')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_qr_code_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['parent_id'], ['qr_code.id'], name=op.f('fk_qr_code_parent_id_qr_code')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_code')),
    sa.UniqueConstraint('short_code', name=op.f('uq_qr_code_short_code'))
    )
    with op.batch_alter_table('qr_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_code_branch_path'), ['branch_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_code_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_code_created_by'), ['created_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_code_parent_id'), ['parent_id'], unique=False)

    op.create_table('qr_code_owner',
    sa.Column('code_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('share', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invited_by', sa.Uuid(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['qr_code.id'], name=op.f('fk_qr_code_owner_code_id_qr_code')),
    sa.ForeignKeyConstraint(['invited_by'], ['staff_user.id'], name=op.f('fk_qr_code_owner_invited_by_staff_user')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_qr_code_owner_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_code_owner')),
    sa.UniqueConstraint('code_id', 'staff_id', name=op.f('uq_qr_code_owner_code_id_staff_id'))
    )
    with op.batch_alter_table('qr_code_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_code_owner_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_code_owner_staff_id'), ['staff_id'], unique=False)

    op.create_table('qr_journey',
    sa.Column('journey_id', sa.String(length=64), nullable=False),
    sa.Column('code_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('journey_key', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['qr_code.id'], name=op.f('fk_qr_journey_code_id_qr_code')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_qr_journey_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_journey')),
    sa.UniqueConstraint('journey_id', name=op.f('uq_qr_journey_journey_id'))
    )
    with op.batch_alter_table('qr_journey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_journey_code_id'), ['code_id'], unique=False)

    op.create_table('qr_roster_member',
    sa.Column('code_id', sa.Uuid(), nullable=False),
    sa.Column('name_encrypted', sa.Text(), nullable=False),
    sa.Column('mobile_encrypted', sa.Text(), nullable=True),
    sa.Column('mobile_index', sa.String(length=64), nullable=True),
    sa.Column('id_number_index', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('personal_code_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['qr_code.id'], name=op.f('fk_qr_roster_member_code_id_qr_code')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_qr_roster_member_customer_id_customer')),
    sa.ForeignKeyConstraint(['personal_code_id'], ['qr_code.id'], name=op.f('fk_qr_roster_member_personal_code_id_qr_code')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_roster_member')),
    sa.UniqueConstraint('code_id', 'mobile_index', name=op.f('uq_qr_roster_member_code_id_mobile_index'))
    )
    with op.batch_alter_table('qr_roster_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_roster_member_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_roster_member_id_number_index'), ['id_number_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_roster_member_mobile_index'), ['mobile_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_roster_member_personal_code_id'), ['personal_code_id'], unique=False)

    op.create_table('qr_scan',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code_id', sa.Uuid(), nullable=True),
    sa.Column('token', sa.String(length=80), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_id', sa.String(length=48), nullable=False),
    sa.Column('user_agent', sa.String(length=256), nullable=False),
    sa.Column('ip_prefix', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('identified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=48), nullable=True),
    sa.ForeignKeyConstraint(['code_id'], ['qr_code.id'], name=op.f('fk_qr_scan_code_id_qr_code')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_qr_scan_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_scan'))
    )
    with op.batch_alter_table('qr_scan', schema=None) as batch_op:
        batch_op.create_index('ix_qr_scan_code_time', ['code_id', 'scanned_at'], unique=False)
        batch_op.create_index('ix_qr_scan_customer_time', ['customer_id', 'scanned_at'], unique=False)
        batch_op.create_index('ix_qr_scan_device_time', ['device_id', 'scanned_at'], unique=False)

    op.create_table('qr_conversion',
    sa.Column('journey_id', sa.String(length=64), nullable=False),
    sa.Column('code_id', sa.Uuid(), nullable=False),
    sa.Column('scan_id', sa.Uuid(), nullable=True),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['qr_code.id'], name=op.f('fk_qr_conversion_code_id_qr_code')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_qr_conversion_customer_id_customer')),
    sa.ForeignKeyConstraint(['scan_id'], ['qr_scan.id'], name=op.f('fk_qr_conversion_scan_id_qr_scan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_conversion')),
    sa.UniqueConstraint('journey_id', name=op.f('uq_qr_conversion_journey_id'))
    )
    with op.batch_alter_table('qr_conversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_conversion_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_conversion_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_conversion_customer_id'), ['customer_id'], unique=False)

    op.create_table('qr_credit',
    sa.Column('conversion_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('share', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['conversion_id'], ['qr_conversion.id'], name=op.f('fk_qr_credit_conversion_id_qr_conversion')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_qr_credit_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_credit')),
    sa.UniqueConstraint('conversion_id', 'staff_id', name=op.f('uq_qr_credit_conversion_id_staff_id'))
    )
    with op.batch_alter_table('qr_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_credit_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_credit_staff_id'), ['staff_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('qr_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_credit_staff_id'))
        batch_op.drop_index(batch_op.f('ix_qr_credit_completed_at'))

    op.drop_table('qr_credit')
    with op.batch_alter_table('qr_conversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_conversion_customer_id'))
        batch_op.drop_index(batch_op.f('ix_qr_conversion_completed_at'))
        batch_op.drop_index(batch_op.f('ix_qr_conversion_code_id'))

    op.drop_table('qr_conversion')
    with op.batch_alter_table('qr_scan', schema=None) as batch_op:
        batch_op.drop_index('ix_qr_scan_device_time')
        batch_op.drop_index('ix_qr_scan_customer_time')
        batch_op.drop_index('ix_qr_scan_code_time')

    op.drop_table('qr_scan')
    with op.batch_alter_table('qr_roster_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_roster_member_personal_code_id'))
        batch_op.drop_index(batch_op.f('ix_qr_roster_member_mobile_index'))
        batch_op.drop_index(batch_op.f('ix_qr_roster_member_id_number_index'))
        batch_op.drop_index(batch_op.f('ix_qr_roster_member_code_id'))

    op.drop_table('qr_roster_member')
    with op.batch_alter_table('qr_journey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_journey_code_id'))

    op.drop_table('qr_journey')
    with op.batch_alter_table('qr_code_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_code_owner_staff_id'))
        batch_op.drop_index(batch_op.f('ix_qr_code_owner_code_id'))

    op.drop_table('qr_code_owner')
    with op.batch_alter_table('qr_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_code_parent_id'))
        batch_op.drop_index(batch_op.f('ix_qr_code_created_by'))
        batch_op.drop_index(batch_op.f('ix_qr_code_channel'))
        batch_op.drop_index(batch_op.f('ix_qr_code_branch_path'))

    op.drop_table('qr_code')
    op.drop_table('qr_signing_key')
    op.drop_table('outreach_policy')
