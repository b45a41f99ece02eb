"""``python -m cc_campaigns`` as real processes: ``simulate`` in the foreground, the live
progress bar under a pseudo-terminal, and Ctrl-C (SIGINT) in the middle of an upload followed
by a rerun that resumes it.

Nothing here waits by sleeping: each step reads the child's output until the line it needs.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import ACTION_TOKEN, DATA_TOKEN, USERNAME

#: Every test here runs the command line in processes of its own (POSIX signals and a pty).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and pty"),
]

CAMPAIGNS = (7, 8, 9)
ROWS = 2000


def cli_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CC_") and key not in ("COLUMNS", "LINES")
    }
    env.update(
        CC_USERNAME=USERNAME,
        CC_DATA_TOKEN=DATA_TOKEN,
        CC_ACTION_TOKEN=ACTION_TOKEN,
        CC_CONFIG=os.devnull + ".ini",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def cc(*args: str) -> list[str]:
    return [sys.executable, "-m", "cc_campaigns", *args]


@pytest.fixture(scope="module")
def simulator() -> Iterator[str]:
    """``cc-campaigns simulate`` on a free port, with a little latency; yields its URL."""
    args = ["simulate", "--port", "0", "--crm-range", "1-100000", "--latency", "0.01"]
    for campaign in CAMPAIGNS:
        args += ["--campaign", str(campaign)]
    process = subprocess.Popen(
        cc(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("listening on http://127.0.0.1:"), first
    url = first.split()[-1]
    banner = process.stdout.readline()
    assert f"CC_BASE_URL={url}" in banner
    assert DATA_TOKEN not in banner and ACTION_TOKEN not in banner
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "Stopped after" in out
        assert DATA_TOKEN not in out + err and ACTION_TOKEN not in out + err


@pytest.fixture
def customers(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id\n" + "".join(f"{i}\n" for i in range(1, ROWS + 1)))
    return path


def record_count(url: str, campaign: int) -> int:
    done = subprocess.run(
        cc("status", str(campaign), "--json"),
        capture_output=True,
        text=True,
        env=cli_env(CC_BASE_URL=url),
        check=True,
    )
    return int(json.loads(done.stdout)["record_count"])


def test_the_progress_bar_on_a_terminal(simulator: str, customers: Path) -> None:
    controller, terminal = pty.openpty()
    env = cli_env(CC_BASE_URL=simulator, TERM="xterm-256color", COLUMNS="140")
    process = subprocess.Popen(
        cc("upload", str(CAMPAIGNS[0]), str(customers), "--batch-size", "100"),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: every copy of the terminal side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[" in screen  # drawn with terminal control sequences
    assert "━" in screen  # the bar
    assert f"{ROWS:,}/{ROWS:,}" in screen  # done/total, finished
    assert "100%" in screen
    assert "/s" in screen and "ETA" in screen and "retries" in screen and "concurrency" in screen
    assert "Upload to campaign" in screen  # then the summary
    assert DATA_TOKEN not in screen and ACTION_TOKEN not in screen
    assert record_count(simulator, CAMPAIGNS[0]) == ROWS


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(simulator: str, customers: Path) -> None:
    campaign = CAMPAIGNS[1]
    args = cc(
        "upload",
        str(campaign),
        str(customers),
        "--batch-size",
        "20",
        "--concurrency",
        "1",
        "--json",
    )
    env = cli_env(CC_BASE_URL=simulator)
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # the first progress line: batches are being sent
    assert line.startswith("upload: "), line
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    report = json.loads(out)
    assert report["aborted"] is True
    assert report["abort_reason"].startswith("interrupted")
    assert 0 < report["added"] < ROWS
    assert report["added"] + report["not_sent"] == ROWS
    assert "Interrupted: letting the batches in flight finish" in err
    assert "run the same command again to resume" in err
    checkpoint = Path(f"{customers}.ckpt")
    assert checkpoint.exists()
    assert record_count(simulator, campaign) == report["added"]

    again = subprocess.run(args, capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["resumed"] is True
    assert report["submitted"] == ROWS
    assert report["added"] == ROWS
    assert report["already_present"] == 0  # nothing was sent twice
    assert record_count(simulator, campaign) == ROWS
    assert not checkpoint.exists()


def test_python_dash_m_help() -> None:
    done = subprocess.run(cc("--help"), capture_output=True, text=True, env=cli_env())
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: cc-campaigns [OPTIONS] COMMAND [ARGS]...")
