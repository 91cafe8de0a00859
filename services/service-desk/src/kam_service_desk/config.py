from pydantic_settings import SettingsConfigDict

from kam_shared.config import ServiceSettings


class ServiceDeskSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAM_SERVICE_DESK_", extra="ignore")

    port: int = 8003
