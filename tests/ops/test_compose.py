"""docker-compose.yml runs the same code the one-machine setup runs."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    """The compose file as docker-compose itself resolves it."""
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed; `make test` installs it")
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_services_cover_database_broker_web_and_worker(compose):
    services = compose["services"]

    assert {"db", "redis", "web", "worker", "migrate"} <= set(services)
    assert "pgvector" in services["db"]["image"]
    assert services["redis"]["image"].startswith("redis")


def test_web_and_worker_run_this_projects_entry_points(compose):
    web = compose["services"]["web"]["command"]
    worker = compose["services"]["worker"]["command"]

    assert web[:2] == ["gunicorn", "dam.wsgi:application"]
    assert worker[:4] == ["celery", "-A", "dam", "worker"]
    assert (ROOT / "dam" / "wsgi.py").exists()
    assert (ROOT / "dam" / "celery.py").exists()


def test_worker_scales_without_fixed_names_or_ports(compose):
    worker = compose["services"]["worker"]

    assert "container_name" not in worker
    assert "ports" not in worker


def test_every_setting_the_services_pass_is_read_by_the_code(compose):
    code = "\n".join(
        path.read_text()
        for app in ("dam", "ingest", "search")
        for path in (ROOT / app).rglob("*.py")
    )
    # Read by boto3 / PostgreSQL images rather than by this code.
    outside = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}

    for name in ("web", "worker", "migrate"):
        environment = compose["services"][name]["environment"]
        for variable in environment:
            if variable in outside:
                continue
            assert variable in code, "%s sets %s, which nothing reads" % (name, variable)


def test_web_worker_and_migrate_share_the_media_volume(compose):
    def source(volume):
        # docker-compose 1.x prints "name:/path:rw", 2.x a mapping.
        return volume["source"] if isinstance(volume, dict) else volume.split(":")[0]

    mounts = {
        name: {source(volume) for volume in compose["services"][name]["volumes"]}
        for name in ("web", "worker", "migrate")
    }

    assert mounts["web"] == mounts["worker"] == mounts["migrate"]
    assert compose["services"]["web"]["environment"]["DATABASE_URL"].startswith(
        "postgresql://"
    )
    assert compose["services"]["worker"]["environment"]["CELERY_BROKER_URL"].startswith(
        "redis://"
    )
