from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kam_shared.config import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAM_REGISTRY_", extra="ignore")

    port: int = 8001
    # Imports of a customer master (POST /v1/imports): the largest file taken, and org units known besides those
    # the registry's customers and staff already belong to.
    max_import_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    org_units: list[str] = Field(default_factory=list)
