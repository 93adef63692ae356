"""code_headline: a code's customer-facing headline, apart from its owners' internal label

Revision ID: codehead
Revises: 0009
Create Date: 2026-12-02 06:45:00

``title`` stays what the RM calls the code; posters and landing pages print ``headline`` (or
the journey's own name), never the internal label.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'codehead'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('qr_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headline', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('qr_code', schema=None) as batch_op:
        batch_op.drop_column('headline')
