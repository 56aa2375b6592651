"""Channels' session authentication, with its database work on the chat's pool.

Channels' ``AuthMiddlewareStack`` loads the handshake's session and its user with
``database_sync_to_async``: on the one thread-sensitive thread of the process, where
every connect of a reconnect storm waits behind the others (and behind the stores and
presence queries of every open socket when ``DB_THREADS`` is 0). :func:`AuthMiddlewareStack`
here is the same stack (cookies, session, user; the same ``scope["user"]`` and
``scope["session"]``, the same session verification: Channels' own ``get_user``) whose
lookups run on :func:`elearning_chat.db.db_call`, the chat's bounded database pool. The
lookups of handshakes arriving together share one thread hop (:mod:`elearning_chat.batch`)
and, with the database session engine and a backend that keeps ``ModelBackend.get_user``,
two queries for all of them: their sessions, then their users.
With ``DB_THREADS = 0`` (or an in-memory SQLite test database) it behaves exactly like
Channels' stack. Use it in ``asgi.py`` in place of Channels' one::

    from elearning_chat.auth import AuthMiddlewareStack

    "websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),

It serves every WebSocket route behind it, the chat's or not: the lookups of the other
apps' handshakes use the pool too.
"""

from collections import defaultdict

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .batch import Batched

__all__ = ["AuthMiddlewareStack", "PooledAuthMiddleware"]


def _store(scope):
    """The session store of a scope (Channels puts it in a ``LazyObject``)."""
    session = scope["session"]
    return getattr(session, "_wrapped", session)


def _user_id(session):
    """The user id a session holds (stored as a string); KeyError when it holds none."""
    return get_user_model()._meta.pk.to_python(session[SESSION_KEY])


def _load_sessions(stores):
    """Load the database-backed sessions among ``stores`` with one query per session model,
    leaving each store as its own ``load()`` would: the decoded data, or, for a missing or
    expired session, no data and no key. Other engines load themselves when read."""
    waiting = defaultdict(list)
    for store in stores:
        kind = type(store)
        if (
            kind.load is DatabaseSessionStore.load
            and kind._get_session_from_db is DatabaseSessionStore._get_session_from_db
            and store.session_key
            and not hasattr(store, "_session_cache")
        ):
            waiting[store.model].append(store)
    for model, group in waiting.items():
        if len(group) < 2:
            continue  # loads itself: the same one query
        rows = dict(
            model.objects.filter(
                session_key__in={store.session_key for store in group}, expire_date__gt=timezone.now()
            ).values_list("session_key", "session_data")
        )
        for store in group:
            data = rows.get(store.session_key)
            if data is None:
                store._session_key = None
                store._session_cache = {}
            else:
                store._session_cache = store.decode(data)


def _load_users(sessions):
    """The users of ``sessions`` whose backend keeps ``ModelBackend.get_user``, fetched
    with one query: ``{(backend path, user id): user or None}``, what that ``get_user``
    would return for each (one instance per user, shared by the user's sockets)."""
    wanted = defaultdict(list)
    for session in sessions:
        try:
            user_id = _user_id(session)
            backend_path = session[BACKEND_SESSION_KEY]
        except Exception:  # no user in this session (or a bad id): left to _get_user
            continue
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            wanted[backend_path].append(user_id)
    found = {}
    model = get_user_model()
    for backend_path, user_ids in wanted.items():
        backend = load_backend(backend_path)
        if type(backend).get_user is not ModelBackend.get_user or len(user_ids) < 2:
            continue  # asked one by one, as Channels does (a lone session: the same query)
        users = model._default_manager.in_bulk(set(user_ids))
        for user_id in set(user_ids):
            user = users.get(user_id)
            found[backend_path, user_id] = (
                user if user is not None and backend.user_can_authenticate(user) else None
            )
    return found


def _get_user(scope, found):
    """Channels' ``get_user(scope)`` (its synchronous function: session key, backend, user,
    session hash verification), taking the users in ``found`` (:func:`_load_users`)
    instead of asking their backend one by one."""
    if "session" not in scope:
        raise ValueError("Cannot find session in scope. You should wrap your consumer in SessionMiddleware.")
    session = scope["session"]
    user = None
    try:
        user_id = _user_id(session)
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            key = (backend_path, user_id)
            user = found[key] if key in found else load_backend(backend_path).get_user(user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = session.get(HASH_SESSION_KEY)
                verified = session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())
                if not verified:
                    session.flush()
                    user = None
    return user or AnonymousUser()


def _get_users(scopes):
    """The user of each scope, in order (sessions and users fetched together where they
    can be); a lookup that fails costs only its own handshake."""
    stores = []
    for scope in scopes:
        try:
            stores.append(_store(scope))
        except Exception:  # no session: _get_user raises Channels' error for it
            continue
    _load_sessions(stores)
    found = _load_users(stores)
    users = []
    for scope in scopes:
        try:
            users.append(_get_user(scope, found))
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
