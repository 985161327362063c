"""Child processes for the reliability tests: gunicorn, the Flask CLI, a private PostgreSQL.

Everything listens on 127.0.0.1 only. Each helper starts its process in a
new session (its own process group) so a test can SIGKILL a whole server at
once, and every helper is a context manager that kills what it started,
whatever happened in between.
"""

from __future__ import annotations

import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
DEBIAN_POSTGRES = Path("/usr/lib/postgresql")
SECRET_KEY = "reliability-tests-secret-key-0123456789abcdef"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an app process: our database, no scheduler, no rate limits."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "ADUAN_", "REDIS_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        ADUAN_SCHEDULER="0",
        RATELIMIT_ENABLED="0",
        PUBLIC_BASE_URL="https://aduan.test",
        ADUAN_SECURE_COOKIES="0",
        ADUAN_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to 127.0.0.1:port; raises OSError/HTTPException on connection trouble."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        all_headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything in its group; reap it."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class Gunicorn:
    """``gunicorn -w N wsgi:app`` on a fixed port, which survives being killed and restarted."""

    def __init__(
        self, env: Mapping[str, str], log_path: Path, workers: int = 2, preload: bool = False
    ) -> None:
        self.env = dict(env)
        self.port = free_port()
        self.workers = workers
        # --preload: the master imports the app once and forks workers from it, so a
        # killed worker is replaced in milliseconds instead of a fresh import.
        self.preload = preload
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_within: float = 30.0) -> None:
        command = [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--graceful-timeout",
            "2",
            *(["--preload"] if self.preload else []),
            "wsgi:app",
        ]
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        self.wait_until_serving(ready_within)

    def wait_until_serving(self, timeout: float) -> None:
        """Poll until a worker answers (any status: healthz may rightly say 503)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited at start-up:\n{self.log_tail()}")
            try:
                request(self.port, "GET", "/healthz", timeout=2)
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (no extra dependency)."""
        if self.process is None:
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def kill_workers(self) -> int:
        """SIGKILL every worker mid-request; the master notices and forks new ones."""
        killed = 0
        for pid in self.worker_pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        return killed

    def crash(self) -> None:
        """SIGKILL the master and its workers at once, as a power cut or the OOM killer would."""
        if self.process is not None:
            _kill_group(self.process)
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        self.crash()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running_gunicorn(
    env: Mapping[str, str], log_path: Path, workers: int = 2
) -> Iterator[Gunicorn]:
    server = Gunicorn(env, log_path, workers)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def flask_command(
    args: list[str], env: Mapping[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start ``flask --app wsgi <args>`` (stdout to a pipe, stderr to ``log_path``)."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )


def finish(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, str]:
    """Wait for a CLI process; kill it (and fail) if it overruns. Returns (exit code, stdout)."""
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise AssertionError(f"{process.args!r} did not finish within {timeout} s") from None
    return process.returncode, output.decode(errors="replace")


# --- a starting line for racing processes ---------------------------------------------

_BLOCKED_BY = (
    "SELECT count(*) FROM pg_stat_activity AS waiter"
    " WHERE :pid = ANY(pg_blocking_pids(waiter.pid)) OR EXISTS ("
    "   SELECT 1 FROM pg_stat_activity AS first"
    "   WHERE :pid = ANY(pg_blocking_pids(first.pid))"
    "   AND first.pid = ANY(pg_blocking_pids(waiter.pid)))"
)


def backends_blocked_by(monitor: sa.Connection, holder_pid: int) -> int:
    """PostgreSQL backends waiting on ``holder_pid``'s locks, directly or behind another waiter."""
    count = monitor.scalar(sa.text(_BLOCKED_BY), {"pid": holder_pid})
    monitor.rollback()  # a fresh snapshot of pg_stat_activity next time
    return int(count or 0)


@contextmanager
def starting_line(
    database_url: str, tables: list[str], racers: int, timeout: float
) -> Iterator[Callable[[], None]]:
    """Hold ``tables`` locked until ``racers`` backends wait on them, then let all go at once.

    Processes start over seconds (each imports the app), so without a starting
    line the first may be done before the last begins and nothing races.
    The body starts the racers, then calls the yielded ``release()``.
    """
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as holder, engine.connect() as monitor:
            holder_pid = int(holder.scalar(sa.text("SELECT pg_backend_pid()")) or 0)
            names = ", ".join(f'"{name}"' for name in tables)
            holder.execute(sa.text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))

            def release() -> None:
                deadline = time.monotonic() + timeout
                while backends_blocked_by(monitor, holder_pid) < racers:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{racers} racers never reached the starting line")
                    time.sleep(0.05)
                holder.rollback()

            try:
                yield release
            finally:
                holder.rollback()
    finally:
        engine.dispose()


# --- a private PostgreSQL cluster ------------------------------------------------------


class PrivateCluster:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) in a temp dir on its own port.

    The shared server on 5432 is never touched. PostgreSQL refuses to run as
    root, so when the tests run as root the cluster belongs to the
    ``postgres`` system user.
    """

    def __init__(self) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            raise RuntimeError(postgres_binaries_missing())
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="aduan-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self._as_user, *command], capture_output=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{command[0]} failed:\n{result.stdout.decode()}\n{result.stderr.decode()}"
            )

    def initdb(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
            "--locale=C",
        )

    def start(self) -> None:
        options = f"-k {self.directory} -p {self.port} -h 127.0.0.1 -F"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with suppress(AssertionError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def _has_server_programs(directory: Path) -> bool:
    return (directory / "initdb").is_file() and (directory / "pg_ctl").is_file()


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    bindir = Path(result.stdout.strip())
    return bindir if result.returncode == 0 and bindir.is_absolute() else None


def _major_version(bindir: Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/9.6/bin`` -> (9, 6); a name that is not a version sorts first."""
    try:
        return tuple(int(part) for part in bindir.parent.name.split("."))
    except ValueError:
        return ()


@cache
def postgres_bindir() -> Path | None:
    """The directory holding PostgreSQL's ``initdb`` and ``pg_ctl``, or None if there is none.

    1. ``pg_config --bindir``, when that directory has them (on Debian the
       ``pg_config`` of libpq-dev may name a major version whose server is
       not installed, so its answer is checked, not trusted);
    2. the newest ``/usr/lib/postgresql/<version>/bin`` that has them;
    3. wherever ``initdb`` is on PATH, if ``pg_ctl`` sits next to it.
    """
    candidates: list[Path] = []
    bindir = _pg_config_bindir()
    if bindir is not None:
        candidates.append(bindir)
    candidates.extend(sorted(DEBIAN_POSTGRES.glob("*/bin"), key=_major_version, reverse=True))
    initdb = shutil.which("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).parent)
    return next((found for found in candidates if _has_server_programs(found)), None)


def postgres_binaries_missing() -> str | None:
    """Why a private cluster cannot be made here, or None when it can."""
    if postgres_bindir() is not None:
        return None
    return (
        "PostgreSQL server programs (initdb, pg_ctl) were not found: not in"
        f" `pg_config --bindir`, not in {DEBIAN_POSTGRES}/<version>/bin, not on PATH"
    )
