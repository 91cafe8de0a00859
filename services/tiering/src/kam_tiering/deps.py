from typing import Annotated

from fastapi import Depends, Request

from kam_tiering.tier.policy import Policy


async def policy_in_force(request: Request) -> Policy:
    return request.app.state.policy


PolicyDep = Annotated[Policy, Depends(policy_in_force)]
