"""Routes for callers that hold a shared token (operators, scripts): `Authorization: Bearer`."""

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, params
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

_bearer = HTTPBearer(auto_error=False)


def bearer_token_required(token: SecretStr) -> params.Depends:
    """A route dependency that answers 401 unless the request carries `token` as its bearer."""
    expected = token.get_secret_value().encode()

    async def check(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        # constant time: no token guessing by timing
        if credentials is None or not hmac.compare_digest(
            credentials.credentials.encode(), expected
        ):
            raise HTTPException(
                status_code=401,
                detail="a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return params.Depends(check)
