"""`make run`'s launcher: starts everything, serves, and stops cleanly."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_using(folder):
    """Processes whose command line mentions the folder (postgres, redis)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if any(str(folder) in part for part in process.info["cmdline"] or []):
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def wait_for_health(port, launcher, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if launcher.poll() is not None:
            raise AssertionError("launcher exited with %s" % launcher.returncode)
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.5)
    raise AssertionError("no answer on port %d" % port)


@pytest.mark.worker
def test_one_command_starts_everything_and_sigterm_stops_everything(tmp_path):
    # given a fresh data dir and no configured servers
    data_dir = tmp_path / "data"
    port = free_port()
    env = {
        key: value for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(DAM_DATA_DIR=str(data_dir), PORT=str(port), DAM_ADMIN_PASSWORD="first-run-pw")

    # when
    launcher = subprocess.Popen(
        [sys.executable, "-m", "dam.serve"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        health = wait_for_health(port, launcher)
        token = urllib.request.urlopen(urllib.request.Request(
            "http://127.0.0.1:%d/api/auth/token/" % port,
            data=b"username=admin&password=first-run-pw",
        ), timeout=10)
        running_servers = processes_using(data_dir)
        second = subprocess.run(
            [sys.executable, "-m", "dam.serve"], cwd=ROOT,
            env={**env, "PORT": str(free_port())}, capture_output=True, timeout=60,
        )
        health_after_second = wait_for_health(port, launcher)
    finally:
        launcher.send_signal(signal.SIGTERM)
        output, _ = launcher.communicate(timeout=60)

    # then
    assert health["database"]["ok"] and health["broker"]["ok"]
    assert health["database"]["pgvector"]
    assert json.load(token)["token"]
    assert len(running_servers) >= 2, "embedded postgres and redis were running"
    assert b"user:     admin" in output
    assert second.returncode == 1
    assert b"another `make run` is serving" in second.stderr
    assert health_after_second["database"]["ok"], "the first launcher was unaffected"
    assert launcher.returncode == 0, output.decode()[-3000:]
    time.sleep(1)
    assert processes_using(data_dir) == [], "orphaned servers after SIGTERM"
