import kam_reporting.customer_view.models  # noqa: F401  (tables register on import)
from kam_reporting.config import ReportingSettings
from kam_reporting.main import NAME
from kam_reporting.tables import metadata
from kam_shared.migrations import run_env

run_env(metadata, default_url=lambda: ReportingSettings().resolved_database_url(NAME))
