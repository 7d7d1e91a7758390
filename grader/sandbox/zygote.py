"""The zygote: a pre-warmed process that forks one single-use child per job.

Started by :mod:`grader.sandbox.supervisor` with an empty environment, before it could inherit any
setting or secret. It imports NumPy and PyTorch once, so a job costs a fork instead of an interpreter
start, and it never holds checks, reference solutions or other learners' code: it only ever sees the
limits, a seed and three pipe ends for each job.

Control messages are JSON over a SOCK_SEQPACKET socket; pipe ends travel as SCM_RIGHTS.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import signal
import socket
import sys
import time

from grader.sandbox import linux
from grader.sandbox.limits import Limits

MAX_CONTROL_BYTES = 64 * 1024
# Stdlib modules a learner may reasonably import, loaded here so that children never need to read
# the interpreter's directory (which later layers of the sandbox may hide from them).
_PRELOADED_MODULES = (
    "abc", "bisect", "collections", "collections.abc", "copy", "dataclasses", "decimal", "enum",
    "fractions", "functools", "heapq", "itertools", "math", "numbers", "operator", "random", "re",
    "statistics", "string", "typing", "warnings",
)  # fmt: skip


def send_message(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    """Send one control message, optionally with file descriptors."""
    data = json.dumps(message).encode()
    ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    sock.sendmsg([data], ancillary)


def receive_message(sock: socket.socket, max_fds: int = 0) -> tuple[dict | None, list[int]]:
    """Receive one control message; ``(None, [])`` when the peer has gone."""
    fd_space = socket.CMSG_SPACE(max_fds * array.array("i").itemsize) if max_fds else 0
    data, ancillary, _flags, _addr = sock.recvmsg(MAX_CONTROL_BYTES, fd_space)
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if not data:
        return None, list(fds)
    return json.loads(data), list(fds)


def _warm_up() -> None:
    # Thread pools are sized from these variables at import time; one thread per job is the budget.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    import importlib

    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    for name in _PRELOADED_MODULES:
        importlib.import_module(name)
    from grader.sandbox import child  # noqa: F401

    os.environ.clear()


def _isolate(isolated: bool, uid: int) -> str | None:
    """Enter an empty network namespace shared by all children, then prove a child can be confined.

    Returns why isolation is unavailable, or ``None``.
    """
    if not isolated:
        return None
    try:
        linux.unshare(linux.CLONE_NEWNET)
    except OSError as exc:
        return f"cannot create a network namespace ({exc}); run the worker as root or with CAP_SYS_ADMIN"
    return _probe_confinement(uid)


def _probe_confinement(uid: int) -> str | None:
    from grader.sandbox import child

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            child.confine(Limits(), uid, [], isolated=True)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which refuses to grade
            os.write(write_end, f"{type(exc).__name__}: {exc}".encode()[:1000])
            os._exit(1)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reason:
        message = reason.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return f"a sandboxed child cannot be confined here ({message or 'it died'}); the worker needs root"
    return None


def _spawn(control: socket.socket, request: dict, fds: list[int], isolated: bool, uid: int) -> None:
    from grader.sandbox import child

    pid = os.fork()
    if pid == 0:
        control.close()
        child.run(fds, {**request, "uid": uid}, isolated)
        os._exit(72)
    for fd in fds:
        os.close(fd)
    send_message(control, {"pid": pid})
    _, status, usage = os.wait4(pid, 0)
    send_message(
        control,
        {
            "pid": pid,
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_rss_kb": usage.ru_maxrss,
        },
    )
    _reap_orphans(pid)


def _reap_orphans(group: int, patience: float = 0.5) -> None:
    # As a subreaper, the zygote inherits the processes a job forked; kill what is left of the job's
    # group and reap them, so no zombie outlives the job (after the report, off the job's clock).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.002)


def main() -> None:
    """Entry point: ``python -I -c '...' <control fd> <mode> <uid>`` (see the supervisor)."""
    control = socket.socket(fileno=int(sys.argv[1]))
    isolated = sys.argv[2] != "unsafe-dev"
    uid = int(sys.argv[3])
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
    _warm_up()
    error = _isolate(isolated, uid)
    send_message(control, {"ready": error is None, "error": error, "isolated": isolated})
    if error:
        return
    while True:
        request, fds = receive_message(control, max_fds=3)
        if request is None:
            return
        if request.get("op") != "spawn" or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            send_message(control, {"error": "malformed spawn request"})
            continue
        _spawn(control, request, fds, isolated, uid)
