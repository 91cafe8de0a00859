from pydantic_settings import SettingsConfigDict

from kam_shared.config import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAM_REGISTRY_", extra="ignore")

    port: int = 8001
