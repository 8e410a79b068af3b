"""`bin/dev` stops everything it started within seconds on SIGINT (Ctrl-C) and on SIGTERM to its
process group: the webserver, the daemon, the code servers and any run.

SIGINT is sent as a terminal's Ctrl-C would; SIGTERM to a `bin/dev` started the way a script
backgrounds it (`bin/dev &`: SIGINT ignored), where a plain `dagster dev` hangs on SIGTERM."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.postgres_server import free_port

ROOT = Path(__file__).resolve().parents[1]
STOP_WITHIN_S = 10


def _descendants(root: int) -> set[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - tree
        tree |= frontier
    return tree


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _as_backgrounded_by_a_script():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    "sig, preexec",
    [(signal.SIGINT, None), (signal.SIGTERM, _as_backgrounded_by_a_script)],
    ids=["SIGINT-from-a-terminal", "SIGTERM-when-backgrounded"],
)
def test_bin_dev_stops_everything_it_started(sig, preexec, tmp_path):
    port = free_port()
    env = {**os.environ, "PLATFORM_LOCAL_DIR": str(tmp_path), "DAGSTER_PORT": str(port)}
    env.pop("DAGSTER_HOME", None)
    with open(tmp_path / "dev.log", "w") as log:
        dev = subprocess.Popen(
            ["bin/dev"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec,
        )
    try:
        deadline = time.monotonic() + 300
        while True:
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "the UI did not come up"
                time.sleep(1)
        started = _descendants(dev.pid)
        assert len(started) >= 3, started  # uv, dagster dev, its webserver and daemon at least

        os.killpg(dev.pid, sig)
        stop_by = time.monotonic() + STOP_WITHIN_S
        while (dev.poll() is None or any(map(_alive, started))) and time.monotonic() < stop_by:
            time.sleep(0.2)
        assert dev.poll() is not None, "bin/dev is still running"
        assert not [pid for pid in started if _alive(pid)], "processes bin/dev started are still running"
    finally:
        for pid in [dev.pid, *_descendants(dev.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
