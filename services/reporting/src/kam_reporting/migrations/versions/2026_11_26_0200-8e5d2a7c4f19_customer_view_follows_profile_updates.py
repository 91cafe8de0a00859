"""customer view follows the registry's profile updates

customer_view keeps the important and potential flags and the registry's profile sequence
(profile_sequence: registration 1, each customer.updated one more). Customers registered before hold 1;
rows that only hold tiering's figures hold none.

Revision ID: 8e5d2a7c4f19
Revises: 426a09cf945c
Create Date: 2026-11-26 02:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8e5d2a7c4f19'
down_revision: Union[str, Sequence[str], None] = '426a09cf945c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('customer_view', schema=None) as batch_op:
        batch_op.add_column(sa.Column('important', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('potential', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('profile_sequence', sa.BigInteger(), nullable=True))
    op.execute("UPDATE customer_view SET profile_sequence = 1 WHERE registered_at IS NOT NULL")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('customer_view', schema=None) as batch_op:
        batch_op.drop_column('profile_sequence')
        batch_op.drop_column('potential')
        batch_op.drop_column('important')
