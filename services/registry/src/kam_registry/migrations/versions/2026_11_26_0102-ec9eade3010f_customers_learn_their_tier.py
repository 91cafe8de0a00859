"""customers learn their tier

Revision ID: ec9eade3010f
Revises: 05c88739f4b7
Create Date: 2026-11-26 01:02:10.684189

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'ec9eade3010f'
down_revision: Union[str, Sequence[str], None] = '05c88739f4b7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Plain ADD COLUMN, not batch mode: SQLite can add a NOT NULL column with a default in place, while a batch
    # copy would drop the customer table under the billing accounts that reference it.
    op.add_column('customer', sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), server_default=sa.text("'standard'"), nullable=False))
    op.add_column('customer', sa.Column('tier_sequence', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('customer', 'tier_sequence')
    op.drop_column('customer', 'tier')
