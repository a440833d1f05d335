"""Configuration the processes cannot run with is refused at start-up, naming its variable.

Before, `TESSERA_ENV=prod` skipped the production checks (tokens signed with the dev key, which
is in the source), `TESSERA_KAFKA_PARTITIONS=0` was accepted (the relay divides by it), and
`TESSERA_DATABASE_URL=notaurl` hung.
"""
from __future__ import annotations

import pytest

from infra.config import ConfigurationError, load_settings


@pytest.mark.parametrize("variable, value, says", [
    ("TESSERA_ENV", "prod", "TESSERA_ENV: Invalid enum value 'prod'"),
    ("TESSERA_KAFKA_PARTITIONS", "0", "TESSERA_KAFKA_PARTITIONS: Expected `int` >= 1"),
    ("TESSERA_KAFKA_PARTITIONS", "three", "TESSERA_KAFKA_PARTITIONS: Expected `int`, got `str`"),
    ("TESSERA_UPLOAD_MAX_BYTES", "-1", "TESSERA_UPLOAD_MAX_BYTES: Expected `int` >= 1"),
    ("TESSERA_ACCESS_TOKEN_SECONDS", "0", "TESSERA_ACCESS_TOKEN_SECONDS"),
    ("TESSERA_MIN_POSITION_WAIT", "-5", "TESSERA_MIN_POSITION_WAIT"),
    ("TESSERA_JOB_LEASE", "0", "TESSERA_JOB_LEASE"),
    ("TESSERA_METRICS_PORT", "70000", "TESSERA_METRICS_PORT"),
    ("TESSERA_DATABASE_URL", "notaurl", "TESSERA_DATABASE_URL"),
    ("TESSERA_DATABASE_URL", "mysql://db/x", "TESSERA_DATABASE_URL"),
    ("TESSERA_KAFKA_BOOTSTRAP", "localhost", "TESSERA_KAFKA_BOOTSTRAP"),
    ("TESSERA_KAFKA_BOOTSTRAP", "a:9092, b:9092", "TESSERA_KAFKA_BOOTSTRAP"),
    ("TESSERA_PRESENCE_LEASE", "2", "TESSERA_PRESENCE_LEASE must be longer than TESSERA_PRESENCE_HEARTBEAT"),
    ("TESSERA_ADMIN_PASSWORD", "admin", "TESSERA_ADMIN_PASSWORD: Expected `str` of length >= 8"),
    ("TESSERA_ADMIN_EMAIL", "admin", "TESSERA_ADMIN_EMAIL"),
    ("TESSERA_SMTP_URL", "localhost:25", "TESSERA_SMTP_URL must look like smtp://host[:port]"),
    ("TESSERA_SMTP_URL", "smtp://", "TESSERA_SMTP_URL"),
    ("TESSERA_SMTP_URL", "smtp://mail:twenty-five", "TESSERA_SMTP_URL"),
    ("TESSERA_S3_ENDPOINT_URL", "minio:9000", "TESSERA_S3_ENDPOINT_URL must look like http://host[:port]"),
    ("TESSERA_SQS_ENDPOINT_URL", "localstack", "TESSERA_SQS_ENDPOINT_URL"),
    ("TESSERA_SQS_ENDPOINT_URL", "http://local stack:4566", "TESSERA_SQS_ENDPOINT_URL"),
    ("TESSERA_OTLP_ENDPOINT", "not a url", "TESSERA_OTLP_ENDPOINT"),
])
def test_a_value_no_process_can_run_with_is_refused_by_name(variable, value, says):
    with pytest.raises(ConfigurationError) as refused:
        load_settings({variable: value})
    assert says in str(refused.value)


@pytest.mark.parametrize("variable, value", [
    ("TESSERA_ENV", "dev"), ("TESSERA_DATABASE_URL", "postgresql://u:p@db:5432/tessera"),
    ("TESSERA_DATABASE_URL", "postgres://db/tessera"), ("TESSERA_KAFKA_BOOTSTRAP", "kafka:9092"),
    ("TESSERA_KAFKA_BOOTSTRAP", "10.0.0.1:9092,10.0.0.2:9092,[::1]:9092"),
    ("TESSERA_MIN_POSITION_WAIT", "0"), ("TESSERA_METRICS_PORT", "0"),
    ("TESSERA_SMTP_URL", "smtp://mail:25"), ("TESSERA_SMTP_URL", "smtps://u:p%40ss@mail?from=Ops <ops@x.io>"),
    ("TESSERA_S3_ENDPOINT_URL", "http://minio:9000"), ("TESSERA_SQS_ENDPOINT_URL", "https://sqs.eu-west-1.amazonaws.com"),
    ("TESSERA_OTLP_ENDPOINT", "http://collector:4318/"),
])
def test_the_documented_forms_are_accepted(variable, value):
    load_settings({variable: value})
