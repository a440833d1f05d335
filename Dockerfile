# Tessera image: one image, many commands (see docker-compose.yml for the production shape).
# Default: `tessera serve` in embedded mode (SQLite under /app/.tessera, in-process bus) unless
# TESSERA_DATABASE_URL / TESSERA_KAFKA_BOOTSTRAP are set.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && pip install -r requirements.txt

COPY . .
RUN pip install --no-deps .


FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 tessera \
 && useradd --system --uid 10001 --gid tessera --home-dir /app --shell /usr/sbin/nologin tessera \
 && mkdir -p /app/.tessera \
 && chown -R tessera:tessera /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER tessera

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=4)"]
CMD ["tessera", "serve", "--host", "0.0.0.0", "--port", "8000"]
