"""The minimal application both adapters put around a package: verified claims → ``Principal``.

It is what an application following Clerk's documentation must write itself, and no more:

* the user is ``sub`` and the org ``org_id`` (each adapter says where it reads them from); a
  value that is not a non-empty string names nobody, so no principal can be built from it:
  ``InvalidClaims``;
* the org pin: an org other than ``Settings.org_id`` is ``InvalidClaims("org_mismatch")``;
* the role is ``org_role`` without one leading ``org:``, mapped by ``reference.roles.map_role``
  (admin → ADMIN, member → VIEWER, anything else or a non-string → GUEST);
* the session id is ``sid`` when it is a string, else ``""``;
* a user store: in-memory get-or-create by ``(org, user)`` (``reference.UserStore``), starting
  with the deployment's linked ``existing_users``.

Nothing else — no ``sts``, no second user or org claim, no template ``role`` claim is read.
"""

from __future__ import annotations

from reference import InvalidClaims, Principal, Request, Role, Settings, UserStore
from reference.cache import seeded_rows
from reference.roles import map_role


def raw_headers(request: Request) -> list[tuple[bytes, bytes]]:
    """The request's header fields as an ASGI server hands them to an app: in order, duplicates
    kept, names lower-cased (ASCII only), text sent as UTF-8 bytes (lone surrogates as is)."""
    return [
        (name.encode("utf-8", "surrogatepass").lower(), value.encode("utf-8", "surrogatepass"))
        for name, value in request.headers
    ]


def bearer_request(token: str) -> Request:
    """An API call presenting ``token`` as its ``Authorization: Bearer`` credential."""
    return Request("GET", "/", (("Authorization", f"Bearer {token}"),))


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidClaims(f"missing_{field}", f"{field} is {value!r}, not a non-empty string")
    return value


class MinimalApp:
    """The application's own part: org pin, role mapping and user store."""

    def __init__(self, settings: Settings) -> None:
        self.org_id = settings.org_id
        existing = settings.existing_users
        self.users = UserStore(
            seeded_rows(settings.org_id, existing), (user.user_id for user in existing)
        )

    def principal(self, user: object, org: object, org_role: object, sid: object) -> Principal:
        """The principal for verified claim values ``sub``, ``org_id``, ``org_role``, ``sid``."""
        external_id, org_id = _text(user, "user"), _text(org, "org")
        if org_id != self.org_id:
            raise InvalidClaims("org_mismatch", f"org {org_id!r} is not trusted")
        record = self.users.get_or_create((org_id, external_id))
        role = map_role(org_role.removeprefix("org:")) if isinstance(org_role, str) else Role.GUEST
        session_id = sid if isinstance(sid, str) else ""
        return Principal(record.user_id, external_id, org_id, role, session_id)
