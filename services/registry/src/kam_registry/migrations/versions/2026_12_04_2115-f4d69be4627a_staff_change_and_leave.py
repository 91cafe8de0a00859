"""staff change and leave

Revision ID: f4d69be4627a
Revises: 5bcd6bd6d36f
Create Date: 2026-12-04 21:15:54.441076

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'f4d69be4627a'
down_revision: Union[str, Sequence[str], None] = '5bcd6bd6d36f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Plain ADD COLUMN: a batch copy on SQLite would drop the table manager assignments reference.
    op.add_column('staff', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('staff', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('staff', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('active')
