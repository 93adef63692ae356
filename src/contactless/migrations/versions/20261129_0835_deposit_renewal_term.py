"""deposit_renewal_term: a renewal at maturity may go into another term

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 08:35:26.062405
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('corebank_deposit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal_term', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('corebank_deposit', schema=None) as batch_op:
        batch_op.drop_column('renewal_term')
