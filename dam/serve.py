"""Run the whole application on one machine: ``python -m dam.serve``.

Starts what is not configured (embedded PostgreSQL and Redis under
DAM_DATA_DIR), migrates, makes sure an admin account exists, then runs one
Celery worker and the web server until Ctrl-C or SIGTERM, and stops all of
them, the embedded servers last.
"""

import ctypes
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from dam import embedded

logger = logging.getLogger("dam.serve")

ROOT = Path(__file__).resolve().parent.parent
# Seconds a child gets to finish its current work after SIGTERM; a worker in
# the middle of a video ingest is killed after this and, thanks to late
# acknowledgement, its job is delivered again on the next start.
SHUTDOWN_GRACE = 20


def data_dir():
    return Path(os.environ.get("DAM_DATA_DIR", ROOT / "var")).resolve()


def postgres_url(server):
    socket_dir = quote(str(server.get_postmaster_info().socket_dir), safe="")
    return "postgresql://postgres@%s/postgres" % socket_dir


class AlreadyRunning(Exception):
    """Another launcher serves this data directory."""


def claim(folder):
    """Take the data directory for this launcher; return the held lock file.

    One launcher per data directory: a second one would share, and on its
    way out stop, the first one's database. The lock dies with the process,
    so a launcher that was killed leaves nothing to clean by hand.
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / "serve.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as err:
        handle.close()
        raise AlreadyRunning(
            "another `make run` is serving %s; stop it first, or set "
            "DAM_DATA_DIR to another folder" % folder
        ) from err
    return handle


def check_port_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", int(port)))
        except OSError as err:
            raise AlreadyRunning(
                "port %s is in use; set PORT to a free one" % port
            ) from err


def _die_with_parent():
    """In a child: receive SIGTERM when the launcher dies, even by SIGKILL."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def start_children(env, port):
    concurrency = int(os.environ.get("DAM_WORKERS", "2"))
    # Each worker process runs its own CLIP model: share the cores out so
    # that two processes do not each start a thread per core.
    worker_env = {
        "DAM_TORCH_THREADS": str(max(1, (os.cpu_count() or 1) // concurrency)),
        **env,
    }
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "dam", "worker",
            "--loglevel=INFO", "--concurrency=%d" % concurrency,
            "--without-gossip", "--without-mingle",
        ],
        cwd=ROOT, env=worker_env, preexec_fn=_die_with_parent,
    )
    web = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "dam.wsgi:application",
            "--bind", "127.0.0.1:%s" % port,
            "--workers", os.environ.get("WEB_CONCURRENCY", "2"),
            "--threads", "4",
            # Large uploads stream for minutes on slow links.
            "--timeout", "600",
            "--access-logfile", "-",
            # gunicorn's control socket defaults to one path per user,
            # which a second installation on the machine would take over.
            "--control-socket", str(data_dir() / "gunicorn.ctl"),
        ],
        cwd=ROOT, env=env, preexec_fn=_die_with_parent,
    )
    return {"worker": worker, "web": web}


def stop_children(children):
    for process in children.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    deadline = time.monotonic() + SHUTDOWN_GRACE
    for name, process in children.items():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in %d s; killing it", name, SHUTDOWN_GRACE)
            process.kill()
            process.wait()


class Stop(Exception):
    """Raised in the main loop by the signal handler."""


class ChildExited(Exception):
    """The worker or the web server stopped on its own."""


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    port = os.environ.get("PORT", "8000")
    try:
        lock = claim(data_dir())
        check_port_free(port)
    except AlreadyRunning as err:
        logger.error("not starting: %s", err)
        return 1

    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    env = {**os.environ, "DAM_DATA_DIR": str(data_dir())}
    postgres = redis = None
    children = {}
    return_code = 0
    try:
        if not os.environ.get("DATABASE_URL"):
            postgres = embedded.start_postgres(data_dir(), stop_at_exit=False)
            env["DATABASE_URL"] = postgres_url(postgres)
            logger.info("embedded PostgreSQL running in %s", embedded.postgres_dir(data_dir()))
        if not os.environ.get("CELERY_BROKER_URL"):
            # A server left by a launcher that was killed is ours now.
            redis = embedded.start_redis(data_dir()) or embedded.RunningRedis(data_dir())
            env["CELERY_BROKER_URL"] = "redis+socket://%s" % embedded.redis_socket(data_dir())
            logger.info("embedded Redis running in %s", embedded.redis_dir(data_dir()))

        manage("migrate", "--noinput", env=env)
        manage("collectstatic", "--noinput", "-v", "0", env=env)
        manage("ensure_admin", env=env)

        children = start_children(env, port)
        print("\n  DAM is running at http://127.0.0.1:%s/  (Ctrl-C stops it)\n" % port,
              flush=True)
        while True:
            for name, process in children.items():
                if process.poll() is not None:
                    raise ChildExited("%s exited with status %s" % (name, process.returncode))
            time.sleep(0.5)
    except Stop as reason:
        logger.info("stopping: %s", reason)
    except (subprocess.CalledProcessError, ChildExited) as err:
        logger.error("stopping: %s", err)
        return_code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_children(children)
        embedded.stop_redis(redis)
        if postgres is not None:
            embedded.stop_postgres(postgres)
        logger.info("stopped")
        lock.close()

    return return_code


if __name__ == "__main__":
    sys.exit(main())
