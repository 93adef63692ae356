"""approvals: operations waiting for a second person (four eyes)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('approval_request',
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('target_type', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('branch_path', sa.String(length=512), nullable=False),
    sa.Column('maker_id', sa.String(length=64), nullable=False),
    sa.Column('maker_name', sa.String(length=128), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checker_id', sa.String(length=64), nullable=True),
    sa.Column('checker_name', sa.String(length=128), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_request')),
    sa.UniqueConstraint('maker_id', 'operation', 'idempotency_key',
                        name=op.f('uq_approval_request_maker_id_operation_idempotency_key')),
    )
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.create_index('ix_approval_request_status_branch', ['status', 'branch_path'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_approval_request_target_id'), ['target_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_request_target_id'))
        batch_op.drop_index('ix_approval_request_status_branch')
    op.drop_table('approval_request')
