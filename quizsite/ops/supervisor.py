"""Keeps the processes of a local run alive: restart with backoff, say what is down, stop together.

Used by ``manage.py serve`` (``make run``). No Django here: it supervises command lines. Each process
is started in its own process group, so stopping it also stops what it forked (a worker's pool).
The state of every process is written to a JSON file that ``/readyz`` reads, so a health check says
which part of a local run is down while it restarts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Restart delays: 1 s, 2 s, 4 s ... at most 30 s; a process that ran for a minute starts again at 1 s.
FIRST_DELAY, MAX_DELAY, HEALTHY_AFTER = 1.0, 30.0, 60.0
STATE_FRESH_SECONDS = 30.0


@dataclass
class Program:
    """One supervised process: its command line and how to tell it is ready."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    ready: Callable[[], bool] | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    last_exit: str = ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Starts programs in order (each waits for the previous one to be ready) and keeps them running."""

    def __init__(self, programs: list[Program], state_file: Path) -> None:
        self.programs = programs
        self.state_file = state_file
        self.stopping = False

    def run(self) -> None:
        """Start everything, then supervise until SIGINT or SIGTERM; then stop everything."""
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        try:
            for program in self.programs:
                self._start(program)
                self._await_ready(program)
            while not self.stopping:
                self.tick()
                time.sleep(0.2)
        finally:
            self.stop()

    def tick(self) -> None:
        """Notice exits, restart what is due, and record the state."""
        now = time.monotonic()
        for program in self.programs:
            if program.process is not None and program.process.poll() is not None:
                self._exited(program, now)
            if program.restart_at is not None and now >= program.restart_at and not self.stopping:
                program.restart_at = None
                program.restarts += 1
                self._start(program)
        self.write_state()

    def stop(self) -> None:
        """Stop every program, newest first: SIGTERM, then SIGKILL after 15 s."""
        self.stopping = True
        for program in reversed(self.programs):
            if program.running:
                _signal_group(program.process, signal.SIGTERM)
        for program in reversed(self.programs):
            if program.process is None:
                continue
            try:
                program.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(program.process, signal.SIGKILL)
                program.process.wait()
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()

    def write_state(self) -> None:
        state = {
            program.name: {
                "running": program.running,
                "restarts": program.restarts,
                "last_exit": program.last_exit,
                "pid": program.process.pid if program.running else None,
            }
            for program in self.programs
        }
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"written_at": time.time(), "processes": state}))
        temporary.replace(self.state_file)

    def _start(self, program: Program) -> None:
        program.process = subprocess.Popen(
            program.argv, env=program.env, start_new_session=True, stdin=subprocess.DEVNULL
        )
        program.started_at = time.monotonic()
        log.info("started %s (pid %d)", program.name, program.process.pid)

    def _await_ready(self, program: Program, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while program.ready is not None and not program.ready():
            if program.process.poll() is not None:
                raise RuntimeError(f"{program.name} exited during start-up (code {program.process.returncode})")
            if time.monotonic() > deadline or self.stopping:
                raise RuntimeError(f"{program.name} was not ready after {timeout:.0f} s")
            time.sleep(0.05)

    def _exited(self, program: Program, now: float) -> None:
        # What it forked (a worker's pool, with their sandboxes) must not outlive it.
        _signal_group(program.process, signal.SIGKILL)
        code = program.process.returncode
        program.last_exit = f"exit code {code}" if code >= 0 else f"killed by {signal.Signals(-code).name}"
        program.process = None
        if self.stopping:
            return
        if now - program.started_at >= HEALTHY_AFTER:
            program.delay = FIRST_DELAY
        log.warning("%s stopped (%s); restarting in %.0f s", program.name, program.last_exit, program.delay)
        program.restart_at = now + program.delay
        program.delay = min(program.delay * 2, MAX_DELAY)

    def _request_stop(self, *_args) -> None:
        self.stopping = True


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def read_state(state_file: Path) -> dict | None:
    """The processes of a local run, if one is supervising them now (its state file is fresh)."""
    try:
        state = json.loads(state_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if time.time() - state.get("written_at", 0) > STATE_FRESH_SECONDS:
        return None
    return state.get("processes")
