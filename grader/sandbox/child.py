"""The learner's side: confine a freshly forked child, then serve the checker's requests.

Runs only in a child of the zygote. Everything here happens before learner code is loaded, except
:func:`serve`, which executes it. The learner may tamper with anything in this process, so nothing
it sends back is trusted: the checker validates every answer (see ``grader.protocol``).
"""

from __future__ import annotations

import builtins
import linecache
import os
import random
import resource
import signal
import sys
import traceback
import types
from typing import Any

import numpy as np

from grader import protocol
from grader.sandbox import linux, rootfs, seccomp
from grader.sandbox.control import JOB_FDS, receive_message
from grader.sandbox.limits import Limits

REQUEST_FD, REPLY_FD, INPUTS_FD, SHARED_FD = 3, 4, 5, 6
_MAX_TRACEBACK_CHARS = 4000
_baseline_address_space = 0
# The real exception classes, captured before any learner code exists: a learner's own class named
# ``ValueError`` is reported under its own name, never as the built-in one.
_BUILTIN_EXCEPTIONS = {
    value: name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def prepare() -> None:
    """Run once in the zygote: pay every first-use cost there, not in each child."""
    global _baseline_address_space
    _reseed(0)  # first seeding initialises NumPy's and PyTorch's generators (~10 ms)
    _exercise_common_paths()
    seccomp.prepare()
    _baseline_address_space = _current_address_space()


def run(fds: list[int], job: dict, isolated: bool) -> None:
    """Confine this process and serve requests until the checker hangs up. Never returns.

    ``job`` holds ``limits``, ``seed`` and ``uid`` from the supervisor.
    """
    limits = Limits(**job["limits"])
    _confined_or_exit(lambda: confine(limits, job["uid"], isolated))
    _start_job(fds, limits, job["seed"])


def wait_as_spare(channel, uid: int, isolated: bool) -> None:
    """Confine this process ahead of time, then wait for a job on ``channel``. Never returns.

    Forking and confining are most of a job's cost; a spare does them before the job exists.
    Whatever needs the job (its pipes, arena, limits and seed) comes in one message on ``channel``.
    """
    _confined_or_exit(lambda: confine(Limits(), uid, isolated))
    job, fds = receive_message(channel, max_fds=JOB_FDS)
    if job is None or len(fds) != JOB_FDS:
        os._exit(0)
    _start_job(fds, Limits(**job["limits"]), job["seed"])


def _confined_or_exit(step) -> None:
    try:
        step()
    except BaseException:  # noqa: BLE001 - a child that cannot confine itself must not run learner code
        # Before the job's pipes are in place this reaches the worker's log; after, the job's output.
        traceback.print_exc()
        os._exit(71)


def _start_job(fds: list[int], limits: Limits, seed: int) -> None:
    arena: list = []

    def prepare_job() -> None:
        _arrange_fds(*fds)
        # Inputs are read-only here (the memfd is sealed against writable mappings); the rest is shared.
        arena.extend([linux.map_shared(INPUTS_FD, writable=False), linux.map_shared(SHARED_FD, writable=True)])
        os.close(INPUTS_FD)
        os.close(SHARED_FD)
        # The arena is the checker's memory lent to this job: it does not count against the learner's limit.
        lent = sum(len(memory) for memory in arena)
        _apply_rlimits(limits, (_baseline_address_space or _current_address_space()) + lent)
        _reseed(seed)

    _confined_or_exit(prepare_job)
    serve(REQUEST_FD, REPLY_FD, protocol.LearnerArena(*arena))
    os._exit(0)


def confine(limits: Limits, uid: int, isolated: bool) -> None:
    """Apply every layer but the rlimits, in an order where each step still has the privilege it needs.

    ``uid`` is the slot's unprivileged uid, or -1 when the zygote runs rootless in a user namespace.

    The zygote has already put this process in a PID namespace of its own (it is PID 1 there, so
    everything it forks dies with it) and in the minimal root (see :mod:`grader.sandbox.rootfs`).
    Lowering rlimits needs no privilege: they are applied when the job arrives. The job keeps the zygote's
    session, which has no controlling terminal (the zygote's niceness holds for it there), in a process group
    of its own.
    """
    os.setpgid(0, 0)
    if isolated:
        rootfs.enter_private_scratch(limits.scratch_bytes)
    os.chdir("/tmp")
    if isolated and uid >= 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    elif isolated:
        # Rootless: the only uid of the zygote's user namespace is its root; stay it, without capabilities.
        linux.drop_capabilities()
    # Set after the uid change, which clears it; the job dies with the zygote.
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    if isolated:
        seccomp.install(os.getpid())
    else:
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)


def _arrange_fds(request_fd: int, reply_fd: int, output_fd: int, inputs_fd: int, shared_fd: int) -> None:
    # Move the descriptors out of the way first, so the dup2 calls below cannot clobber one another.
    high = [os.dup(fd) for fd in (request_fd, reply_fd, output_fd, inputs_fd, shared_fd)]
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(high[2], 1)
    os.dup2(high[2], 2)
    for fd, target in zip(
        (high[0], high[1], high[3], high[4]), (REQUEST_FD, REPLY_FD, INPUTS_FD, SHARED_FD), strict=True
    ):
        os.dup2(fd, target)
        os.set_inheritable(target, False)
    # Every other inherited descriptor (other jobs' pipes, the zygote's control socket) goes.
    os.closerange(SHARED_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _apply_rlimits(limits: Limits, baseline_address_space: int) -> None:
    cpu = limits.cpu_rlimit_seconds
    address_space = baseline_address_space + limits.memory_bytes
    # Soft and hard CPU limits are equal: as PID 1 of its namespace the process ignores SIGXCPU, and
    # the kernel's SIGKILL at the hard limit is what ends it.
    for kind, soft, hard in (
        (resource.RLIMIT_CPU, cpu, cpu),
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
        # PyTorch reads the CPU's description from /proc and /sys on first use; children have neither.
        torch.backends.cpu.get_cpu_capability()
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
    # Forked children share the zygote's RNG state; each process gets its own, chosen by the checker
    # at random, so code that draws from a global generator cannot look deterministic.
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


class _Server:
    """Executes requests against the learner's module. Replies carry values, never verdicts.

    An exercise may load an *environment* first: trusted code that runs before the learner's code
    exists (to disable functions the exercise forbids, or to define the models and helpers the checks
    pass in by handle). Its effects hold when the learner's code loads; afterwards it shares the
    process with that code, so nothing it reports is believed either.
    """

    def __init__(self, arena: protocol.LearnerArena) -> None:
        self.module: types.ModuleType | None = None
        self.environment = types.ModuleType("environment")
        self.objects: dict[int, Any] = {}
        self.arena = arena

    def handle(self, request: dict) -> Any:
        op = request.get("op")
        if op == "environment":
            if self.module is not None:
                raise RuntimeError("the environment must be loaded before the learner's code")
            exec(compile(request["source"], "environment.py", "exec"), self.environment.__dict__)  # noqa: S102
            return None
        if op == "load":
            return self.load(request["source"])
        if op == "call" and request.get("environment"):
            return self.call(getattr(self.environment, request["name"]), request)
        if self.module is None:
            raise RuntimeError("no code loaded")
        if op == "call":
            return self.call(getattr(self.module, request["name"]), request)
        if op == "map":
            function = getattr(self.module, request["name"])
            return [self.answer(function, args) for args in request["calls"]]
        if op == "method":
            return self.call(getattr(self.objects[request["handle"]], request["name"]), request)
        if op == "getattr":
            return self.reply_value(getattr(self.objects[request["handle"]], request["name"]), request)
        raise ValueError(f"unknown op {op!r}")

    def answer(self, function: Any, args: list) -> list:
        """One call of a ``map``: ``[True, value]``, or ``[False, error]`` as ``serve`` describes an error. A call
        that raises does not stop the calls after it. Lists, not ``{"ok", "value"}`` objects: a grading answers
        hundreds of calls, and each object costs encoding and decoding on both sides."""
        try:
            return [True, function(*[self.resolve(arg) for arg in args])]
        except BaseException as exc:  # noqa: BLE001 - learner errors, SystemExit included, are answers
            return [False, _describe(exc)]

    def load(self, source: str) -> None:
        # Tracebacks quote the learner's lines from here, never by searching the filesystem for them.
        linecache.cache["submission.py"] = (len(source), None, source.splitlines(keepends=True), "submission.py")
        module = types.ModuleType("submission")
        module.__file__ = "submission.py"
        code = compile(source, "submission.py", "exec", dont_inherit=True)
        sys.modules["submission"] = module
        exec(code, module.__dict__)  # noqa: S102 - this is the learner's code, inside the sandbox
        self.module = module

    def call(self, function: Any, request: dict) -> Any:
        args = [self.resolve(arg) for arg in request.get("args", [])]
        kwargs = {key: self.resolve(value) for key, value in request.get("kwargs", {}).items()}
        return self.reply_value(function(*args, **kwargs), request)

    def reply_value(self, value: Any, request: dict) -> Any:
        if request.get("discard"):
            return None
        if request.get("as_handle"):
            ref = len(self.objects) + 1
            self.objects[ref] = value
            return protocol.Handle(ref)
        return value

    def resolve(self, value: Any) -> Any:
        kind = type(value)
        if kind is np.ndarray or kind is float or kind is int or kind is bool or kind is str or value is None:
            return value  # most arguments: nothing to resolve, and none of the tests below can match
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


def serve(request_fd: int, reply_fd: int, arena: protocol.LearnerArena) -> None:
    """Answer requests until the checker closes the pipe."""
    server = _Server(arena)
    while True:
        try:
            frame = protocol.read_frame(request_fd)
        except protocol.PeerGone:
            return
        try:
            request = protocol.decode(frame, allow_seeds=True, arena=server.arena)
            reply = {"ok": True, "value": server.handle(request)}
            server.arena.start_reply()
            body = protocol.encode(reply, arena=server.arena)
            if len(body) > protocol.MAX_FRAME_BYTES:
                raise protocol.ProtocolError(f"the value is larger than {protocol.MAX_FRAME_BYTES} bytes")
        except BaseException as exc:  # noqa: BLE001 - learner errors, SystemExit included, are answers
            body = protocol.encode({"ok": False, "error": _describe(exc)})
        sys.stdout.flush()
        sys.stderr.flush()
        protocol.write_frame(reply_fd, body)


def _describe(exc: BaseException) -> dict:
    cls = type(exc)
    kinds = [_BUILTIN_EXCEPTIONS[base] for base in cls.__mro__ if base in _BUILTIN_EXCEPTIONS]
    if isinstance(exc, protocol.ProtocolError):
        name, kinds = "UnsendableValue", []
    elif cls in _BUILTIN_EXCEPTIONS:
        name = _BUILTIN_EXCEPTIONS[cls]
    else:
        name = f"{cls.__module__}.{cls.__qualname__}"
    frames = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__), lookup_lines=False)
    # Only the learner's own frames help them; the server's and libraries' frames are noise.
    learner_frames = traceback.StackSummary.from_list([f for f in frames if f.filename == "submission.py"])
    lines = learner_frames.format() + traceback.format_exception_only(cls, exc)
    return {
        "type": str(name)[:100],
        "kinds": kinds,
        "message": str(exc)[:1000],
        "line": learner_frames[-1].lineno if learner_frames else None,
        "traceback": "".join(lines)[-_MAX_TRACEBACK_CHARS:],
    }
