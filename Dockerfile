# One image for every container of compose.yaml: the Prefect server, the worker, the web app and the
# one-off setup all run the same locked versions, so the Prefect client and server always match.
FROM python:3.11-slim-bookworm

# pg_dump and pg_restore for `obligations backup` (Debian bookworm's client is PostgreSQL 15, the
# same major version as compose.yaml's database: pg_dump refuses a newer server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/obligations obligations \
    && mkdir -p /data && chown obligations:obligations /data
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md prefect.yaml ./
COPY obligations obligations
COPY config config
COPY rules rules
COPY models models
COPY plans plans
COPY flows flows
COPY notifications notifications
COPY web web
RUN pip install --no-cache-dir --no-deps .

USER obligations
ENV OBLIGATIONS_HOME=/data \
    DO_NOT_TRACK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false
VOLUME /data
CMD ["obligations", "--help"]
