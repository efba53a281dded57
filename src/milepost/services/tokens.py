"""The caller's own personal access tokens (Milepost-only `Auth.AccessToken` methods).

Leantime mints tokens only from its command line; Milepost lets each person list,
create and revoke their own tokens. Every method acts on the caller's tokens alone. An
API key cannot hold tokens: a token acts as a person, and would see more than the key.
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import delete, select

from milepost.services import keys
from milepost.services.errors import Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date, parse_date
from milepost.storage import tables as t

ac = t.access_tokens.c
MAX_NAME = 255


class TokenInfo(TypedDict):
    """A personal access token as listed: never its secret."""

    id: int
    name: str
    created: str | None
    lastUsed: str | None
    expires: str | None


def _person(ctx: Context) -> int:
    if ctx.principal.is_key:
        raise Forbidden("API keys cannot hold personal access tokens; sign in as a person")
    return ctx.principal.user_id


def _info(row: Any) -> TokenInfo:
    return {
        "id": row.id,
        "name": row.name,
        "created": fmt_date(row.created_at),
        "lastUsed": fmt_date(row.last_used_at),
        "expires": fmt_date(row.expires_at),
    }


@operation("Auth.AccessToken.getMyTokens")
def get_my_tokens(ctx: Context) -> list[TokenInfo]:
    """The caller's personal access tokens, newest first, without their secrets."""
    rows = ctx.conn.execute(
        select(t.access_tokens).where(ac.tokenable_id == _person(ctx)).order_by(ac.id.desc())
    )
    return [_info(row) for row in rows]


@operation("Auth.AccessToken.createToken", writes=True)
def create_token(ctx: Context, name: str, expires: str | None = None) -> keys.NewToken:
    """Create a personal access token for the caller, named `name`, valid until `expires`
    (a date; never, when left out). The secret in `token` is shown only now; send it as
    `Authorization: Bearer <token>`. -32602 for an empty name or a past expiry."""
    user_id = _person(ctx)
    label = name.strip()
    if not label or len(label) > MAX_NAME:
        raise InvalidParams(
            f"param `name`: expected 1 to {MAX_NAME} characters, got {len(label)}",
            param="name",
            expected=f"1 to {MAX_NAME} characters",
        )
    until = parse_date(expires, "expires")
    if until is not None and until <= ctx.now:
        raise InvalidParams(
            f"param `expires`: expected a date in the future, got {expires!r}",
            param="expires",
            expected="a date in the future",
        )
    return keys.create_token(ctx, user_id, label, until)


@operation("Auth.AccessToken.revokeToken", writes=True)
def revoke_token(ctx: Context, id: int) -> bool:
    """Revoke one of the caller's tokens by id; calls made with it are answered 401 from
    now on. Returns true; -32002 when the caller has no token with that id."""
    gone = ctx.conn.execute(
        delete(t.access_tokens).where(ac.id == id, ac.tokenable_id == _person(ctx))
    ).rowcount
    if not gone:
        raise NotFound(f"you have no token {id}")
    ctx.after_commit(ctx.services.principals_changed)
    return True
