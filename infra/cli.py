"""The `tessera` command (CONTRACT §10). Each subcommand is a thin call into its module."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

from infra.config import ConfigurationError, Settings, load_settings


def _count(least: int, most: int | None = None):
    """An argparse type: an int from `least` (to `most`), or a usage error naming the range."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least or (most is not None and value > most):
            bounds = f"{least}-{most}" if most is not None else f"at least {least}"
            raise argparse.ArgumentTypeError(f"{value} is out of range ({bounds})")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tessera", description="Event-sourced backend for real-time apps")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP/WebSocket services")
    serve.add_argument("service", nargs="?", choices=["command", "query", "push"])
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_count(1, 65535), default=8000)
    serve.add_argument("--workers", type=_count(1), default=1,
                       help="processes sharing the port (a service without the in-process bus only)")
    commands.add_parser("relay", help="outbox relay: event store → Kafka")
    projector = commands.add_parser("projector", help="faust projector worker")
    projector.add_argument("--projection", action="append")
    commands.add_parser("worker", help="jobs worker")
    commands.add_parser("migrate", help="create tables and Kafka topics (idempotent)")
    populate = commands.add_parser("populate", help="generate demo data through the command path")
    for name, default in (("users", 50), ("authors", 100), ("tags", 50), ("books", 1000),
                          ("comments", 5000), ("courses", 200), ("products", 100)):
        populate.add_argument(f"--{name}", type=_count(0), default=default)
    populate.add_argument("--force", action="store_true",
                          help="run with TESSERA_ENV=production too (its users share a known password)")
    replay = commands.add_parser("replay", help="rebuild read models from the log")
    replay.add_argument("--projection", action="append")
    replay.add_argument("--jobs", type=_count(0), default=0,
                        help="processes replaying at once (default: 2 on PostgreSQL, 1 on SQLite)")
    replay.add_argument("--tables-ready", action="store_true", help=argparse.SUPPRESS)
    verify = commands.add_parser("verify", help="rebuild into a scratch store and compare")
    verify.add_argument("--projection", action="append")
    health = commands.add_parser("health", help="exit 0 when the named worker is healthy")
    health.add_argument("service", choices=["relay", "projector", "worker"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(f"tessera: {error}", file=sys.stderr)
        return 2
    configure_process(settings, getattr(args, "service", None) or args.command)
    try:
        return int(COMMANDS[args.command](settings, args) or 0)
    except ValueError as error:
        from projectors.projection import UnknownProjectionError  # not imported by `health`

        if not isinstance(error, UnknownProjectionError):
            raise
        print(f"tessera: {error}", file=sys.stderr)
        return 2


def configure_process(settings: Settings, service: str) -> None:
    """Log lines with request and trace ids, and tracing if configured; also run by each
    `serve --workers` process, which starts from a fresh interpreter."""
    from infra.tracing import setup_process

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s "
                        "[request_id=%(request_id)s trace_id=%(trace_id)s] %(message)s")
    setup_process(settings, service)


def serve(settings: Settings, args: Any) -> int:
    import uvicorn

    from infra.web.app import SERVICES, build_app

    services = (args.service,) if args.service else SERVICES
    # permessage-deflate is off unless asked for: chat and push frames are a few hundred bytes,
    # where it saves little, and it costs CPU per frame per socket plus a zlib context each.
    # Behind the edge every connection comes from the edge: its X-Forwarded-For names the
    # client (the login throttle counts per client), and only a proxy listed here is believed.
    options = {"host": args.host, "port": args.port, "log_level": "warning", "lifespan": "on",
               "ws_max_size": 1 << 20, "ws_per_message_deflate": settings.ws_compression,
               "forwarded_allow_ips": settings.forwarded_allow_ips}
    if args.workers <= 1:
        uvicorn.run(build_app(services, settings), **options)
        return 0
    if set(services) == set(SERVICES) and not settings.uses_kafka:
        print("tessera: --workers needs one service (`serve command|query`) or Kafka: every embedded "
              "process would run its own projectors", file=sys.stderr)
        return 2
    from infra.web.workers import SpreadWorkers

    os.environ["TESSERA_SERVE_SERVICES"] = ",".join(services)
    SpreadWorkers(uvicorn.Config("infra.web.app:app_from_environment", factory=True,
                                 workers=args.workers, **options)).run()
    return 0


def migrate(settings: Settings, args: Any) -> int:
    from infra.runtime import Runtime

    runtime = Runtime(settings).open_storage()
    if settings.uses_kafka:
        from infra.kafka_admin import create_topics

        create_topics(settings)
    runtime.store.close()
    print("migrated")
    return 0


def replay(settings: Settings, args: Any) -> int:
    """Rebuild read models beside the live ones and swap them in (`projectors.shadow`); on
    PostgreSQL several processes each rebuild a group of projections."""
    from contextlib import nullcontext

    from infra.runtime import Runtime
    from projectors.runtime import create_tables
    from projectors.verify import replay_groups

    runtime = Runtime(settings, projection_names=args.projection).open_storage(not args.tables_ready)
    jobs = args.jobs or (2 if settings.uses_postgres else 1)
    groups = replay_groups(runtime.projections, jobs) if settings.uses_postgres else []
    # One replay at a time, as they share the shadow store; the processes of a parallel
    # replay run under their parent's hold (`--tables-ready`), each swapping its own group in.
    with nullcontext() if args.tables_ready else runtime.store.replaying_alone():
        shadow = open_scratch_store(settings, "replay", fresh=not args.tables_ready)
        try:
            if not args.tables_ready:
                create_tables(shadow, runtime.projections)
            print(json.dumps(_rebuild(settings, runtime, shadow, groups)))
        finally:
            shadow.close()
            if not args.tables_ready:
                drop_scratch_store(settings, "replay")
    return 0


def _rebuild(settings: Settings, runtime: Any, shadow: Any, groups: list[list[str]]) -> dict[str, Any]:
    import time

    from projectors.shadow import replay_beside_live

    if len(groups) <= 1:
        return replay_beside_live(runtime.recorder.inner, runtime.store, shadow, runtime.projections,
                                  source_of=_source_of(settings))
    started = time.perf_counter()
    results = [json.loads(line) for line in _run_in_parallel(
        [["replay", "--jobs", "1", "--tables-ready", *(f"--projection={name}" for name in group)]
         for group in groups])]
    seconds = time.perf_counter() - started
    position = max(result["position"] for result in results)
    return {"position": position, "seconds": seconds, "processes": len(groups),
            "events_per_second": position / seconds if seconds else 0}


def _source_of(settings: Settings) -> Any:
    """An event's Kafka partition as a projector's source, in production; None in embedded mode."""
    if not settings.uses_kafka:
        return None
    from functools import partial

    from infra.kafka import source_of_event

    return partial(source_of_event, settings)


def _run_in_parallel(commands: list[list[str]]) -> list[str]:
    """Run `tessera` subcommands at once; the last line each printed. Any failure fails all."""
    import subprocess

    processes = [subprocess.Popen([sys.executable, "-m", "infra.cli", *command], stdout=subprocess.PIPE,
                                  text=True) for command in commands]
    outputs = [process.communicate()[0] for process in processes]
    failed = [" ".join(c) for c, p in zip(commands, processes, strict=True) if p.returncode != 0]
    if failed:
        raise SystemExit(f"tessera: failed: {'; '.join(failed)}")
    return [output.strip().splitlines()[-1] for output in outputs]


def verify(settings: Settings, args: Any) -> int:
    from infra.runtime import Runtime
    from projectors.verify import verify as compare

    runtime = Runtime(settings, projection_names=args.projection).open_storage()
    scratch = open_scratch_store(settings)
    expected = runtime.expected_sources() if settings.uses_kafka else {p.name: [] for p in runtime.projections}
    result = compare(runtime.recorder.inner, runtime.store, scratch, runtime.projections, expected,
                     _source_of(settings))
    print(json.dumps(result, default=str))
    return 1 if result["differences"] else 0


def open_scratch_store(settings: Settings, name: str = "verify", fresh: bool = True) -> Any:
    """A store beside the live one, `fresh` (empty) or as left: a schema in PostgreSQL, a file in
    SQLite mode."""
    from infra.readstore import open_read_store

    if fresh:
        drop_scratch_store(settings, name)
    if settings.database_url:
        import psycopg

        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS tessera_{name}")
        return open_read_store(settings.database_url, settings.data_dir, schema=f"tessera_{name}")
    return open_read_store(None, settings.data_dir, sqlite_name=f"{name}.sqlite")


def drop_scratch_store(settings: Settings, name: str) -> None:
    if settings.database_url:
        import psycopg

        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS tessera_{name} CASCADE")
        return
    scratch = settings.data_dir / f"{name}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        scratch.with_name(scratch.name + suffix).unlink(missing_ok=True)


def _delegate(module: str, function: str = "run"):
    def run(settings: Settings, args: Any) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), function)(settings, args) or 0)

    return run


COMMANDS = {
    "serve": serve,
    "migrate": migrate,
    "replay": replay,
    "verify": verify,
    "relay": _delegate("infra.relay"),
    "projector": _delegate("projectors.agents"),
    "worker": _delegate("infra.worker"),
    "populate": _delegate("infra.populate"),
    "health": _delegate("infra.health"),
}

if __name__ == "__main__":
    raise SystemExit(main())
