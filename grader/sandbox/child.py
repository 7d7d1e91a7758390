"""The learner's side: confine a freshly forked child, then serve the checker's requests.

Runs only in a child of the zygote. Everything here happens before learner code is loaded, except
:func:`serve`, which executes it. The learner may tamper with anything in this process, so nothing
it sends back is trusted: the checker validates every answer (see ``grader.protocol``).
"""

from __future__ import annotations

import os
import random
import resource
import signal
import socket
import sys
import traceback
import types
from typing import Any

import numpy as np

from grader import protocol
from grader.sandbox import linux, seccomp
from grader.sandbox.control import receive_message
from grader.sandbox.limits import Limits

REQUEST_FD, REPLY_FD = 3, 4
_MAX_TRACEBACK_CHARS = 4000
_baseline_address_space = 0


def prepare() -> None:
    """Run once in the zygote: pay every first-use cost there, not in each child."""
    global _baseline_address_space
    _reseed(0)  # first seeding initialises NumPy's and PyTorch's generators (~10 ms)
    _exercise_common_paths()
    seccomp.prepare()
    _baseline_address_space = _current_address_space()


def run(fds: list[int], job: dict, isolated: bool) -> None:
    """Confine this process and serve requests until the checker hangs up. Never returns.

    ``job`` holds ``limits``, ``seed``, ``uid`` and ``hidden_paths`` from the supervisor.
    """
    limits = Limits(**job["limits"])
    _confined_or_exit(lambda: confine(limits, job["uid"], job["hidden_paths"], isolated))
    _start_job(fds, limits, job["seed"])


def wait_as_spare(channel: socket.socket, uid: int, hidden_paths: list[str], isolated: bool) -> None:
    """Confine this process ahead of time, then wait for a job on ``channel``. Never returns.

    Forking and confining are most of a job's cost; a spare does them before the job exists.
    Whatever needs the job (its pipes, limits and seed) comes in one message on ``channel``.
    """
    _confined_or_exit(lambda: confine(Limits(), uid, hidden_paths, isolated, apply_limits=False))
    job, fds = receive_message(channel, max_fds=3)
    if job is None or len(fds) != 3:
        os._exit(0)
    limits = Limits(**job["limits"])
    _start_job(fds, limits, job["seed"], limits_pending=True)


def _confined_or_exit(step) -> None:
    try:
        step()
    except BaseException:  # noqa: BLE001 - a child that cannot confine itself must not run learner code
        # Before the job's pipes are in place this reaches the worker's log; after, the job's output.
        traceback.print_exc()
        os._exit(71)


def _start_job(fds: list[int], limits: Limits, seed: int, *, limits_pending: bool = False) -> None:
    def prepare_job() -> None:
        _arrange_fds(*fds)
        if limits_pending:
            _apply_rlimits(limits, _baseline_address_space or _current_address_space())
        _reseed(seed)

    _confined_or_exit(prepare_job)
    serve(REQUEST_FD, REPLY_FD)
    os._exit(0)


def confine(limits: Limits, uid: int, hidden_paths: list[str], isolated: bool, *, apply_limits: bool = True) -> None:
    """Apply every layer, in an order where each step still has the privilege it needs.

    Without ``apply_limits`` the rlimits are left for later: lowering them needs no privilege.
    """
    os.setsid()
    if isolated:
        _private_filesystem(hidden_paths, limits)
    os.chdir("/tmp")
    if apply_limits:
        _apply_rlimits(limits, _baseline_address_space or _current_address_space())
    if isolated:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    # Set after the uid change, which clears it; the job dies with the zygote.
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    if isolated:
        seccomp.install(os.getpid())
    else:
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)


def _arrange_fds(request_fd: int, reply_fd: int, output_fd: int) -> None:
    # Move the three pipes out of the way first, so the dup2 calls below cannot clobber one another.
    high = [os.dup(fd) for fd in (request_fd, reply_fd, output_fd)]
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(high[2], 1)
    os.dup2(high[2], 2)
    os.dup2(high[0], REQUEST_FD)
    os.dup2(high[1], REPLY_FD)
    # Every other inherited descriptor (other jobs' pipes, the zygote's control socket) goes.
    os.closerange(REPLY_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    os.set_inheritable(REQUEST_FD, False)
    os.set_inheritable(REPLY_FD, False)


def _private_filesystem(hidden_paths: list[str], limits: Limits) -> None:
    linux.unshare(linux.CLONE_NEWNS)
    # Private propagation: nothing mounted here is seen by the host or other jobs, and vice versa.
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    covers = {"/tmp": f"size={limits.scratch_bytes},mode=1777"}
    for closed in _closed_ancestors(_runtime_roots()):
        # e.g. /root (mode 0700) above the interpreter: replace it by an empty, traversable directory.
        covers.setdefault(closed, "size=64k,mode=755")
    carried = [
        (root, linux.clone_mount_tree(root))
        for root in _runtime_roots()
        if any(root.startswith(cover + "/") for cover in covers)
    ]
    for cover, options in covers.items():
        linux.mount("tmpfs", cover, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, options)
    for root, tree in carried:
        os.makedirs(root, exist_ok=True)
        linux.attach_mount_tree(tree, root)
        os.close(tree)
    sealed = linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC
    for path in hidden_paths:
        if os.path.isdir(path):
            linux.mount("tmpfs", path, "tmpfs", sealed, "size=4k,mode=000")
        elif os.path.exists(path):
            linux.mount("/dev/null", path, None, linux.MS_BIND)


def _runtime_roots() -> list[str]:
    """The interpreter's and the virtualenv's folders: the learner process must still read them."""
    return sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)})


def _closed_ancestors(roots: list[str]) -> list[str]:
    """For each root, the highest ancestor an unprivileged user cannot traverse, if any."""
    closed = []
    for root in roots:
        parts = root.strip("/").split("/")
        for depth in range(1, len(parts)):
            ancestor = "/" + "/".join(parts[:depth])
            if not os.stat(ancestor).st_mode & 0o001:
                closed.append(ancestor)
                break
    return closed


def _apply_rlimits(limits: Limits, baseline_address_space: int) -> None:
    cpu = max(1, int(limits.cpu_seconds + 0.999))
    address_space = baseline_address_space + limits.memory_bytes
    for kind, soft, hard in (
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_AS, address_space, address_space),
        (resource.RLIMIT_NPROC, limits.max_processes, limits.max_processes),
        (resource.RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ):
        resource.setrlimit(kind, (soft, hard))


def _exercise_common_paths() -> None:
    # First calls initialise dispatch tables, the autograd engine and BLAS buffers: do it once here.
    matrix = np.ones((8, 8))
    np.tanh(matrix @ matrix.T).sum()
    torch = sys.modules.get("torch")
    if torch is not None:
        tensor = torch.ones(8, 8, dtype=torch.float64, requires_grad=True)
        torch.tanh(tensor @ tensor.T).sum().backward()
        torch.nn.functional.mse_loss(torch.zeros(3), torch.ones(3))
        # The first optimiser imports torch._dynamo (about a second of CPU): never in a learner's budget.
        layer = torch.nn.Linear(2, 1)
        optimiser = torch.optim.SGD(layer.parameters(), lr=0.1)
        layer(torch.ones(1, 2)).sum().backward()
        optimiser.step()
        optimiser.zero_grad()


def _current_address_space() -> int:
    # The zygote already maps NumPy and PyTorch; the memory limit is what the learner may add on top.
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _reseed(seed: int) -> None:
    # Forked children share the zygote's RNG state; each job gets its own.
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


class _Server:
    """Executes requests against the learner's module. Replies carry values, never verdicts.

    A check may also load *support* code (instrumented models, metrics, seeding helpers) into a module
    of its own here: objects that cannot cross the boundary as data are built in this process and
    passed to the learner's functions by handle. Support code shares the process with the learner's
    code, so checks never trust what it reports; they recompute what decides the verdict.
    """

    def __init__(self) -> None:
        self.module: types.ModuleType | None = None
        self.support = types.ModuleType("support")
        self.objects: dict[int, Any] = {}

    def handle(self, request: dict) -> Any:
        op = request.get("op")
        if op == "load":
            return self.load(request["source"])
        if op == "support":
            exec(compile(request["source"], "support.py", "exec"), self.support.__dict__)  # noqa: S102
            return None
        if op == "call" and request.get("support"):
            return self.call(getattr(self.support, request["name"]), request)
        if self.module is None:
            raise RuntimeError("no code loaded")
        if op == "call":
            return self.call(getattr(self.module, request["name"]), request)
        if op == "method":
            return self.call(getattr(self.objects[request["handle"]], request["name"]), request)
        if op == "getattr":
            return self.reply_value(getattr(self.objects[request["handle"]], request["name"]), request)
        raise ValueError(f"unknown op {op!r}")

    def load(self, source: str) -> None:
        module = types.ModuleType("submission")
        module.__file__ = "submission.py"
        code = compile(source, "submission.py", "exec", dont_inherit=True)
        sys.modules["submission"] = module
        exec(code, module.__dict__)  # noqa: S102 - this is the learner's code, inside the sandbox
        self.module = module

    def call(self, function: Any, request: dict) -> Any:
        args = [self.resolve(arg) for arg in request.get("args", [])]
        kwargs = {key: self.resolve(value) for key, value in request.get("kwargs", {}).items()}
        result = function(*args, **kwargs)
        if request.get("echo_args"):
            # Lets the checker see whether the function changed its inputs in place.
            return {"result": self.reply_value(result, request), "args": [_echoable(arg) for arg in args]}
        return self.reply_value(result, request)

    def reply_value(self, value: Any, request: dict) -> Any:
        if request.get("discard"):
            return None
        if request.get("as_handle"):
            ref = len(self.objects) + 1
            self.objects[ref] = value
            return protocol.Handle(ref)
        return value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, protocol.Seed):
            return np.random.default_rng(value.value)
        if isinstance(value, protocol.Handle):
            return self.objects[value.ref]
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.resolve(item) for item in value)
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value


def _echoable(value: Any) -> Any:
    """``value`` with what cannot travel back (generators, handles' objects) replaced by ``None``."""
    if isinstance(value, (list, tuple)):
        return type(value)(_echoable(item) for item in value)
    if isinstance(value, dict):
        return {key: _echoable(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str, np.ndarray, np.generic)):
        return value
    return None


def serve(request_fd: int, reply_fd: int) -> None:
    """Answer requests until the checker closes the pipe."""
    server = _Server()
    while True:
        try:
            request = protocol.decode(protocol.read_frame(request_fd), allow_seeds=True)
        except protocol.PeerGone:
            return
        try:
            reply = {"ok": True, "value": server.handle(request)}
            body = protocol.encode(reply)
            if len(body) > protocol.MAX_FRAME_BYTES:
                raise protocol.ProtocolError(f"the value is larger than {protocol.MAX_FRAME_BYTES} bytes")
        except BaseException as exc:  # noqa: BLE001 - learner errors, SystemExit included, are answers
            body = protocol.encode({"ok": False, "error": _describe(exc)})
        sys.stdout.flush()
        sys.stderr.flush()
        protocol.write_frame(reply_fd, body)


def _describe(exc: BaseException) -> dict:
    kind = "UnsendableValue" if isinstance(exc, protocol.ProtocolError) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    # Only the learner's own frames help them; the server's frames are noise.
    learner_frames = [frame for frame in frames if frame.filename == "submission.py"]
    lines = traceback.format_list(learner_frames) + traceback.format_exception_only(type(exc), exc)
    return {
        "type": str(kind)[:100],
        "message": str(exc)[:1000],
        "line": learner_frames[-1].lineno if learner_frames else None,
        "traceback": "".join(lines)[-_MAX_TRACEBACK_CHARS:],
    }
