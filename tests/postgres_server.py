"""A throwaway PostgreSQL cluster for the Redshift-compatible warehouse path.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
The cluster lives in a temporary directory, listens on loopback only, trusts local
connections and is removed when the test session ends.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; .ci/run installs it (apt-get install postgresql)")
    return found


def _as_cluster_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    def __init__(self, port: int):
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="platform-pg-"))
        self.data = self.root / "data"

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        subprocess.run(_as_cluster_owner([_binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"]),
                       check=True, capture_output=True)
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        subprocess.run(_as_cluster_owner([_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"]),
                       check=True, capture_output=True)
        return self

    def stop(self) -> None:
        subprocess.run(_as_cluster_owner([_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> dict:
        import psycopg2

        admin = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        return {"host": "127.0.0.1", "port": self.port, "database": name, "user": "postgres"}
