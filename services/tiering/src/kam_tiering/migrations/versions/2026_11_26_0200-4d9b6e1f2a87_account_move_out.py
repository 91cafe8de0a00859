"""account move-out: an account_link row without a customer

billing_account.closed is kept as an account_link row whose customer_id is null: from its effective date the
account is held by nobody until the next link.

Revision ID: 4d9b6e1f2a87
Revises: 7c4e2a9f5d13
Create Date: 2026-11-26 02:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '4d9b6e1f2a87'
down_revision: Union[str, Sequence[str], None] = '7c4e2a9f5d13'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.alter_column('customer_id', existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    """Downgrade schema."""
    # A move-out cannot be told without a null customer: they are dropped, the account stays with its holder.
    op.execute("DELETE FROM account_link WHERE customer_id IS NULL")
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.alter_column('customer_id', existing_type=sa.String(length=36), nullable=False)
