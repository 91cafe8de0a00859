"""staff replica follows changes and leaving

Revision ID: 8c47e6c1dd08
Revises: 9664137e39e2
Create Date: 2026-12-04 21:17:24.424609

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '8c47e6c1dd08'
down_revision: Union[str, Sequence[str], None] = '9664137e39e2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('staff', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('staff', sa.Column('sequence', sa.BigInteger(), server_default='1', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('sequence')
        batch_op.drop_column('active')
