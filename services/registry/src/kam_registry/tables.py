from sqlmodel import SQLModel

from kam_shared.db import new_registry
from kam_shared.messaging.tables import define_messaging_tables
from kam_shared.security.tables import define_security_tables


class RegistryModel(SQLModel, registry=new_registry()):
    """Base of the registry's own tables; its metadata is the registry database's schema."""


metadata = RegistryModel.metadata
messaging = define_messaging_tables(metadata)
security = define_security_tables(metadata)
