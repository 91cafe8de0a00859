from pathlib import Path

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
    calendar_file: Path | None = Field(
        default=None,
        description="a carrier's business calendar as JSON, keys of the policy's `calendar` (time_zone, opens, "
        "closes, weekdays, closed_days, working_days, public_holidays, uncovered_years) replacing the shipped ones",
    )
    sla_check_interval_s: float = Field(
        default=1.0,
        gt=0,
        le=300,
        description="how often the SLA scheduler looks for warnings, breaches and escalations",
    )
    sla_batch_size: int = Field(default=100, ge=1, le=10000, description="tickets the SLA scheduler takes per step")
    sla_automatic: bool = Field(default=True, description="whether the SLA scheduler runs in this service")
