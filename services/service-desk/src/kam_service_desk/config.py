from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kam_shared.config import ServiceSettings


class ServiceDeskSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAM_SERVICE_DESK_", extra="ignore")

    port: int = 8003
    customer_wait_s: float = Field(
        default=2.0,
        ge=0,
        le=30,
        description="how long POST /v1/tickets waits for a customer the registry has just registered to reach "
        "the service desk before answering 409 customer-not-yet-known",
    )
