"""Who is knocking, and how often: the client address behind trusted proxies and the
counters that throttle log-in and sign-up.

:func:`client_ip` is the one place the apps (and django-axes, through
``AXES_CLIENT_IP_CALLABLE``) learn a request's client address. It honours
``ELEARNING_USERS["TRUSTED_PROXIES"]``: ``X-Forwarded-For`` is only read when the request
comes from a trusted proxy, right to left, and only as far as the hops are trusted, so a
client cannot choose its own address (and reset its counters) by sending the header.
"""

import hashlib
import ipaddress
import math
import time
from functools import lru_cache

from django.core.cache import caches
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .conf import app_settings

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache(maxsize=16)
def _networks(configured):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in configured)


def trusted_proxy_networks():
    """The networks of ``TRUSTED_PROXIES`` (raises ``ValueError`` for a malformed entry;
    system check ``elearning_users.E006`` reports it at start-up)."""
    configured = app_settings.TRUSTED_PROXIES or ()
    if isinstance(configured, str):
        configured = [configured]
    return _networks(tuple(str(entry).strip() for entry in configured))


def _parse_ip(value):
    """An address from a header or REMOTE_ADDR (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``),
    IPv4-mapped IPv6 folded to IPv4; None when it is no address."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def client_ip(request):
    """The client's address as a string (empty when the server gave none).

    With no trusted proxy configured this is ``REMOTE_ADDR``. When ``REMOTE_ADDR`` is a
    trusted proxy, ``X-Forwarded-For`` is read from the right: each entry is the address
    the hop to its right saw; the first entry that is not itself a trusted proxy is the
    client. A malformed entry ends the walk at the last address a trusted hop vouched for.
    """
    meta = getattr(request, "META", None) or {}
    remote = _parse_ip(meta.get("REMOTE_ADDR"))
    if remote is None:
        return ""
    networks = trusted_proxy_networks()
    if not networks:
        return str(remote)

    def trusted(ip):
        return any(ip.version == net.version and ip in net for net in networks)

    address = remote
    if trusted(address):
        for hop in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            ip = _parse_ip(hop)
            if ip is None:
                break
            address = ip
            if not trusted(ip):
                break
    return str(address)


def normalize_username(value):
    """The key an attempted username is counted under: case and surrounding space folded,
    so ``Ann`` and ``ann `` share one counter. Not a string: None (nothing to count)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().casefold()[:150]


def axes_username(request, credentials):
    """``AXES_USERNAME_CALLABLE``: django-axes counts usernames as :func:`normalize_username`."""
    value = (credentials or {}).get("username")
    if value is None:
        data = getattr(request, "POST", None) or getattr(request, "data", None) or {}
        value = data.get("username") if hasattr(data, "get") else None
    return normalize_username(value)


def parse_rate(rate):
    """``"10/minute"`` -> ``(10, 60)``; None -> None (no limit)."""
    if rate is None:
        return None
    count, period = str(rate).split("/", 1)
    return int(count), PERIODS[period.strip()[0]]


class AttemptLimiter:
    """A sliding-window counter per key, kept in ``THROTTLE_CACHE``.

    :meth:`hit` checks every key first and counts the attempt against all of them only when
    none is over the rate: a request is let through when it is within the rate both for
    its client address and for the username it tries.
    """

    def __init__(self, scope, rate=None):
        self.scope = scope
        self.rate = parse_rate(rate if rate is not None else app_settings.AUTH_THROTTLE_RATE)

    def _cache_key(self, kind, value):
        # Hashed: a username may hold any character, and cache backends such as memcached
        # refuse keys with spaces, control characters or over 250 bytes.
        digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()
        return f"elearning_users:throttle:{self.scope}:{kind}:{digest}"

    def hit(self, **idents):
        """Count an attempt for the given idents (``ip=...``, ``username=...``; None ones are
        skipped). Returns None when allowed, else the seconds to wait."""
        if self.rate is None:
            return None
        limit, duration = self.rate
        cache = caches[app_settings.THROTTLE_CACHE]
        now = time.time()
        keys = [self._cache_key(kind, value) for kind, value in idents.items() if value]
        histories = cache.get_many(keys)
        wait = 0
        for key in keys:
            history = [t for t in histories.get(key, []) if t > now - duration]
            histories[key] = history
            if len(history) >= limit:
                wait = max(wait, history[0] + duration - now)
        if wait:
            return max(1, math.ceil(wait))
        cache.set_many({key: [*histories[key], now][-limit:] for key in keys}, duration)
        return None


def too_many_attempts(request, wait=None, status=429):
    """The page of a refused log-in or sign-up, in the apps' layout, with ``Retry-After``."""
    context = {
        "elearning_base_template": app_settings.BASE_TEMPLATE,
        "retry_after": wait,
        "retry_minutes": math.ceil(wait / 60) if wait else None,
    }
    response = render(request, "elearning_users/too_many_attempts.html", context, status=status)
    if wait:
        response["Retry-After"] = str(int(wait))
    return response


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the log-in page and the admin log-in answer a locked-out
    client 429 with :func:`too_many_attempts` (JSON ``{"detail": ...}`` for an XHR)."""
    from django.conf import settings
    from django.http import JsonResponse

    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None)
    wait = None
    if hasattr(cool_off, "total_seconds"):
        wait = int(cool_off.total_seconds())
    elif isinstance(cool_off, (int, float)):
        wait = int(cool_off * 3600)  # django-axes reads a number as hours
    if request.headers.get("x-requested-with") == "XMLHttpRequest" or "json" in request.headers.get(
        "accept", ""
    ):
        response = JsonResponse({"detail": str(LOCKED_OUT)}, status=429)
        if wait:
            response["Retry-After"] = str(wait)
        return response
    return too_many_attempts(request, wait)


LOCKED_OUT = _("Too many failed log-in attempts. Please wait before you try again.")
