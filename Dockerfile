# Ceasefire Timeline API image: runtime files only, non-root, migrations applied at start.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --prefix=/install .

# The timeline page's browser library, exactly as web/package-lock.json pins it.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json web/.npmrc ./
RUN npm ci --no-audit --no-fund
COPY web/index.html ./
COPY web/assets ./assets

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////data/timeline.db \
    TIMELINE_SEEDS_DIR=/srv/seeds \
    TIMELINE_LOG_FORMAT=json
RUN groupadd --system --gid 10001 timeline \
    && useradd --system --uid 10001 --gid timeline --home-dir /srv --no-create-home timeline \
    && mkdir -p /data \
    && chown timeline:timeline /data
COPY --from=build /install /usr/local
WORKDIR /srv
COPY alembic.ini ./
COPY migrations ./migrations
COPY seeds ./seeds
COPY --from=web /web ./web
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
CMD ["sh", "-c", "timeline migrate && exec timeline serve"]
