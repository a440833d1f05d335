"""Event → SQS message latency of the SQS bridge (target p99 ≤ 1 s).

`tessera serve` in embedded mode on PostgreSQL with the bridge on, against moto's SQS server
over HTTP. An admin creates products one after another (ProductCreated is a chosen type);
another thread stands for the service on the other side, long-polling the outbound queue.
A sample is the time from the event's timestamp (taken when the command made it, before
it was stored) to the moment its message is received, both read from this machine's clock.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime
from typing import Any

import httpx

from infra.servers.moto_server import MotoServer
from tests.bench.driver import latency_summary
from tests.bench.serve import tessera_serve
from tests.e2e.sync.queues import Queues, sqs_env
from tests.fixtures.stack import ADMIN_EMAIL, ADMIN_PASSWORD


class Receiver(threading.Thread):
    """Receives the outbound queue's messages and notes when each product's arrived."""

    def __init__(self, queues: Queues) -> None:
        super().__init__(daemon=True)
        self.sqs, self.url = queues.client, queues.outbound
        self.arrived: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        url = self.url
        while not self.done.is_set():
            messages = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            now = time.time()
            for message in messages:
                body = json.loads(message["Body"])
                sent_at = datetime.fromisoformat(body["timestamp"]).timestamp()
                self.arrived[body["data"]["obj_data"].get("name")] = now - sent_at
            if messages:
                self.sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )


def _create_products(base_url: str, names: list[str], gap: float) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        login = http.post(
            "/api/v1/auth/login/", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        for name in names:
            http.post(
                "/api/v1/products/", json={"name": name, "price": "1.00", "stock": 1}
            ).raise_for_status()
            time.sleep(gap)


def run(cluster: Any, samples: int = 200, gap: float = 0.02) -> list[dict[str, Any]]:
    with MotoServer() as moto:
        env = {**sqs_env(moto), "TESSERA_DATABASE_URL": cluster.create_database()}
        with tessera_serve(env) as served:
            receiver = Receiver(_queues(moto.endpoint_url, env))
            receiver.start()
            names = [f"sync-bench-{uuid.uuid4().hex[:8]}-{n}" for n in range(samples)]
            started = time.perf_counter()
            _create_products(served.base_url, names, gap)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not set(names) <= receiver.arrived.keys():
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            receiver.done.set()
            receiver.join(5)
    seconds = [receiver.arrived[n] for n in names if n in receiver.arrived]
    summary = latency_summary([s * 1000 for s in seconds])
    return [
        {
            "scenario": "sync-event-to-sqs",
            "per_s": round(len(seconds) / elapsed, 1),
            "p50_ms": summary["p50"],
            "p99_ms": summary["p99"],
            "max_ms": summary["max"],
            "samples": len(seconds),
            "lost": samples - len(seconds),
        }
    ]


def _queues(endpoint_url: str, env: dict[str, str]) -> Queues:
    """The stack's queues, once its bridge has created them."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return Queues(endpoint_url, env)
        except Exception:  # not created yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
