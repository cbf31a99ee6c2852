"""A FastAPI app as Clerk's guide "How to Add Authentication to a Python Backend" writes it, and
nothing else: its ``require_user`` dependency as printed there — ``clerk-backend-api``'s
``authenticate_request`` with the secret key and the JWT key from the environment
(CLERK_SECRET_KEY, CLERK_JWT_KEY: networkless verification), the app's own front end as its one
authorized party, session tokens only, ``HTTPException(401, detail=state.reason)`` when signed
out — and a route telling the front end who is signed in (the guide's ``/api/me`` answers the
user id alone; this one, like the Express quickstart's, the session and org too). No route is
written for the harness. Started with ``uvicorn app:app``."""

import os
from typing import Annotated, Any

from clerk_backend_api import AuthenticateRequestOptions, authenticate_request
from fastapi import Depends, FastAPI, HTTPException, Request

app = FastAPI()


def require_user(request: Request) -> Any:
    state = authenticate_request(
        request,
        AuthenticateRequestOptions(
            secret_key=os.environ["CLERK_SECRET_KEY"],
            jwt_key=os.environ.get("CLERK_JWT_KEY"),
            authorized_parties=["http://localhost:3000"],
            accepts_token=["session_token"],
        ),
    )
    if not state.is_signed_in:
        raise HTTPException(status_code=401, detail=state.reason)
    return state.payload


# The signed-in user, for the front end.
@app.get("/me")
def me(claims: Annotated[dict[str, Any], Depends(require_user)]) -> dict[str, Any]:
    return {
        "userId": claims["sub"],
        "sessionId": claims.get("sid"),
        "orgId": claims.get("org_id"),
        "orgRole": claims.get("org_role"),
    }
