# syntax=docker/dockerfile:1
# One image for every Python service (auth, gateway, functions); docker-compose.yml picks the
# process with `command:`. Build context: the repository root.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Pinned runtime dependencies first, in their own layer, so a code change does not reinstall
# them. Wheels only: the slim image has no compiler, and every pin ships a manylinux wheel.
COPY requirements.txt ./
RUN pip install --only-binary=:all: -r requirements.txt

COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent ws \
    && mkdir -p /data/files \
    && chown ws:ws /data/files

# A fresh named volume mounted here copies this ownership, so the non-root user can write files.
VOLUME ["/data/files"]
USER ws

# Bind all interfaces inside the container; compose publishes only what should be public.
ENV WS_HTTP_HOST=0.0.0.0 \
    WS_AUTH_HOST=0.0.0.0

CMD ["python", "-m", "services.gateway"]
