"""Operating the worker: `tessera health worker`, and the jobs metrics on `/metrics`."""
from __future__ import annotations

import subprocess
import sys

import httpx

from tests.e2e.jobs.flows import finished, wait_for_state


def test_the_worker_beats_so_its_health_check_passes(jobs_stack):
    checked = subprocess.run([sys.executable, "-m", "infra.cli", "health", "worker"], env=jobs_stack.env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "worker: ok" in checked.stdout


def test_jobs_metrics_count_queued_running_and_durations(jobs_embedded_stack):
    admin = jobs_embedded_stack.admin_token()
    with jobs_embedded_stack.client(admin) as http:
        report_id = http.post("/api/v1/reports/", json={}).json()["id"]
    wait_for_state(jobs_embedded_stack, admin, f"/api/v1/reports/{report_id}/", finished)
    metrics = httpx.get(f"{jobs_embedded_stack.base_url}/metrics", timeout=10).text
    assert 'tessera_job_duration_seconds_count{kind="report"}' in metrics
    assert 'tessera_jobs{kind="report",status="queued"}' in metrics
    assert 'tessera_jobs{kind="report",status="running"} 0.0' in metrics
