"""intake names who submitted each billing id over REST

A partner key reads back in the waiting views only the billing it submitted itself. Billing taken in from the
bus, or before this revision, names nobody and is listed only to callers who read customers.

Revision ID: 8c1fc6472ffa
Revises: 6c8ec35fa476
Create Date: 2026-12-04 21:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '8c1fc6472ffa'
down_revision: Union[str, Sequence[str], None] = '6c8ec35fa476'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('billing_intake', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_billing_intake_submitted_by'), ['submitted_by'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('billing_intake', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_intake_submitted_by'))
        batch_op.drop_column('submitted_by')
