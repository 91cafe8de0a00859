"""intake fingerprints and counted ledger lines

Revision ID: 5e1d7c3a9b20
Revises: ba2a395c81e7
Create Date: 2026-11-26 00:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '5e1d7c3a9b20'
down_revision: Union[str, Sequence[str], None] = 'ba2a395c81e7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('billing_intake', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_ledger_line_corrects_billing_id', ['corrects_billing_id'], unique=False)
    # Until now every line with a customer was in the monthly totals.
    op.execute(sa.text('UPDATE ledger_line SET counted = (customer_id IS NOT NULL)'))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_line_corrects_billing_id')
        batch_op.drop_column('counted')

    with op.batch_alter_table('billing_intake', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
