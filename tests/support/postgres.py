"""A throw-away PostgreSQL cluster on 127.0.0.1 for tests and benchmarks.

Uses Debian's server binaries (``/usr/lib/postgresql/<version>/bin``; package
``postgresql``). PostgreSQL refuses to run as root, and tests here and in CI
run as root, so when our uid is 0 ``initdb`` and ``pg_ctl`` run as the
``postgres`` user through ``runuser`` and the cluster's temporary directory is
handed to that user. The cluster trusts local TCP connections (it listens on
127.0.0.1 only, on a free port) and is deleted with its directory on stop.

    with PostgresCluster.start() as cluster:
        url = cluster.create_database("t1")   # postgresql+psycopg://…/t1
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psycopg

SUPERUSER = "postgres"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Tests want speed, not durability: a crash loses a throw-away cluster anyway.
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class PostgresUnavailable(RuntimeError):
    """PostgreSQL server binaries are not installed, or the cluster would not start."""


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin directory with initdb and pg_ctl, if any.

    ``CIVIC_PG_BINDIR`` names the one directory to use instead (and, pointed at
    an empty one, shows what a machine without PostgreSQL does).
    """
    override = os.environ.get("CIVIC_PG_BINDIR")

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates = (
        [Path(override)]
        if override
        else sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    )
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int
    as_user: str | None

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @classmethod
    def start(cls, *, durable: bool = False, attempts: int = 3) -> PostgresCluster:
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                "(Debian: apt-get install postgresql)"
            )
        as_user = SUPERUSER if os.getuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="civic-pg-"))
        if as_user is not None:
            try:
                entry = pwd.getpwnam(as_user)
            except KeyError:
                shutil.rmtree(root, ignore_errors=True)
                raise PostgresUnavailable(
                    "running as root needs a 'postgres' system user (Debian's package makes it)"
                ) from None
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster = cls(bindir, root, 0, as_user)
        try:
            cluster._initdb()
            for attempt in range(attempts):
                cluster.port = _free_port()
                try:
                    cluster._pg_ctl_start(durable)
                    break
                except PostgresUnavailable:
                    # Someone may have taken the port between our probe and the start.
                    if attempt == attempts - 1:
                        raise
            cluster._wait_ready()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.as_user, "--"] if self.as_user else []
        return subprocess.run(
            [*prefix, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )

    def _initdb(self) -> None:
        done = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        if done.returncode != 0:
            reason = done.stderr.strip() or done.stdout.strip()
            raise PostgresUnavailable(f"initdb failed: {reason}")

    def _pg_ctl_start(self, durable: bool) -> None:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "max_connections": "200",
            **({} if durable else FAST_SETTINGS),
        }
        options = " ".join(f"-c {key}={value}" for key, value in settings.items())
        done = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {done.stderr.strip()}\n{tail}")

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self._dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.datadir.exists():
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- databases ---------------------------------------------------------------------

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # names are checked by _check_name

    def create_database(self, name: str, template: str | None = None) -> str:
        _check_name(name)
        clause = ""
        if template is not None:
            _check_name(template)
            clause = f" TEMPLATE {template}"
        self._admin(f"CREATE DATABASE {name}{clause}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        _check_name(name)
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")


@contextlib.contextmanager
def running_cluster(*, durable: bool = False) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster.start(durable=durable)
    try:
        yield cluster
    finally:
        cluster.stop()
