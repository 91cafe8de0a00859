"""customer imports

Revision ID: 554d3a6190dd
Revises: f4d69be4627a
Create Date: 2026-12-04 22:17:01.027760

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '554d3a6190dd'
down_revision: Union[str, Sequence[str], None] = 'f4d69be4627a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('customer_import',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('file_format', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('encoding', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('customers_created', sa.Integer(), nullable=False),
    sa.Column('customers_updated', sa.Integer(), nullable=False),
    sa.Column('customers_unchanged', sa.Integer(), nullable=False),
    sa.Column('accounts_linked', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_import'))
    )
    with op.batch_alter_table('customer_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_import_created_at'), ['created_at'], unique=False)

    # Plain ADD COLUMN and a unique index: a batch copy on SQLite would drop the table others reference.
    op.add_column('customer', sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.create_index('ix_customer_external_id', 'customer', ['external_id'], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_customer_external_id', table_name='customer')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('external_id')

    with op.batch_alter_table('customer_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_import_created_at'))

    op.drop_table('customer_import')
