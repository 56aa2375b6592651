"""Headers and deployment: check --deploy, Content-Security-Policy and the other security
headers on every kind of response, proxy headers only when configured, WebSocket origins
with their port. About 10 s (two ``manage.py check`` child processes)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.test import RequestFactory, override_settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
REPO = PROJECT_DIR.parent
SECRET = "k" * 20 + "-production-secret-for-check-deploy-0123456789-abcdefgh"


def child_env(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return {**base, **env}


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_values(*names, **env):
    code = f"import json, example_project.settings as s; print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=child_env(**env), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "learn.example.com"}


# ---- manage.py check --deploy ------------------------------------------------------------


def test_check_deploy_is_clean_behind_tls(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DATABASE_URL=f"sqlite:///{tmp_path}/db",
        DJANGO_HTTPS="1",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "security.W" not in result.stdout + result.stderr
    assert "demo.I001" not in result.stdout + result.stderr


def test_check_deploy_on_plain_http_says_so_without_failing(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DATABASE_URL=f"sqlite:///{tmp_path}/db", **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo.I001" in result.stdout + result.stderr  # the HTTPS warnings are silenced, visibly


def test_https_settings_only_under_django_https():
    names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    https = settings_values(*names, DJANGO_HTTPS="1", **PRODUCTION)
    assert https["SECURE_SSL_REDIRECT"] is True
    assert https["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert https["SESSION_COOKIE_SECURE"] is https["CSRF_COOKIE_SECURE"] is True
    plain = settings_values(*names, **PRODUCTION)
    assert not plain["SECURE_SSL_REDIRECT"] and not plain["SECURE_HSTS_SECONDS"]
    assert plain["SESSION_COOKIE_SECURE"] is False  # a Secure cookie never comes back over http


# ---- proxy headers -------------------------------------------------------------------------


def test_proxy_ssl_header_only_with_trusted_proxies():
    assert settings_values("SECURE_PROXY_SSL_HEADER", **PRODUCTION)["SECURE_PROXY_SSL_HEADER"] is None
    trusted = settings_values("SECURE_PROXY_SSL_HEADER", DJANGO_TRUSTED_PROXIES="10.0.0.2", **PRODUCTION)
    assert trusted["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_spoofed_forwarded_proto_is_not_secure(settings):
    assert settings.SECURE_PROXY_SSL_HEADER is None  # the test environment trusts no proxy
    request = RequestFactory().get("/", headers={"x-forwarded-proto": "https"})
    assert not request.is_secure()


@pytest.mark.django_db
def test_spoofed_forwarded_proto_does_not_skip_the_https_redirect(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 301 and response["Location"].startswith("https://")


@pytest.mark.django_db
def test_forwarded_proto_counts_once_a_proxy_is_trusted(client):
    with override_settings(
        SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        assert client.get("/", headers={"x-forwarded-proto": "https"}).status_code == 200


def test_daphne_proxy_headers_follow_trusted_proxies():
    entrypoint = (REPO / "deploy" / "entrypoint.sh").read_text()
    assert "DAPHNE_PROXY_HEADERS:-$DEFAULT_PROXY_HEADERS" in entrypoint
    assert "DJANGO_TRUSTED_PROXIES" in entrypoint
    run = (REPO / "run").read_text()
    assert "--proxy-headers" in run and "DJANGO_TRUSTED_PROXIES" in run
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "DAPHNE_PROXY_HEADERS=0" not in dockerfile  # the default follows DJANGO_TRUSTED_PROXIES


def test_entrypoint_adds_proxy_headers_only_when_proxies_are_trusted(tmp_path):
    fake = tmp_path / "python"
    # A stand-in interpreter: the set-up step succeeds, Daphne's command line is printed.
    fake.write_text('#!/bin/sh\nif [ "$1" = "-" ]; then cat >/dev/null; exit 0; fi\necho "$@"\n')
    fake.chmod(0o755)

    def daphne_args(**env):
        result = subprocess.run(
            ["sh", str(REPO / "deploy" / "entrypoint.sh")],
            env={"PATH": os.environ["PATH"], "PYTHON": str(fake), "APP_DIR": str(tmp_path), **env},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "--proxy-headers" not in daphne_args()
    assert "--proxy-headers" in daphne_args(DJANGO_TRUSTED_PROXIES="172.18.0.0/16")
    assert "--proxy-headers" not in daphne_args(
        DJANGO_TRUSTED_PROXIES="172.18.0.0/16", DAPHNE_PROXY_HEADERS="0"
    )


# ---- response headers ----------------------------------------------------------------------


#: The frame origins of the embed providers the demo enables (YouTube's no-cookie player, Vimeo's).
PLAYERS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]


def policy(response):
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


def assert_security_headers(response, *, inline_styles=False):
    csp = policy(response)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["script-src"] == ["'self'"] and csp["default-src"] == ["'self'"]
    assert ("'unsafe-inline'" in csp["style-src"]) is inline_styles
    assert "'unsafe-inline'" not in csp.get("style-src-attr", [])
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    # Only the video players of embedded lessons may be framed.
    assert csp["frame-src"] == PLAYERS
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/courses/",
    "/api/",
    "/api/auth/login/",
    "/api/schema/",
    "/api/schema/swagger/",
    "/api/schema/swagger/?script=",
    "/no-such-page/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_policy(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert_security_headers(response)
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_logged_in_pages_and_api_json_carry_the_policy(client, django_user_model):
    user = django_user_model.objects.create_user("ann", password="pw-123456789", role="student")
    client.force_login(user)
    for path in ("/", "/chat/", "/chat/lobby/", "/accounts/profile/", "/notifications/", "/api/courses/"):
        response = client.get(
            path, headers={"accept": "application/json"} if path.startswith("/api/") else {}
        )
        assert response.status_code == 200, path
        assert_security_headers(response)


@pytest.mark.django_db
def test_redoc_alone_allows_inline_styles_never_scripts(client):
    response = client.get("/api/schema/redoc/")
    assert response.status_code == 200
    assert_security_headers(response, inline_styles=True)
    assert policy(response)["worker-src"] == ["'self'", "blob:"]


@pytest.mark.django_db
def test_static_files_carry_the_policy_too(client, settings):
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True  # serve from the apps' folders without collectstatic
    response = Client().get("/static/favicon.svg")
    assert response.status_code == 200
    assert_security_headers(response)


def test_hsts_under_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/no-such-page/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/no-such-page/")  # never over http


def test_frame_src_is_the_enabled_players_exactly():
    """The policy frames what the embeds can produce, and nothing more: a provider added to
    ``EMBED_PROVIDERS`` without its origin in ``frame-src`` (or the reverse) fails here."""
    from django.conf import settings

    from elearning_courses.embeds import frame_origins

    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"] == frame_origins() == PLAYERS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "frame"),
    [
        ("https://www.youtube.com/watch?v=F5mRW0jo-U4", "https://www.youtube-nocookie.com/embed/F5mRW0jo-U4"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_lesson_page_frames_only_an_allowed_player(client, django_user_model, url, frame):
    """The embed lesson's page: a sandboxed frame of the player, allowed by ``frame-src``
    and by nothing broader; the page itself may not be framed."""
    from elearning_courses import services

    teacher = django_user_model.objects.create_user("tia", role="teacher")
    course = services.create_course(teacher, title="Embeds", description="Videos.")
    module = services.create_module(teacher, course, title="Week 1")
    lesson = services.create_lesson(teacher, module, title="Watch", kind="embed", url=url)
    client.force_login(teacher)
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    assert_security_headers(response)
    assert response["X-Frame-Options"] == "DENY"
    frames = re.findall(r"<iframe\b[^>]*>", response.content.decode())
    assert len(frames) == 1
    assert f'src="{frame}"' in frames[0] and 'sandbox="' in frames[0]
    assert any(frame.startswith(origin + "/") for origin in policy(response)["frame-src"])


# ---- no inline script or style in any template ------------------------------------------

TEMPLATE_DIRS = [PROJECT_DIR / "templates", *sorted(REPO.glob("packages/*/src/*/templates"))]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


#: Template comments, never rendered (they may name what they avoid: ``style=""``).
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.S)


def test_no_template_has_inline_script_or_style():
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = TEMPLATE_COMMENT.sub("", path.read_text())
            for pattern, what in INLINE:
                for match in pattern.finditer(text):
                    if 'type="application/json"' in match.group(0):
                        continue  # data, not code (json_script)
                    found.append(f"{path.relative_to(REPO)}: {what}: {match.group(0)[:60]}")
    assert not found, "\n".join(found)


def test_template_comments_are_not_scanned_but_markup_is():
    kept = TEMPLATE_COMMENT.sub("", '{# no style="" #}<b>{% comment %}<style>{% endcomment %}<i style="x">')
    assert kept == '<b><i style="x">'
    assert [what for pattern, what in INLINE if pattern.search(kept)] == ["style attribute"]


# ---- WebSocket origins through the demo's ASGI stack -----------------------------------


def test_demo_wraps_its_websockets_in_the_port_aware_validator():
    from elearning_chat.security import OriginValidator
    from example_project.asgi import application

    assert isinstance(application.application_mapping["websocket"], OriginValidator)


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("http://localhost:8100", True),  # same scheme, host and port
        ("http://localhost:9999", False),  # another port: another program on the host
        ("https://localhost:8100", False),  # another scheme
        ("http://127.0.0.1:8100", False),  # another host, though allowed
        ("null", False),
    ],
)
def test_websocket_origin_compares_scheme_host_and_port(settings, origin, accepted):
    from elearning_chat.security import origin_allowed

    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    scope = {"type": "websocket", "headers": [(b"host", b"localhost:8100")]}
    assert origin_allowed(scope, origin) is accepted


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_from_another_port_is_refused_by_the_demo():
    from example_project.asgi import application

    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/lobby/",
        headers=[(b"origin", b"http://localhost:9999"), (b"host", b"localhost:8100")],
    )
    connected, _ = await communicator.connect()
    assert not connected
