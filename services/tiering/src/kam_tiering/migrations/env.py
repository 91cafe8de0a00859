import kam_tiering.billing.models  # noqa: F401  (tables register on import)
import kam_tiering.close.models  # noqa: F401
import kam_tiering.customer.models  # noqa: F401
import kam_tiering.tier.models  # noqa: F401
from kam_shared.migrations import run_env
from kam_tiering.config import TieringSettings
from kam_tiering.main import NAME
from kam_tiering.tables import metadata

run_env(metadata, default_url=lambda: TieringSettings().resolved_database_url(NAME))
