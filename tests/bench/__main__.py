"""`make bench` / `python -m tests.bench`: the platform figures, printed and kept.

Starts a durable throwaway PostgreSQL (fsync on: a fair ceiling), runs each scenario against
it, prints one table and appends every result as a JSON line to
`.tessera/bench/results.jsonl`, with the commit, the time and the machine's load.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.servers.postgres_cluster import PostgresCluster
from tests.bench import bench_chat_fanout, bench_checkout, bench_commands, bench_push_latency, bench_replay
from tests.bench import bench_sync
from tests.bench import bench_catalog
from tests.bench import bench_jobs

RESULTS = Path(".tessera/bench/results.jsonl")


def scenarios(args: argparse.Namespace) -> dict[str, Callable[[Any], list[dict[str, Any]]]]:
    return {
        "commands": lambda cluster: bench_commands.run(cluster, args.seconds, args.concurrency),
        "push": lambda cluster: bench_push_latency.run(cluster, args.samples),
        "replay": lambda cluster: bench_replay.run(cluster, args.events),
        "checkout": lambda cluster: bench_checkout.run(cluster, args.seconds),
        "chat-fanout": lambda cluster: bench_chat_fanout.run(cluster, bench_chat_fanout.FanoutLoad(
            users=args.chat_users, rate=args.chat_rate, seconds=args.chat_seconds,
            sockets=args.chat_sockets), peer=not args.chat_no_peer),
        "sync": lambda cluster: bench_sync.run(cluster, args.sync_samples),
        "catalog": lambda cluster: bench_catalog.run(cluster, args.books, args.comments, args.seconds,
                                                     args.concurrency),
        "jobs": lambda cluster: bench_jobs.run(cluster, args.import_rows, args.images, args.recipients),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_table(results: list[dict[str, Any]]) -> None:
    columns = ("scenario", "per_s", "p50_ms", "p99_ms", "notes")
    rows = [[_cell(r.get(c)) for c in columns[:-1]] + [notes(r)] for r in results]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    for row in [list(columns), ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def notes(result: dict[str, Any]) -> str:
    keys = ("sockets_held", "delivered_ratio", "lost_frames", "server_cpu_ms_per_msg", "ratio_to_ceiling", "ratio_to_peer", "oversold", "sold", "sold_out_s", "server_cpu_ms_per_ok", "events", "seconds", "events_per_cpu_s",
            "probe", "samples", "background_per_s", "not_measured", "max_ms", "lost", "peak_rss_growth_mb", "worker_cpu_us_per_item", "warm_up_s")
    return ", ".join(f"{k}={_cell(result[k])}" for k in keys if result.get(k) is not None)


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--only", action="append", help="a scenario name (default: all); repeatable")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured load per HTTP run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--samples", type=int, default=200, help="push latency samples per mode")
    parser.add_argument("--events", type=int, default=200_000, help="events in the replayed log")
    parser.add_argument("--chat-users", type=int, default=400, help="chat fan-out users (groups of 20)")
    parser.add_argument("--chat-rate", type=float, default=200.0, help="chat messages per second, all groups")
    parser.add_argument("--chat-seconds", type=float, default=20.0, help="measured chat load")
    parser.add_argument("--chat-sockets", type=int, default=2000, help="sockets held (0 skips)")
    parser.add_argument("--sync-samples", type=int, default=300, help="events timed to their SQS message")
    parser.add_argument("--books", type=int, default=100_000, help="catalog: books populated (both systems)")
    parser.add_argument("--comments", type=int, default=1_000_000, help="catalog: comments populated")
    parser.add_argument("--import-rows", type=int, default=100_000, help="jobs: CSV rows imported")
    parser.add_argument("--images", type=int, default=300, help="jobs: 1600x1200 JPEGs thumbnailed")
    parser.add_argument("--recipients", type=int, default=10_000, help="jobs: users mailed by a broadcast")
    parser.add_argument("--chat-no-peer", action="store_true", help="chat fan-out of Tessera only, without the Channels peer")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    run = {"run": uuid.uuid4().hex[:8], "commit": git_commit(), "cores": os.cpu_count(),
           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    results: list[dict[str, Any]] = []
    with PostgresCluster(fast=False) as cluster:
        for name, scenario in scenarios(args).items():
            if args.only and name not in args.only:
                continue
            load_before = os.getloadavg()[0]
            for result in scenario(cluster):
                results.append({**result, **run, "load_avg_1m": round(load_before, 2)})
            print(f"[bench] {name} done", flush=True)
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        for result in results:
            out.write(json.dumps(result) + "\n")
    print(f"appended {len(results)} results to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
