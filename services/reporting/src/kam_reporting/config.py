from pydantic_settings import SettingsConfigDict

from kam_shared.config import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAM_REPORTING_", extra="ignore")

    port: int = 8004
