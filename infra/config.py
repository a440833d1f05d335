"""One typed settings object, read from the environment once at start-up (CONTRACT §10)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import msgspec

from domain.identity.credentials import Email, Password

DEV_SECRET_KEY = "tessera-dev-secret-key-change-me-in-production"
DEV_APP_KEY = "dev-app-key"
DEFAULT_SQS_EVENT_TYPES = ("UserRegistered,UserProfileUpdated,UserDeactivated,ProductCreated,OrderPlaced,"
                           "BookCreated,BookUpdated,BookDeleted,CourseCreated")


class ConfigurationError(RuntimeError):
    """Start-up refused: the configuration is unsafe or inconsistent."""


Positive = Annotated[int, msgspec.Meta(ge=1)]
Seconds = Annotated[float, msgspec.Meta(gt=0)]
Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
PostgresUrl = Annotated[str, msgspec.Meta(pattern=r"^postgres(ql)?://")]
_HOST_PORT = r"(\[[0-9A-Fa-f:.]+\]|[^\s,:\[\]]+):\d+"
KafkaServers = Annotated[str, msgspec.Meta(pattern=rf"^{_HOST_PORT}(,{_HOST_PORT})*$")]
# The integrations are reached lazily (the first mail, upload, span): a malformed endpoint
# passed start-up, and `TESSERA_SMTP_URL=localhost:25` then made every registration a 500
# after the account was stored. Each must be a URL of one of these schemes with a host.
ENDPOINT_SCHEMES = {"smtp_url": ("smtp", "smtps"), "s3_endpoint_url": ("http", "https"),
                    "sqs_endpoint_url": ("http", "https"), "otlp_endpoint": ("http", "https")}


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    # Anything else skipped the production checks: TESSERA_ENV=prod ran with the dev secret key.
    env: Literal["dev", "production"] = "dev"
    database_url: PostgresUrl | None = None
    kafka_bootstrap: KafkaServers | None = None
    secret_key: str = DEV_SECRET_KEY
    # The bootstrap admin is created without going through registration: its rules apply here.
    admin_email: Email | None = None
    admin_password: Password | None = None
    smtp_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_bucket: str = "tessera"
    sqs_endpoint_url: str | None = None
    sqs_outbound_queue: str | None = None
    sqs_inbound_queue: str | None = None
    sqs_dead_letter_queue: str | None = None
    sqs_event_types: str = DEFAULT_SQS_EVENT_TYPES
    sqs_region: str = "us-east-1"
    app_key: str = DEV_APP_KEY
    otlp_endpoint: str | None = None
    data_dir: Path = Path(".tessera")
    access_token_seconds: Positive = 3600
    refresh_token_seconds: Positive = 86400
    min_position_wait_seconds: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    kafka_partitions: Positive = 3
    kafka_topic_prefix: str = "tessera"
    kafka_session_timeout: Seconds = 10.0
    metrics_port: Port = 0
    db_pool_size: Positive = 10
    ready_max_lag: Annotated[int, msgspec.Meta(ge=0)] = 10_000
    upload_max_bytes: Positive = 10 * 1024 * 1024
    presence_heartbeat_seconds: Seconds = 3.0
    presence_lease_seconds: Seconds = 10.0
    job_lease_seconds: Seconds = 10.0
    mail_late_seconds: Seconds = 10.0
    ws_compression: bool = False
    ws_token_recheck_seconds: Seconds = 30.0
    ws_max_sockets_per_user: Positive = 100
    password_hashing: Literal["recommended", "cheapest"] = "recommended"
    # Proxies whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips): the edge.
    forwarded_allow_ips: str = "127.0.0.1"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url)

    @property
    def uses_kafka(self) -> bool:
        return bool(self.kafka_bootstrap)

    def check_safe_for_production(self) -> None:
        if not self.is_production:
            return
        # Spaces count for nothing: forty of them passed as a 40-character secret.
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key.strip()) < 32:
            raise ConfigurationError("TESSERA_SECRET_KEY must be set to a secret of 32+ characters")
        if self.app_key == DEV_APP_KEY:
            raise ConfigurationError("TESSERA_APP_KEY must be set in production")
        # The callback's check strips the header's key, so a key with outer spaces never matched.
        if len(self.app_key) < 16 or self.app_key != self.app_key.strip():
            raise ConfigurationError("TESSERA_APP_KEY must be 16+ characters, without leading or "
                                     "trailing spaces, in production")
        if self.password_hashing != "recommended":
            raise ConfigurationError("TESSERA_PASSWORD_HASHING=cheapest is for test suites; "
                                     "production hashes with the recommended parameters")


_ENV_NAMES = {
    "env": "TESSERA_ENV",
    "database_url": "TESSERA_DATABASE_URL",
    "kafka_bootstrap": "TESSERA_KAFKA_BOOTSTRAP",
    "secret_key": "TESSERA_SECRET_KEY",
    "admin_email": "TESSERA_ADMIN_EMAIL",
    "admin_password": "TESSERA_ADMIN_PASSWORD",
    "smtp_url": "TESSERA_SMTP_URL",
    "s3_endpoint_url": "TESSERA_S3_ENDPOINT_URL",
    "s3_bucket": "TESSERA_S3_BUCKET",
    "sqs_endpoint_url": "TESSERA_SQS_ENDPOINT_URL",
    "sqs_outbound_queue": "TESSERA_SQS_OUTBOUND_QUEUE",
    "sqs_inbound_queue": "TESSERA_SQS_INBOUND_QUEUE",
    "sqs_dead_letter_queue": "TESSERA_SQS_DEAD_LETTER_QUEUE",
    "sqs_event_types": "TESSERA_SQS_EVENT_TYPES",
    "sqs_region": "TESSERA_SQS_REGION",
    "app_key": "TESSERA_APP_KEY",
    "otlp_endpoint": "TESSERA_OTLP_ENDPOINT",
    "data_dir": "TESSERA_DATA_DIR",
    "access_token_seconds": "TESSERA_ACCESS_TOKEN_SECONDS",
    "refresh_token_seconds": "TESSERA_REFRESH_TOKEN_SECONDS",
    "min_position_wait_seconds": "TESSERA_MIN_POSITION_WAIT",
    "kafka_partitions": "TESSERA_KAFKA_PARTITIONS",
    "kafka_topic_prefix": "TESSERA_KAFKA_TOPIC_PREFIX",
    "kafka_session_timeout": "TESSERA_KAFKA_SESSION_TIMEOUT",
    "metrics_port": "TESSERA_METRICS_PORT",
    "db_pool_size": "TESSERA_DB_POOL_SIZE",
    "ready_max_lag": "TESSERA_READY_MAX_LAG",
    "upload_max_bytes": "TESSERA_UPLOAD_MAX_BYTES",
    "presence_heartbeat_seconds": "TESSERA_PRESENCE_HEARTBEAT",
    "presence_lease_seconds": "TESSERA_PRESENCE_LEASE",
    "job_lease_seconds": "TESSERA_JOB_LEASE",
    "mail_late_seconds": "TESSERA_MAIL_LATE",
    "ws_compression": "TESSERA_WS_COMPRESSION",
    "ws_token_recheck_seconds": "TESSERA_WS_TOKEN_RECHECK",
    "ws_max_sockets_per_user": "TESSERA_WS_MAX_PER_USER",
    "password_hashing": "TESSERA_PASSWORD_HASHING",
    "forwarded_allow_ips": "TESSERA_FORWARDED_ALLOW_IPS",
}


def _paths(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, (str, Path)):
        return Path(value)
    raise TypeError(f"cannot read {kind}")


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from the environment; `overrides` win (tests and CLI flags)."""
    environ = dict(os.environ if environ is None else environ)
    raw = {field: environ[name] for field, name in _ENV_NAMES.items() if environ.get(name)}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = msgspec.convert(raw, Settings, strict=False, dec_hook=_paths)
    except msgspec.ValidationError as error:
        raise ConfigurationError(f"invalid configuration: {_named(str(error))}") from error
    if settings.presence_lease_seconds <= settings.presence_heartbeat_seconds:
        raise ConfigurationError("invalid configuration: TESSERA_PRESENCE_LEASE must be longer than "
                                 "TESSERA_PRESENCE_HEARTBEAT, or every user goes offline between beats")
    check_endpoints(settings)
    settings.check_safe_for_production()
    return settings


def check_endpoints(settings: Settings) -> None:
    for field, schemes in ENDPOINT_SCHEMES.items():
        value = getattr(settings, field)
        if value is not None and not is_url(value, schemes):
            forms = " or ".join(f"{scheme}://host[:port]" for scheme in schemes)
            raise ConfigurationError(f"invalid configuration: {_ENV_NAMES[field]} must look like {forms}")


def is_url(value: str, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname) and not any(c.isspace() for c in parts.netloc)


def _named(message: str) -> str:
    """msgspec's message with the field's variable named: `... - at `$.kafka_partitions`` →
    `TESSERA_KAFKA_PARTITIONS: ...`."""
    reason, _, where = message.partition(" - at `$.")
    field = where.rstrip("`")
    return f"{_ENV_NAMES[field]}: {reason}" if field in _ENV_NAMES else message
