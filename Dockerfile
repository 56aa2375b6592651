# syntax=docker/dockerfile:1
# The demo site as a container image: Daphne serving example_project, with the three apps
# installed from wheels. Build from the repository root (the context needs packages/,
# requirements/, example_project/ and deploy/):
#
#   docker build -t django-elearning-demo .
#
# Configured at run time by the site's environment variables (docs/deployment.rst);
# compose.yaml runs two of these processes with PostgreSQL, Redis and nginx.

ARG PYTHON_VERSION=3.13

# ---- build: wheels of the three apps and of everything the demo needs ----------------------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY packages/ packages/
COPY requirements/demo.txt requirements/demo.txt
# requirements/demo.txt installs the apps in editable mode for development; here they are
# built as wheels instead, so the image holds what PyPI users get.
RUN mkdir -p /build \
    && grep -v 'packages/' requirements/demo.txt > /build/requirements.txt \
    && pip wheel --wheel-dir /build/wheels \
        ./packages/django-elearning-users \
        ./packages/django-elearning-courses \
        ./packages/django-elearning-chat \
        -r /build/requirements.txt

# ---- runtime: no build tools, no pip, a non-root user --------------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Installed offline from the build stage's wheels (mounted, so they never land in a layer);
# pip goes afterwards: nothing installs packages into a running site.
RUN --mount=type=bind,from=build,source=/build,target=/build \
    pip install --no-index --find-links=/build/wheels \
        django-elearning-users django-elearning-courses django-elearning-chat \
        -r /build/requirements.txt \
    && pip uninstall -y -q pip

# The code belongs to root and is read-only for the site; only /data is writable (SQLite when
# no DATABASE_URL is given, public media, private course materials).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data/media /data/private \
    && chown -R app:app /data

WORKDIR /app
COPY example_project/ /app/
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/elearning-entrypoint
COPY --chmod=0755 deploy/healthcheck.py /usr/local/bin/elearning-healthcheck

# Static files are part of the image: hashed names and compressed copies for WhiteNoise.
# DJANGO_DEBUG=0 refuses to start without a secret key, even for collectstatic; this dummy
# exists only in this step's environment, never in the image's.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-dummy-key-never-used-at-run-time \
        python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q /app

ENV DJANGO_DEBUG=0 \
    DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1 \
    DATABASE_URL=sqlite:////data/db.sqlite3 \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private \
    APP_DIR=/app \
    DAPHNE_HOST=0.0.0.0 \
    DAPHNE_PORT=8000 \
    LOAD_DEMO_DATA=0 \
    WAIT_TIMEOUT=60

USER app
EXPOSE 8000
# The first start migrates (and may load the demo data) before Daphne listens.
HEALTHCHECK --interval=15s --timeout=6s --start-period=90s --retries=3 CMD ["elearning-healthcheck"]
ENTRYPOINT ["elearning-entrypoint"]
