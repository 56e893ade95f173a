"""``adwatch serve --workers 2``: two real uvicorn worker processes behind one port share sessions and the
login rate limit (signed cookies, audit-log counts), and the scheduler is not started in the workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

PASSWORD = "a very long password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.M):
            out.append(int(status.parent.name))
    return out


def _csrf(client: httpx.Client) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path):
    env = {**os.environ, "ADWATCH_DATABASE_URL": sqlite_url, "ADWATCH_DATA_DIR": str(tmp_path / "data"),
           "ADWATCH_LOG_LEVEL": "WARNING"}
    cli = [sys.executable, "-m", "adwatch.cli"]
    subprocess.run([*cli, "users", "add", "anna", "--role", "analyst", "--password-stdin"], input=PASSWORD + "\n",
                   text=True, env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "2", "--no-scheduler"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200 and len(_children(proc.pid)) >= 2:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        time.sleep(0.3)
    else:
        pytest.fail("adwatch serve --workers 2 did not come up within 60 s")
    yield base, proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_two_workers_share_sessions_and_login_limit(served) -> None:
    base, proc = served
    # uvicorn's supervisor forks one process per worker (plus, on some versions, a resource tracker).
    assert len(_children(proc.pid)) >= 2
    with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
        token = _csrf(client)
        resp = client.post("/login", data={"csrf_token": token, "username": "anna", "password": PASSWORD})
        assert resp.status_code == 303
        # Many requests spread over both workers: the signed session works in each.
        assert all(client.get("/search").status_code == 200 for _ in range(12))
    statuses = []
    with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as attacker:
        for _ in range(7):
            # A fresh connection each time, so requests land on either worker.
            token = _csrf(attacker)
            statuses.append(attacker.post("/login", data={"csrf_token": token, "username": "anna",
                                                          "password": "wrong"},
                                          headers={"Connection": "close"}).status_code)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
