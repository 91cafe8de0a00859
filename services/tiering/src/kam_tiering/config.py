from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kam_shared.config import ServiceSettings


class TieringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAM_TIERING_", extra="ignore")

    port: int = 8002
    policy: str = Field(default="postal-standard", description="id of the shipped tier policy in force")
    month_close_automatic: bool = Field(
        default=True, description="close each month shortly after it ends (one replica does it, under a lease)"
    )
    month_close_delay_minutes: float = Field(
        default=30, ge=0, description="how long after a month ends (Asia/Shanghai) it is closed automatically"
    )
    month_close_check_interval_s: float = Field(
        default=300, gt=0, description="how often the scheduler looks for a month to close"
    )
    month_close_batch_size: int = Field(
        default=1000, ge=1, le=10_000, description="customers decided per transaction of a month close"
    )
