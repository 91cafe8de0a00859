"""customer groups

Revision ID: 34baaf624cff
Revises: 631a195528b1
Create Date: 2026-11-26 01:22:46.003930

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '34baaf624cff'
down_revision: Union[str, Sequence[str], None] = '631a195528b1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Plain ADD COLUMN: a batch copy on SQLite would drop the table other tables reference.
    op.add_column('customer', sa.Column('parent_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    op.create_index(op.f('ix_customer_parent_id'), 'customer', ['parent_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_customer_parent_id'), table_name='customer')
    op.drop_column('customer', 'parent_id')
