"""customers registered beside a duplicate name; names normalised with company forms

Existing customers' normalised names are computed again by the rule this revision brings (company-form
variants written one way), so a duplicate of a customer registered before is found too.

Revision ID: 2e2f8bc8223f
Revises: ec9eade3010f
Create Date: 2026-11-26 01:05:41.000000

"""
import re
import unicodedata
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '2e2f8bc8223f'
down_revision: Union[str, Sequence[str], None] = 'ec9eade3010f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# A frozen copy of kam_registry.customer.names as of this revision: a migration must not follow later changes.
_SPACE_AND_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)
_FORMS = (
    ("有限责任公司", "有限公司"),
    ("companylimited", "coltd"),
    ("limited", "ltd"),
    ("corporation", "corp"),
    ("company", "co"),
)
BATCH = 1000


def _normalise(full_name: str) -> str:
    name = _SPACE_AND_PUNCTUATION.sub("", unicodedata.normalize("NFKC", full_name)).casefold()
    for variant, form in _FORMS:
        name = name.replace(variant, form)
    return name


def upgrade() -> None:
    """Upgrade schema."""
    # Plain ADD COLUMN: a batch copy on SQLite would drop the table the billing accounts reference.
    op.add_column('customer', sa.Column('duplicate_of', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    op.add_column('customer', sa.Column('duplicate_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    connection = op.get_bind()
    customer = sa.table('customer', sa.column('id', sa.String), sa.column('full_name', sa.String), sa.column('normalized_name', sa.String))
    last_id = ''
    while True:
        rows = connection.execute(
            sa.select(customer.c.id, customer.c.full_name, customer.c.normalized_name)
            .where(customer.c.id > last_id).order_by(customer.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        changed = [
            {'key': row.id, 'name': _normalise(row.full_name)} for row in rows if _normalise(row.full_name) != row.normalized_name
        ]
        if changed:
            connection.execute(
                customer.update().where(customer.c.id == sa.bindparam('key')).values(normalized_name=sa.bindparam('name')),
                changed,
            )
        last_id = rows[-1].id


def downgrade() -> None:
    """Downgrade schema."""
    # The normalised names stay in the newer form: the older rule only finds fewer duplicates with them.
    op.drop_column('customer', 'duplicate_reason')
    op.drop_column('customer', 'duplicate_of')
