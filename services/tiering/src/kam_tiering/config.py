from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kam_shared.config import ServiceSettings


class TieringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAM_TIERING_", extra="ignore")

    port: int = 8002
    policy: str = Field(default="postal-standard", description="id of the shipped tier policy in force")
