"""staff_contact_card: an RM's work phone and WeCom contact link, shown on their card

Revision ID: staffcard
Revises: partidem
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'staffcard'
down_revision: str | None = 'partidem'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('wecom_url', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('wecom_url')
        batch_op.drop_column('work_phone')
