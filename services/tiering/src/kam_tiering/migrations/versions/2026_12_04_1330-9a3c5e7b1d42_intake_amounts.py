"""intake keeps each accepted event's amount and the charge a correction takes from

A correction accepted over REST is known only to the intake until the relay brings it to the ledger; a second
correction of the same charge accepted in that window must see it, or both are accepted and the second is
refused later, after its 202. Rows taken in before this revision are all in the ledger and keep nulls.

Revision ID: 9a3c5e7b1d42
Revises: 4d9b6e1f2a87
Create Date: 2026-12-04 13:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '9a3c5e7b1d42'
down_revision: Union[str, Sequence[str], None] = '4d9b6e1f2a87'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('billing_intake', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('corrects_billing_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.create_index('ix_billing_intake_corrects_billing_id', ['corrects_billing_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('billing_intake', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_intake_corrects_billing_id')
        batch_op.drop_column('corrects_billing_id')
        batch_op.drop_column('amount_minor')
