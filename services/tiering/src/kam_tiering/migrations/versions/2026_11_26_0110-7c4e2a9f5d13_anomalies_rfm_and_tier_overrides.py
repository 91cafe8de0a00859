"""anomalies, rfm scores and tier overrides

Revision ID: 7c4e2a9f5d13
Revises: 7c4e2a91d5f3
Create Date: 2026-11-26 01:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '7c4e2a9f5d13'
down_revision: Union[str, Sequence[str], None] = '7c4e2a91d5f3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'anomaly',
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('branch', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('owner_role', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('last_run', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('revised_run', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('policy_id', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('policy_version', sa.Integer(), nullable=False),
        sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('month', 'customer_id', 'kind', name=op.f('pk_anomaly')),
    )
    with op.batch_alter_table('anomaly', schema=None) as batch_op:
        batch_op.create_index('ix_anomaly_month_branch', ['month', 'branch'], unique=False)

    op.create_table(
        'rfm_score',
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('last_billed_on', sa.Date(), nullable=False),
        sa.Column('recency_days', sa.Integer(), nullable=False),
        sa.Column('frequency_days', sa.Integer(), nullable=False),
        sa.Column('monetary_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('r_score', sa.Integer(), nullable=False),
        sa.Column('f_score', sa.Integer(), nullable=False),
        sa.Column('m_score', sa.Integer(), nullable=False),
        sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('policy_id', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('policy_version', sa.Integer(), nullable=False),
        sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('month', 'customer_id', name=op.f('pk_rfm_score')),
    )
    with op.batch_alter_table('rfm_score', schema=None) as batch_op:
        batch_op.create_index('ix_rfm_score_month_segment', ['month', 'segment', 'customer_id'], unique=False)

    op.create_table(
        'tier_override',
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('set_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_tier_override')),
    )
    op.create_table(
        'tier_override_entry',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_override_entry')),
    )
    with op.batch_alter_table('tier_override_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tier_override_entry_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('tier_override_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tier_override_entry_customer_id'))
    op.drop_table('tier_override_entry')
    op.drop_table('tier_override')
    with op.batch_alter_table('rfm_score', schema=None) as batch_op:
        batch_op.drop_index('ix_rfm_score_month_segment')
    op.drop_table('rfm_score')
    with op.batch_alter_table('anomaly', schema=None) as batch_op:
        batch_op.drop_index('ix_anomaly_month_branch')
    op.drop_table('anomaly')
