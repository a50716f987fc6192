"""The deployment's login: a bearer token per person; the operator's token is a memory admin."""

from langgraph_sdk import Auth

from server.auth import ADMIN_PERMISSION

TOKENS = {
    "token-of-alice": ("alice", []),
    "token-of-bob": ("bob", []),
    "token-of-ops": ("ops", [ADMIN_PERMISSION]),
}

auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None) -> Auth.types.MinimalUserDict:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or token not in TOKENS:
        raise Auth.exceptions.HTTPException(status_code=401, detail="unknown token")
    identity, permissions = TOKENS[token]
    return {"identity": identity, "permissions": permissions}
