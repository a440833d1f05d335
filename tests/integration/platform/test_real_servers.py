"""The launchers in infra/servers give real, working servers.

Every other integration test builds on these fixtures; when one of them breaks, these tests
say which server is at fault before a hundred feature tests fail for an unclear reason.
"""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage

import boto3
import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer


def test_postgres_accepts_connections_and_queries(database_url):
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
        assert conn.execute("SHOW max_connections").fetchone() == ("800",)


def test_fresh_databases_are_isolated(fresh_database_url, postgres_cluster):
    other = postgres_cluster.create_database()
    with psycopg.connect(fresh_database_url) as conn:
        conn.execute("CREATE TABLE only_here (id int)")
    with psycopg.connect(other) as conn:
        assert conn.execute("SELECT to_regclass('only_here')").fetchone() == (None,)


def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    futures = [producer.send(topic, key=f"k{i % 10}".encode(), value=f"m{i}".encode())
               for i in range(count)]
    producer.flush()
    for future in futures:
        future.get(timeout=10)
    producer.close()


def _consume_all(bootstrap: str, topic: str, count: int, timeout_s: float = 30.0) -> list:
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"g-{uuid.uuid4().hex}",
        auto_offset_reset="earliest", session_timeout_ms=2000, heartbeat_interval_ms=666,
        consumer_timeout_ms=int(timeout_s * 1000))
    records = []
    for record in consumer:  # stops after consumer_timeout_ms without a message
        records.append(record)
        if len(records) >= count:
            break
    consumer.close()
    return records


def test_kafka_round_trip_on_three_partitions(kafka_broker):
    topic = f"platform.roundtrip.{uuid.uuid4().hex[:8]}"
    kafka_broker.create_topics([topic], partitions=3)
    kafka_broker.create_topics([topic], partitions=3)  # idempotent
    _produce(kafka_broker.bootstrap, topic, 100)
    records = _consume_all(kafka_broker.bootstrap, topic, 100)
    assert sorted(r.value for r in records) == sorted(f"m{i}".encode() for i in range(100))
    assert len({r.partition for r in records}) == 3
    partitions_of_key = {}
    for r in records:
        partitions_of_key.setdefault(r.key, set()).add(r.partition)
    assert all(len(parts) == 1 for parts in partitions_of_key.values())


def test_kafka_restart_after_sigkill_keeps_messages(own_kafka_broker):
    broker = own_kafka_broker
    bootstrap = broker.bootstrap
    broker.create_topics(["platform.durable"], partitions=3)
    _produce(bootstrap, "platform.durable", 100)
    broker.kill()
    broker.start()
    assert broker.bootstrap == bootstrap
    records = _consume_all(bootstrap, "platform.durable", 100)
    assert sorted(r.value for r in records) == sorted(f"m{i}".encode() for i in range(100))


def _aws(service: str, moto_server):
    return boto3.client(service, endpoint_url=moto_server.endpoint_url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_moto_serves_s3(moto_server):
    s3 = _aws("s3", moto_server)
    bucket = f"platform-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="a/b.txt")["Body"].read() == b"hello"


def test_moto_serves_sqs(moto_server):
    sqs = _aws("sqs", moto_server)
    queue_url = sqs.create_queue(QueueName=f"platform-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody='{"hello": 1}')
    received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in received] == ['{"hello": 1}']


def _mail(to: str, subject: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "noreply@tessera.test", to, subject
    mail.set_content(f"body of {subject}")
    return mail


def test_smtp_records_mails_sent_over_one_connection(smtp_server):
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        client.send_message(_mail("a@example.test", "first"))
        client.send_message(_mail("b@example.test", "second"))
    mails = smtp_server.wait_for(2)
    assert [m.message["Subject"] for m in mails] == ["first", "second"]
    assert [m.rcpt_tos for m in mails] == [("a@example.test",), ("b@example.test",)]
    assert mails[1].message.get_content().strip() == "body of second"
    assert smtp_server.connections == 1
    assert smtp_server.url == f"smtp://127.0.0.1:{smtp_server.port}"


def test_smtp_refuses_listed_recipients(smtp_server):
    smtp_server.refused_recipients.add("gone@example.test")
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(_mail("gone@example.test", "lost"))
    assert refused.value.recipients["gone@example.test"][0] == 550
    assert smtp_server.messages == []
