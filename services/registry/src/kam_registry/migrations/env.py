import kam_registry.archive.models  # noqa: F401  (tables register on import)
import kam_registry.billing_account.models  # noqa: F401
import kam_registry.claim.models  # noqa: F401
import kam_registry.customer.models  # noqa: F401
import kam_registry.manager.models  # noqa: F401
import kam_registry.staff.models  # noqa: F401
from kam_registry.config import RegistrySettings
from kam_registry.main import NAME
from kam_registry.tables import metadata
from kam_shared.migrations import run_env

run_env(metadata, default_url=lambda: RegistrySettings().resolved_database_url(NAME))
