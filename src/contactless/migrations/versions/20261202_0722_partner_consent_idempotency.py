"""partner_consent_idempotency: a partner's retried consent request gets the first consent

Revision ID: partidem
Revises: auditseal
Create Date: 2026-12-02 07:22:24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'partidem'
down_revision: str | None = 'auditseal'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('partner_consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_partner_consent_partner_id_idempotency_key'), ['partner_id', 'idempotency_key'])


def downgrade() -> None:
    with op.batch_alter_table('partner_consent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_partner_consent_partner_id_idempotency_key'), type_='unique')
        batch_op.drop_column('request_digest')
        batch_op.drop_column('idempotency_key')
