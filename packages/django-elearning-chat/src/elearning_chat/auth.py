"""Channels' session authentication, with its database work on the chat's pool.

Channels' ``AuthMiddlewareStack`` loads the handshake's session and its user with
``database_sync_to_async``: on the one thread-sensitive thread of the process, where
every connect of a reconnect storm waits behind the others (and behind the stores and
presence queries of every open socket when ``DB_THREADS`` is 0). :func:`AuthMiddlewareStack`
here is the same stack (cookies, session, user; the same ``scope["user"]`` and
``scope["session"]``, the same session verification: Channels' own ``get_user``) whose
lookups run on :func:`elearning_chat.db.db_call`, the chat's bounded database pool (the
lookups of handshakes arriving together in one thread hop: :mod:`elearning_chat.batch`).
With ``DB_THREADS = 0`` (or an in-memory SQLite test database) it behaves exactly like
Channels' stack. Use it in ``asgi.py`` in place of Channels' one::

    from elearning_chat.auth import AuthMiddlewareStack

    "websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),

It serves every WebSocket route behind it, the chat's or not: the lookups of the other
apps' handshakes use the pool too.
"""

from channels.auth import AuthMiddleware, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware

from .batch import Batched

__all__ = ["AuthMiddlewareStack", "PooledAuthMiddleware"]

#: Channels' synchronous ``get_user(scope)`` (the function its ``database_sync_to_async``
#: wraps): session key, backend, user and session hash verification.
_get_user = get_user.func


def _get_users(scopes):
    """:data:`_get_user` of each scope; a lookup that fails costs only its own handshake."""
    users = []
    for scope in scopes:
        try:
            users.append(_get_user(scope))
        except Exception as exc:
            users.append(exc)
    return users


#: The lookups of the handshakes that arrive together share thread hops (a storm).
_resolve = Batched(_get_users)


class PooledAuthMiddleware(AuthMiddleware):
    """Channels' ``AuthMiddleware`` with the session and user lookups on the chat's pool."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await _resolve(scope)


def AuthMiddlewareStack(inner):  # noqa: N802 (the name of the Channels stack it replaces)
    """Cookies, session and user in the scope, the lookups on the chat's database pool."""
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))
