import kam_service_desk.customer.models  # noqa: F401  (tables register on import)
import kam_service_desk.routing.models  # noqa: F401
import kam_service_desk.ticket.models  # noqa: F401
from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import NAME
from kam_service_desk.tables import metadata
from kam_shared.migrations import run_env

run_env(metadata, default_url=lambda: ServiceDeskSettings().resolved_database_url(NAME))
