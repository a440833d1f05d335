"""Jobs figures (CONTRACT §8): CSV import, thumbnails, mail broadcast, each run by one worker.

Each scenario gets its own PostgreSQL database and data directory; jobs are recorded through
the jobs application (as the API does) and run by `command_api.jobs.runner.Worker` in this process, the
same code `tessera worker` runs. The import's peak RSS growth is read from the kernel's
high-water mark (`VmHWM`, reset first). Mails go to a local aiosmtpd in its own process.

    python -m tests.bench --only jobs [--import-rows 100000 --images 300 --recipients 10000]
"""
from __future__ import annotations

import asyncio
import io
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PIL import Image

from command_api.jobs.runner import Worker
from domain.identity.application import IdentityApplication
from domain.jobs.application import JobsApplication
from domain.jobs.job import Job
from infra.config import load_settings
from infra.runtime import Runtime
from infra.s3 import object_key, open_object_storage
from infra.servers import free_port, wait_for
from projectors.runtime import catch_up

OWNER = uuid.UUID("00000000-0000-4000-8000-000000000001")


@contextmanager
def scenario_runtime(cluster: Any, **env: str) -> Iterator[Runtime]:
    settings = load_settings({"TESSERA_DATABASE_URL": cluster.create_database(),
                              "TESSERA_DATA_DIR": tempfile.mkdtemp(prefix="tessera-bench-jobs-"), **env})
    runtime = Runtime(settings, embedded_bus=False).open_storage()
    try:
        yield runtime
    finally:
        asyncio.run(runtime.stop())


def finished(runtime: Runtime, job_id: uuid.UUID) -> Job:
    job = runtime.app(JobsApplication).load(Job, job_id)
    assert job.status == "done", f"job {job_id} ended {job.status}: {job.error}"
    return job


def memory_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def csv_rows(count: int) -> Iterator[bytes]:
    yield b"email,first_name,last_name,phone\n"
    for n in range(count):
        yield f"bench-{n}@import.test,First{n},Last{n},+3161{n:07d}\n".encode()


def import_rows(cluster: Any, rows: int) -> dict[str, Any]:
    with scenario_runtime(cluster) as runtime, tempfile.TemporaryFile() as spool:
        spool.writelines(csv_rows(rows))
        spool.seek(0)
        key = object_key("jobs", "bench.csv")
        runtime.resource(open_object_storage).put(key, spool, "text/csv")
        job_id = runtime.app(JobsApplication).request_contacts_import(OWNER, key, "bench.csv").id
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset the peak RSS to the current RSS
        before = memory_kb("VmRSS")
        started, cpu = time.perf_counter(), time.process_time()
        Worker(runtime).run_job(job_id)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        created = finished(runtime, job_id).created
        growth_mb = (memory_kb("VmHWM") - before) / 1024
    assert created == rows, f"{created} of {rows} rows became users"
    return {"scenario": f"CSV import, {rows:,} rows (one worker, PG)", "per_s": round(rows / seconds),
            "seconds": round(seconds, 1), "peak_rss_growth_mb": round(growth_mb, 1),
            "worker_cpu_us_per_item": round(cpu * 1e6 / rows)}


def photo(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A camera-like JPEG: a gradient with noise, so it compresses like a photo."""
    rng = random.Random(seed)
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.effect_noise(size, 40).convert("RGB")
    image = Image.blend(base, noise, 0.3 + rng.random() * 0.2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def thumbnails(cluster: Any, images: int) -> dict[str, Any]:
    with scenario_runtime(cluster) as runtime:
        storage, jobs = runtime.resource(open_object_storage), runtime.app(JobsApplication)
        originals = [photo(n) for n in range(8)]
        ids = []
        for n in range(images):
            key = object_key("jobs", f"photo-{n}.jpg")
            size = storage.put(key, originals[n % len(originals)], "image/jpeg")
            ids.append(jobs.upload_image(OWNER, key, f"photo-{n}.jpg", "image/jpeg", size).id)
        worker = Worker(runtime)
        started, cpu = time.perf_counter(), time.process_time()
        outcomes = list(worker.pool.map(worker.run_job, ids))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        worker.close()
    assert outcomes.count("done") == images, outcomes
    return {"scenario": f"thumbnails of 1600x1200 JPEGs, {images} (one worker, {worker.slots} threads)",
            "per_s": round(images / seconds, 1), "seconds": round(seconds, 1),
            "worker_cpu_us_per_item": round(cpu * 1e6 / images)}


@contextmanager
def sink_smtp_server() -> Iterator[str]:
    """aiosmtpd in its own process, accepting and discarding every mail."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _accepts(port), 20, "aiosmtpd to listen")
        yield f"smtp://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def _accepts(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def register_users(runtime: Runtime, count: int) -> None:
    identity = runtime.app(IdentityApplication)
    for start in range(0, count, 1000):
        people = [(f"reader-{n}@mail.test", f"Reader{n}", "Bench", None)
                  for n in range(start, min(count, start + 1000))]
        identity.register_many(identity.prepare_registrations(people, "!"))
    catch_up(runtime.recorder.inner, runtime.store, runtime.projections)


def broadcast(cluster: Any, recipients: int) -> dict[str, Any]:
    with sink_smtp_server() as smtp_url, scenario_runtime(cluster, TESSERA_SMTP_URL=smtp_url) as runtime:
        register_users(runtime, recipients)
        job_id = runtime.app(JobsApplication).request_broadcast(OWNER, "Bench news", "Hello " * 50).id
        started, cpu = time.perf_counter(), time.process_time()
        Worker(runtime).run_job(job_id)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        job = finished(runtime, job_id)
    assert (job.sent, job.failed) == (recipients, 0), (job.sent, job.failed)
    return {"scenario": f"mail broadcast, {recipients:,} users (one worker, local aiosmtpd)",
            "per_s": round(recipients / seconds), "seconds": round(seconds, 1),
            "worker_cpu_us_per_item": round(cpu * 1e6 / recipients)}


def run(cluster: Any, rows: int = 100_000, images: int = 300, recipients: int = 10_000) -> list[dict[str, Any]]:
    return [import_rows(cluster, rows), thumbnails(cluster, images), broadcast(cluster, recipients)]

