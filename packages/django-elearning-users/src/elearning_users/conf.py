"""Settings of the users app, read lazily from ``settings.ELEARNING_USERS``.

Every attribute of :data:`app_settings` looks the value up at access time, so
``override_settings`` and per-site configuration work without reloads.
"""

from django.conf import settings

DEFAULTS = {
    # Template the app's pages extend: the app's standalone layout (Bootstrap from this
    # app's static files), or a site's own base template with the blocks title and
    # content (and extra_head, extra_js).
    "BASE_TEMPLATE": "elearning_users/layouts/standalone.html",
    # Offer the "teacher" role on the sign-up page and the registration API.
    "ALLOW_TEACHER_SIGNUP": True,
    # Largest accepted profile picture upload, in bytes.
    "PROFILE_PICTURE_MAX_BYTES": 2 * 1024 * 1024,
    # Largest accepted picture, in pixels (width x height), checked before decoding.
    "PROFILE_PICTURE_MAX_PIXELS": 4096 * 4096,
    # Stored pictures are scaled down to fit in this many pixels on each side.
    "PROFILE_PICTURE_SIZE": 512,
    # Image formats (Pillow names) accepted for profile pictures.
    "PROFILE_PICTURE_FORMATS": ["JPEG", "PNG", "GIF", "WEBP"],
    # Folder, inside MEDIA_ROOT, that profile pictures are stored in.
    "PROFILE_PICTURE_DIR": "elearning_users/avatars",
    # Rate of the log-in (token) and registration API endpoints and of the sign-up page,
    # counted per client address and, separately, per attempted username.
    "AUTH_THROTTLE_RATE": "10/minute",
    # Cache alias (CACHES) that keeps those counters: one every server process shares.
    "THROTTLE_CACHE": "default",
    # Addresses or networks (CIDR) of the reverse proxies in front of the site. Only a
    # request from one of them has its X-Forwarded-For read, right to left through trusted
    # hops; with none, REMOTE_ADDR is the client (elearning_users.security.client_ip).
    "TRUSTED_PROXIES": [],
}


class AppSettings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown ELEARNING_USERS setting: {name}")
        user_settings = getattr(settings, "ELEARNING_USERS", {}) or {}
        return user_settings.get(name, DEFAULTS[name])


app_settings = AppSettings()
