"""Operating the worker: `tessera health worker` passes while it beats, in every mode."""
from __future__ import annotations

import subprocess
import sys


def test_the_worker_beats_so_its_health_check_passes(jobs_stack):
    checked = subprocess.run([sys.executable, "-m", "infra.cli", "health", "worker"], env=jobs_stack.env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "worker: ok" in checked.stdout
