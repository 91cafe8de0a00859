"""customer replica follows the registry's profile sequence

customer.profile_sequence holds the sequence of the registry profile applied last (registration 1, each
customer.updated one more); customers registered before hold 1, rows that only hold tier facts hold none.

Revision ID: 3b7f0e2c9a41
Revises: 9d1fbb6cd007
Create Date: 2026-11-26 01:55:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3b7f0e2c9a41'
down_revision: Union[str, Sequence[str], None] = '9d1fbb6cd007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_sequence', sa.BigInteger(), nullable=True))
    op.execute("UPDATE customer SET profile_sequence = 1 WHERE registered_at IS NOT NULL")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('profile_sequence')
