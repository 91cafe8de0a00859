"""month close, and profiles that replicate customer.updated

customer_profile keeps the potential flag and the registry's sequence (rows registered before hold 1); its
county is indexed for the top-in-county rule. month_close records each closed month.

Revision ID: 7c4e2a91d5f3
Revises: 1e652d0902e6
Create Date: 2026-11-26 01:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '7c4e2a91d5f3'
down_revision: Union[str, Sequence[str], None] = '1e652d0902e6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'month_close',
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('first_closed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('runs', sa.Integer(), nullable=False),
        sa.Column('customers', sa.Integer(), nullable=False),
        sa.Column('tier_changes', sa.Integer(), nullable=False),
        sa.Column('states_changed', sa.Integer(), nullable=False),
        sa.Column('policy_id', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('policy_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_month_close')),
    )
    with op.batch_alter_table('customer_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('potential', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('sequence', sa.BigInteger(), nullable=False, server_default=sa.text('1')))
        batch_op.create_index(batch_op.f('ix_customer_profile_county'), ['county'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('customer_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_profile_county'))
        batch_op.drop_column('sequence')
        batch_op.drop_column('potential')
    op.drop_table('month_close')
