from sqlmodel import SQLModel

from kam_shared.db import new_registry
from kam_shared.messaging.tables import define_messaging_tables
from kam_shared.security.tables import define_security_tables


class TieringModel(SQLModel, registry=new_registry()):
    """Base of tiering's own tables; its metadata is the tiering database's schema."""


metadata = TieringModel.metadata
messaging = define_messaging_tables(metadata)
security = define_security_tables(metadata)
