"""inbox keyed by event source and id

The inbox remembered events by CloudEvents id alone; the spec makes source + id unique, so a second producer
reusing an id had its event dropped. Entries recorded before keep the source '' and still match their id
from any source (kam_shared.messaging.tables.LEGACY_SOURCE).

Revision ID: 1e652d0902e6
Revises: 5e1d7c3a9b20
Create Date: 2026-11-26 00:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1e652d0902e6'
down_revision: Union[str, Sequence[str], None] = '5e1d7c3a9b20'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Batch mode: SQLite cannot change a primary key in place, so the table is copied there.
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=200), server_default=sa.text("''"), nullable=False))
        batch_op.drop_constraint('pk_inbox', type_='primary')
        batch_op.create_primary_key('pk_inbox', ['consumer', 'source', 'event_id'])


def downgrade() -> None:
    """Downgrade schema."""
    # Events that only differ by source cannot all be kept under the old key: keep one per id.
    op.execute(
        "DELETE FROM inbox WHERE EXISTS (SELECT 1 FROM inbox AS other WHERE other.consumer = inbox.consumer"
        " AND other.event_id = inbox.event_id AND other.source < inbox.source)"
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_constraint('pk_inbox', type_='primary')
        batch_op.create_primary_key('pk_inbox', ['consumer', 'event_id'])
        batch_op.drop_column('source')
