"""The worker's side of the sandbox: start the zygote, run one job, enforce the limits from outside.

A :class:`Zygote` is owned by one worker process and serves one job at a time. A :class:`Run` is one
single-use learner process: the checker sends it requests and reads replies through it, under one
wall-clock deadline, while it drains (and bounds) what the learner prints.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import protocol
from grader.sandbox.control import receive_message, send_message
from grader.sandbox.limits import Limits
from grader.vocabulary import RUNTIMES, Runtime

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_BOOT = "import sys; sys.path.insert(0, sys.argv.pop(1)); from grader.sandbox.zygote import main; main()"
# Hardware tuning for OpenBLAS on some CPUs (wrong results or crashes without it); not secrets.
_PASSED_ENVIRONMENT = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_START_TIMEOUT = 120.0
SLOT_UID_BASE = 61000
SLOT_LOCK_DIR = "/run/gradient-gym-slots"  # as root; other users keep theirs in the temporary folder
MAX_SLOTS = 256
_EXIT_REPORT_TIMEOUT = 10.0
_CPU_TICK = 0.02
_KEPT_EXIT_REPORTS = 64
# Arenas of ended jobs kept for the next ones, and the memory each may hold to be kept (a grading of the reference
# exercise moves about 10 MB through its arenas). A grading's processes (three there) end together, just before
# the next grading starts its first: one more arena than that keeps one whose job has had time to exit.
_KEPT_ARENAS = 4
_KEPT_ARENA_BYTES = 16 << 20


class SandboxUnavailable(Exception):
    """The sandbox cannot run jobs here (an infrastructure problem, never the learner's fault)."""


class SandboxDied(Exception):
    """The learner's process stopped answering: it hit a limit, exited, or sent garbage."""

    def __init__(self, reason: str, detail: str, exit_info: ExitInfo | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.exit_info = exit_info


@dataclass
class ExitInfo:
    exit_code: int | None
    signal: int | None
    cpu_seconds: float


@dataclass
class RunOutcome:
    """What the supervisor observed of one learner process, whatever happened to it."""

    output: str = ""
    exit_info: ExitInfo | None = None
    died: SandboxDied | None = field(default=None)


class Zygote:
    """A pre-warmed process that forks sandboxed children; one per worker process."""

    def __init__(self, mode: str = "isolated", runtime: str = "torch") -> None:
        if mode not in ("isolated", "unsafe-dev"):
            raise ValueError(f"unknown sandbox mode {mode!r}")
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r}")
        self.mode = mode
        self.runtime = runtime
        # One unprivileged uid per concurrent slot, machine-wide: jobs in different slots cannot signal
        # each other, and RLIMIT_NPROC (counted per uid) caps each job alone.
        self.slot, self._slot_lock = claim_slot(slot_lock_dir(mode))
        self.uid = SLOT_UID_BASE + self.slot
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        # Exit reports arrive after the job's result; they are read when someone needs them.
        self._exits: OrderedDict[int, dict] = OrderedDict()
        # Arenas of ended jobs, each with its job's pidfd and grading: reused once that job has exited (see _arena).
        self._kept_arenas: list[tuple[protocol.Arena, int, object]] = []

    def start(self) -> None:
        """Start the zygote and wait until it has imported everything and checked its isolation."""
        if self.mode == "unsafe-dev":
            log.warning(
                "GRADER_SANDBOX=unsafe-dev: learner code runs WITHOUT namespaces. Never use this in production."
            )
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        environment = {name: os.environ[name] for name in _PASSED_ENVIRONMENT if name in os.environ}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-c",
                _BOOT,
                str(PROJECT_ROOT),
                str(theirs.fileno()),
                self.mode,
                str(self.uid),
                self.runtime,
            ],
            env=environment,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            cwd="/",
        )
        theirs.close()
        self.control = ours
        ready = self._receive(_START_TIMEOUT)
        if not ready or not ready.get("ready"):
            reason = (ready or {}).get("error") or "the zygote exited during start-up"
            self.stop()
            raise SandboxUnavailable(reason)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop the zygote (its children die with it)."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def release_slot(self) -> None:
        """Stop the zygote and give its slot back (for a process that stops grading for good)."""
        self.stop()
        while self._kept_arenas:
            self._discard_kept(0)
        if self._slot_lock is not None:
            os.close(self._slot_lock)
            self._slot_lock = None

    def run(self, limits: Limits, seed: int, grading: object = None) -> Run:
        """Fork one sandboxed learner process; ``seed`` seeds its global random generators.

        ``grading`` names the grading the process belongs to (any object compared by identity): it never gets an
        arena another process of the same grading used, even one that died halfway through it."""
        if not self.alive():
            self.stop()
            self.start()
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        output_r, output_w = os.pipe()
        arena = self._arena(limits.arena_bytes, grading)
        message = {"op": "spawn", "limits": limits.as_dict(), "seed": seed}
        try:
            send_message(self.control, message, [request_r, reply_w, output_w, *arena.fds])
            answer = self._await(lambda event: event.get("event") in ("spawned", "error"), _EXIT_REPORT_TIMEOUT)
        finally:
            for fd in (request_r, reply_w, output_w):
                os.close(fd)
        if not answer or answer.get("event") != "spawned" or "pidfd" not in answer:
            for fd in (request_w, reply_r, output_r):
                os.close(fd)
            arena.close()
            self.stop()
            raise SandboxUnavailable(f"the zygote did not start a job: {answer}")
        self._exits.pop(answer["pid"], None)  # a report for an earlier process that had this pid
        return Run(self, answer["pid"], answer["pidfd"], limits, (request_w, reply_r, output_r), arena, grading)

    def _arena(self, size: int, grading: object) -> protocol.Arena:
        """An arena for a new job: a kept one whose job has exited and belonged to another grading, wiped
        (:meth:`protocol.Arena.recycled`), or a new one. Memory a job wrote is then already allocated: the kernel's
        cost of allocating it anew, about 0.6 ms a megabyte, was a tenth of a grading's CPU."""
        for index, (arena, pidfd, used_by) in enumerate(self._kept_arenas):
            if arena.size != size or (grading is not None and used_by is grading):
                continue
            # Readable once the job, PID 1 of its namespace, has exited, and with it every process of that
            # namespace: nothing maps the arena any more.
            if select.select([pidfd], [], [], 0)[0]:
                del self._kept_arenas[index]
                os.close(pidfd)
                try:
                    if arena.recycled(_KEPT_ARENA_BYTES):
                        return arena
                except OSError:
                    log.exception("an arena could not be wiped; a new one is made")
                arena.close()
                break
        return protocol.Arena(size)

    def keep_arena(self, arena: protocol.Arena, pidfd: int, grading: object = None) -> None:
        """Take an ended job's arena and pidfd (both now owned here) for a later job. Closed instead: without PID
        namespaces (``unsafe-dev``, where nothing ensures the job's processes are gone), and when the job left it
        holding more memory than an arena may keep (a worker would otherwise hold it while idle)."""
        if self.mode != "isolated" or arena.held_bytes() > _KEPT_ARENA_BYTES:
            arena.close()
            os.close(pidfd)
            return
        self._kept_arenas.append((arena, pidfd, grading))
        while len(self._kept_arenas) > _KEPT_ARENAS:
            self._discard_kept(0)

    def _discard_kept(self, index: int) -> None:
        arena, pidfd, _ = self._kept_arenas.pop(index)
        arena.close()
        os.close(pidfd)

    def exit_report(self, pid: int) -> ExitInfo | None:
        """Wait for the zygote's report of how ``pid`` ended; ``None`` (and a restart) if it never comes."""
        report = self._exits.pop(pid, None) or self._await(
            lambda event: event.get("event") == "exited" and event.get("pid") == pid, _EXIT_REPORT_TIMEOUT
        )
        if report is None:
            # The zygote is wedged or confused: replace it before the next job.
            self.stop()
            return None
        return ExitInfo(report["exit_code"], report["signal"], report["cpu_seconds"])

    def _await(self, wanted: Callable[[dict], bool], timeout: float) -> dict | None:
        """The next control message ``wanted`` accepts; exit reports met on the way are kept."""
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(max(0.0, deadline - time.monotonic()))
            if message is None or wanted(message):
                return message
            if message.get("event") == "exited":
                self._exits[message["pid"]] = message
                while len(self._exits) > _KEPT_EXIT_REPORTS:
                    self._exits.popitem(last=False)

    def _receive(self, timeout: float) -> dict | None:
        readable, _, _ = select.select([self.control], [], [], timeout)
        if not readable:
            return None
        message, fds = receive_message(self.control, max_fds=1)
        if message is not None and message.get("event") == "spawned" and len(fds) == 1:
            message["pidfd"] = fds.pop()
        for fd in fds:
            os.close(fd)
        return message


class ZygotePool:
    """One zygote per runtime, started on first use and restarted if it died.

    A worker process (or a command such as ``validate_exercises``) owns one pool; calling it with a
    runtime gives that runtime's zygote, ready to run jobs.
    """

    def __init__(self, mode: str = "isolated") -> None:
        self.mode = mode
        self.zygotes: dict[str, Zygote] = {}

    def __call__(self, runtime: str) -> Zygote:
        if runtime not in self.zygotes:
            self.zygotes[runtime] = Zygote(mode=self.mode, runtime=runtime)
        zygote = self.zygotes[runtime]
        if not zygote.alive():
            zygote.start()
        return zygote

    def close(self) -> None:
        """Stop every zygote and give their slots back."""
        for zygote in self.zygotes.values():
            zygote.release_slot()
        self.zygotes.clear()


def slot_lock_dir(mode: str) -> str:
    """Where slots are locked: machine-wide for root (slots are uids), per user otherwise."""
    if mode == "isolated" and os.geteuid() == 0:
        return SLOT_LOCK_DIR
    return os.path.join(tempfile.gettempdir(), f"gradient-gym-slots-{os.geteuid()}")


def claim_slot(lock_dir: str) -> tuple[int, int]:
    """Take the lowest free slot number, held by an flock for as long as this process lives."""
    os.makedirs(lock_dir, mode=0o700, exist_ok=True)
    for slot in range(MAX_SLOTS):
        fd = os.open(os.path.join(lock_dir, f"slot-{slot}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return slot, fd
    raise SandboxUnavailable(f"all {MAX_SLOTS} sandbox slots are taken")


class Run:
    """One single-use learner process. Use as a context manager; leaving it kills the process group."""

    def __init__(
        self,
        zygote: Zygote,
        pid: int,
        pidfd: int,
        limits: Limits,
        pipes: tuple[int, int, int],
        arena: protocol.Arena,
        grading: object = None,
    ):
        self.zygote = zygote
        self.grading = grading
        self.pid = pid
        self.pidfd = pidfd
        self.limits = limits
        self.request_w, self.reply_r, self.output_r = pipes
        self.arena = arena
        for fd in pipes:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self.started = time.monotonic()
        # The wall-clock budget counts only time spent waiting for the learner's process to answer:
        # the trusted checks' own work between requests never uses it up (nor does a loaded machine's
        # delay in running them).
        self.waited = 0.0
        self.deadline = self.started + limits.wall_seconds
        self.output = bytearray()
        self.output_overflow = False
        self.replies = bytearray()
        self.outcome = RunOutcome()
        self.closed = False

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def request(self, message: dict, placed: list | None = None) -> dict:
        """Send one request and return the decoded reply; raise :class:`SandboxDied` if none comes.

        Arrays in ``message`` go into the shared arena where they fit; ``placed`` receives their
        regions, to read back with ``self.arena.read`` after the call.
        """
        if self.outcome.died is not None:
            raise self.outcome.died
        if self.closed:
            # Its arena may already serve another job.
            raise RuntimeError("a request to a learner process that was closed")
        body = protocol.encode(message, arena=self.arena, placed=placed)
        # Only the time spent waiting on the learner's process counts: the checker's own encoding and
        # decoding (a first tensor imports PyTorch here) never use up the learner's wall-clock budget.
        began = time.monotonic()
        self.deadline = began + self.limits.wall_seconds - self.waited
        try:
            try:
                self._send(body)
                frame = self._await_frame()
            finally:
                self.waited += time.monotonic() - began
            reply = protocol.decode(frame, arena=self.arena, allow_tensors=self.zygote.runtime == Runtime.TORCH)
        except protocol.Timeout:
            raise self._die("wall_time", "") from None
        except protocol.PeerGone:
            raise self._die("exited", "") from None
        except protocol.ProtocolError as exc:
            raise self._die("protocol", str(exc)) from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            raise self._die("protocol", "the reply is not a well-formed answer")
        return reply

    def _send(self, body: bytes) -> None:
        data = memoryview(len(body).to_bytes(4, "big") + body)
        while data:
            self._wait(write=True)
            try:
                written = os.write(self.request_w, data)
            except BrokenPipeError:
                raise protocol.PeerGone("the learner process closed its input") from None
            except BlockingIOError:
                continue
            data = data[written:]

    def _await_frame(self) -> bytes:
        while True:
            frame = self._complete_frame()
            if frame is not None:
                return frame
            self._wait(write=False)
            self._buffer_replies()

    def _complete_frame(self) -> bytes | None:
        if len(self.replies) < 4:
            return None
        length = int.from_bytes(self.replies[:4], "big")
        if length > protocol.MAX_FRAME_BYTES:
            raise protocol.ProtocolError(f"reply of {length} bytes exceeds the {protocol.MAX_FRAME_BYTES}-byte limit")
        if len(self.replies) < 4 + length:
            return None
        frame = bytes(self.replies[4 : 4 + length])
        del self.replies[: 4 + length]
        return frame

    def _wait(self, *, write: bool) -> None:
        """Block until the pipe of interest is ready, draining the learner's output meanwhile.

        While a request is being written, replies are buffered too: a learner process that writes
        unasked-for frames must not be able to deadlock the two sides writing at each other.
        """
        target = self.request_w if write else self.reply_r
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise protocol.Timeout("wall-clock limit reached")
            writers = [target] if write else []
            readable, writable, _ = select.select([self.output_r, self.reply_r], writers, [], left)
            if self.output_r in readable:
                self._drain_output()
            if write and self.reply_r in readable:
                self._buffer_replies()
            if target in readable or target in writable:
                return

    def _buffer_replies(self) -> None:
        chunk = _read_available(self.reply_r)
        if chunk == b"":
            raise protocol.PeerGone("the learner process closed its reply pipe")
        if chunk:
            self.replies += chunk
            if len(self.replies) > protocol.MAX_FRAME_BYTES + 4:
                raise protocol.ProtocolError("the learner process sent more than it was asked for")

    def _drain_output(self) -> None:
        chunk = _read_available(self.output_r)
        if not chunk:
            return
        room = self.limits.output_bytes - len(self.output)
        self.output += chunk[: max(room, 0)]
        if len(chunk) > room:
            self.output_overflow = True
            raise self._die("output", "")

    def _die(self, reason: str, detail: str) -> SandboxDied:
        if self.output_overflow:
            reason = "output"
        self.close(wait=True)
        info = self.outcome.exit_info
        # The kernel ends a job at its CPU limit with SIGKILL: SIGXCPU is ignored by a namespace's PID 1,
        # and nothing inside the job's namespace can send its PID 1 a SIGKILL. So a SIGKILL the supervisor
        # did not send (the pipe closed first) is the CPU limit; rusage may read under it on a busy machine.
        cpu_exhausted = info is not None and (
            info.signal == signal.SIGXCPU
            or (reason == "exited" and info.signal == signal.SIGKILL)
            or info.cpu_seconds >= self.limits.cpu_rlimit_seconds - _CPU_TICK
        )
        if cpu_exhausted and reason in ("exited", "wall_time"):
            reason = "cpu_time"
        self.outcome.died = SandboxDied(reason, detail or _describe_exit(info), info)
        return self.outcome.died

    def close(self, *, wait: bool = False) -> RunOutcome:
        """Kill the learner's process group and release the pipes.

        With ``wait``, also collect the zygote's report of how the process ended (needed to explain a
        death); otherwise the teardown happens off this job's clock.
        """
        if self.closed:
            if wait and self.outcome.exit_info is None:
                self.outcome.exit_info = self.zygote.exit_report(self.pid)
            return self.outcome
        self.closed = True
        # The job is PID 1 of its own PID namespace: killing it kills everything it forked.
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self._drain_output_tail()
        try:
            if wait:
                self.outcome.exit_info = self.zygote.exit_report(self.pid)
        finally:
            self.outcome.output = self.output.decode("utf-8", errors="replace")
            for fd in (self.request_w, self.reply_r, self.output_r):
                os.close(fd)
            self.zygote.keep_arena(self.arena, self.pidfd, self.grading)
        return self.outcome

    def _drain_output_tail(self) -> None:
        while len(self.output) < self.limits.output_bytes:
            chunk = _read_available(self.output_r)
            if not chunk:
                return
            self.output += chunk[: self.limits.output_bytes - len(self.output)]


def _read_available(fd: int) -> bytes | None:
    """Read what is there: bytes, ``b""`` at end of file, ``None`` if nothing is ready."""
    try:
        return os.read(fd, 1 << 20)
    except BlockingIOError:
        return None
    except OSError as exc:
        if exc.errno == errno.EAGAIN:
            return None
        raise


def _describe_exit(info: ExitInfo | None) -> str:
    if info is None:
        return "the learner process vanished"
    if info.signal is not None:
        return f"the learner process was killed by signal {signal.Signals(info.signal).name}"
    return f"the learner process exited with code {info.exit_code}"
