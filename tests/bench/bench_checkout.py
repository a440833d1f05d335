"""Checkout side by side with the Django/DRF peer, both on the bench's PostgreSQL cluster.

Both systems are driven by the same `../shared/bench/load.py` (`checkout-spread` over 100
products, `checkout-contended` on one product), one system at a time, alternating (both served
throughout), so a change in the machine's load hits both. Tessera runs first as `tessera serve`
on PostgreSQL (one process: API and projections), then in its production shape (PostgreSQL +
Kafka: serve, relay, projector and worker processes), where checkout-spread is run at the
command service, `tessera serve command`, with one worker and with two; the peer as its README
says (gunicorn, 2 sync workers). Oversell is checked by load.py and again
here against Tessera's event store-backed listing. Every run starts once both systems are
quiet, so neither pays for the other's leftover work (Tessera projecting the orders of its
previous run); the wait is reported as `quiet_after_s`. The production shape gets an
unmeasured warm-up pass first (`WARM_UP_SECONDS`, reported as `warm_up_s`), as a system that
has been running would be warm.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from infra.servers import free_port
from tests.bench.peer import WORK, run_load, served_peer
from tests.bench.serve import (Served, UsesCpu, production_shape, signed_up, tessera_serve,
                                wait_until_quiet)
from tests.fixtures.stack import Stack, wait_healthy

PEER_SIZES = {"authors": 20, "books": 200, "comments": 1000, "courses": 50, "products": 100,
              "users": 200, "tags": 10}
PRODUCTS, STOCK, BUYERS = 100, 1_000_000, 64
# The production shape's first minute of load is not its steady state: the Kafka broker's JIT
# compiler spent 0.4-0.8 ms of CPU per checkout then (a third of the broker's CPU, on the same
# two cores), falling to 0.2 after about a minute. An unmeasured checkout-spread pass of this
# length runs first; the peer is already warm from the one-serve rows before it.
WARM_UP_SECONDS = 45.0
# (label, load.py scenario, its options): a sell-out proves no oversell; a hot row with plenty
# of stock measures contended confirmations per second.
RUNS = (("checkout-spread", "checkout-spread", ("--min-stock", "1000")),
        ("checkout-contended sell-out 200", "checkout-contended", ("--stock", "200")),
        ("checkout-contended hot row", "checkout-contended", ("--stock", str(STOCK))))


def tessera_fixture(served: Served) -> tuple[Path, Path, list[str]]:
    """100 well-stocked products and 64 buyers' tokens, written as load.py token files, and
    the products' ids."""
    admin = httpx.post(f"{served.base_url}/api/v1/auth/login/", timeout=30,
                       json={"email": "admin@tessera.test", "password": "admin-password-123"})
    admin.raise_for_status()
    admin_token = admin.json()["token"]
    with httpx.Client(base_url=served.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {admin_token}"}) as http:
        products = [http.post("/api/v1/products/", json={"name": f"bench-{n}", "price": "9.99",
                                                         "stock": STOCK}) for n in range(PRODUCTS)]
    for product in products:
        product.raise_for_status()
    tokens, admin_file = WORK / "tessera-tokens.txt", WORK / "tessera-tokens-admin.txt"
    tokens.write_text("".join(signed_up(served.base_url, "buyer")["token"] + "\n" for _ in range(BUYERS)))
    admin_file.write_text(admin_token + "\n")
    return tokens, admin_file, [product.json()["id"] for product in products]


def checkout_run(scenario: str, options: tuple[str, ...], base_url: str, tokens: Path, admin: Path,
                 seconds: float, quiet: tuple[UsesCpu, ...]) -> dict[str, Any]:
    waited = wait_until_quiet(*quiet)
    return {**run_load(base_url, scenario, *files_options(tokens, admin), *options, seconds=seconds),
            "quiet_after_s": waited}


def files_options(tokens: Path, admin: Path) -> tuple[str, ...]:
    return ("--tokens-file", str(tokens), "--admin-token-file", str(admin))


def row(label: str, system: str, summary: dict[str, Any]) -> dict[str, Any]:
    """Answers per second: confirmations, except in a sell-out, where most answers are 409s."""
    checkout = summary.get("checkout", {})
    latency, sold_out = summary["latency_ms"], checkout.get("sold_out")
    return {"scenario": f"{label} ({system})",
            "per_s": summary["throughput_rps"] if sold_out else summary["ok_rps"],
            "ok_per_s": summary["ok_rps"], "p50_ms": latency["p50"], "p99_ms": latency["p99"],
            "oversold": checkout.get("oversold"), "sold": checkout.get("units_sold"),
            "consistent": checkout.get("consistent"), "stock_final": checkout.get("stock_final"),
            "sold_out_s": checkout.get("last_success_s") if sold_out else None,
            "quiet_after_s": summary["quiet_after_s"], "status": summary["status"]}


def run(cluster: Any, seconds: float = 20.0) -> list[dict[str, Any]]:
    WORK.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    env = {"TESSERA_DATABASE_URL": cluster.create_database()}
    with served_peer(cluster.create_database(f"peer_{uuid.uuid4().hex[:8]}"), PEER_SIZES) as peer:
        peer_files = (peer.tokens_file, peer.admin_token_file)
        with tessera_serve(env) as served:
            tessera_files = tessera_fixture(served)[:2]
            for label, scenario, options in RUNS:
                theirs = row(label, "django peer", checkout_run(scenario, options, peer.base_url,
                                                                *peer_files, seconds, (peer, served)))
                ours = row(label, "tessera", checkout_run(scenario, options, served.base_url,
                                                          *tessera_files, seconds, (peer, served)))
                results += [with_ratio(ours, theirs), theirs]
        with production_shape(cluster) as (stack, busy):
            *tessera_files, product_ids = tessera_fixture(Served(stack.base_url, busy[0].pid))
            spread = ("--product-ids", ",".join(product_ids))
            with command_service(stack, "1") as commands:
                warm_up = run_load(commands.base_url, "checkout-spread", *files_options(*tessera_files),
                                   *spread, seconds=WARM_UP_SECONDS)
            for workers in ("1", "2"):
                with command_service(stack, workers) as commands:
                    quiet = (peer, *busy, commands)
                    theirs = row("checkout-spread", "django peer, again", checkout_run(
                        "checkout-spread", RUNS[0][2], peer.base_url, *peer_files, seconds, quiet))
                    ours = row("checkout-spread", f"tessera production, serve command --workers {workers}",
                               checkout_run("checkout-spread", spread, commands.base_url, *tessera_files,
                                            seconds, quiet))
                    results += [{**with_ratio(ours, theirs), "warm_up_s": WARM_UP_SECONDS,
                                 "warm_up_per_s": warm_up["ok_rps"]}, theirs]
    return results


@contextmanager
def command_service(stack: Stack, workers: str) -> Iterator[Served]:
    """`tessera serve command --workers N` beside the stack: the command API alone, given the
    product ids since it serves no listing."""
    port = free_port()
    name = f"commands-{workers}"
    stack.define(name, ["serve", "command", "--workers", workers, "--host", "127.0.0.1",
                        "--port", str(port)], Path(stack.env["TESSERA_DATA_DIR"]) / f"{name}.log")
    stack.start(name)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", stack.processes[name], stack.logs[name])
        yield Served(f"http://127.0.0.1:{port}", stack.processes[name].pid)
    finally:
        stack.stop(name)


def with_ratio(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    return {**ours, "ratio_to_peer": round(ours["per_s"] / theirs["per_s"], 2) if theirs["per_s"] else None}
