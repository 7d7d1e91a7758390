"""What each exercise's checks cost by themselves, and what the sandbox adds.

    .venv/bin/python bench/checks_cost.py [--runs 20] [--profile 30] [slug ...]     # as root

For each exercise, its reference solution is graded two ways, drawing new hidden cases each time:

- **in one process**: the checks call the reference through the real protocol (``grader.protocol``'s encoding,
  decoding and shared arenas on both sides, and ``grader.sandbox.child``'s request server), but the server runs
  in this process, so no sandboxed process is forked, confined or waited for. CPU is split between the checker's
  side (the checks, encoding requests, decoding replies) and the learner's side (decoding requests, the reference
  itself, encoding replies). This is the floor of what a grading can cost with these checks, whatever the sandbox
  and the service around it do.
- **sandboxed**: ``grader.runner.grade``, as a worker grades once it has claimed a submission: the checker's CPU
  (this process) and the learner processes' (the zygote and its children, read from ``/proc``).

Only an exercise's own ``solution.py`` ever runs in this process: it is trusted content, like the checks.
Never point the first mode at a learner's code, which runs only in the sandbox.

``--profile N`` also prints the N costliest functions of the in-process gradings (``cProfile``, both sides).
"""

from __future__ import annotations

import argparse
import cProfile
import mmap
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import harness, protocol, runner  # noqa: E402
from grader.sandbox import child  # noqa: E402
from quizsite.catalog.content import ExerciseContent, load_exercises  # noqa: E402
from quizsite.catalog.validation import job_of, limits_of, zygotes  # noqa: E402

# Arenas held between gradings, as a zygote recycles them (grader.protocol.Arena.recycled).
_ARENA_RECYCLE_LIMIT = 16 << 20


class _InProcess(harness.Process):
    """A learner process without the process: the request server of ``grader.sandbox.child`` in this one, behind
    the same encoding, decoding and shared arena as a sandboxed process's requests."""

    def __init__(self, grading: _Grading) -> None:
        self.grading = grading
        self.arena = grading.arena()
        # The learner's side maps the inputs read-only, as a sandboxed child does.
        inputs = mmap.mmap(self.arena.inputs_fd, len(self.arena.inputs), prot=mmap.PROT_READ)
        self.learner_arena = protocol.LearnerArena(inputs, mmap.mmap(self.arena.shared_fd, len(self.arena.shared)))
        self.server = child._Server(self.learner_arena)
        child._reseed(secrets.randbits(63))
        for request in grading.loading:
            reply = self._serve(request)
            if not reply["ok"]:
                raise RuntimeError(f"the reference did not load: {reply['error']}")

    def _serve(self, request: dict) -> dict:
        try:
            return {"ok": True, "value": self.server.handle(request)}
        except BaseException as exc:  # noqa: BLE001 - the reference's exceptions are answers, as in the child
            return {"ok": False, "error": child._describe(exc)}

    def request(self, message: dict, placed: list | None = None) -> dict:
        body = protocol.encode(message, arena=self.arena, placed=placed)
        began = time.process_time()
        reply = self._serve(protocol.decode(body, allow_seeds=True, arena=self.learner_arena))
        self.learner_arena.start_reply()
        try:
            answer = protocol.encode(reply, arena=self.learner_arena)
        except protocol.ProtocolError as exc:
            answer = protocol.encode({"ok": False, "error": child._describe(exc)})
        self.grading.learner_seconds += time.process_time() - began
        return protocol.decode(answer, arena=self.arena, allow_tensors=True)

    def read(self, region: protocol.Region):
        return self.arena.read(region)

    def fresh(self, key: str | None = None, new: bool = False) -> _InProcess:
        if key in self.grading.shared:
            return self.grading.shared[key]
        process = _InProcess(self.grading)
        if key is not None:
            self.grading.shared[key] = process
        return process


class _Grading:
    """One in-process grading: its processes' arenas (recycled afterwards) and the learner side's CPU."""

    pool: list[protocol.Arena] = []

    def __init__(self, exercise: ExerciseContent, environment: str | None) -> None:
        self.loading = [{"op": "environment", "source": environment}] if environment else []
        self.loading.append({"op": "load", "source": exercise.solution_code})
        self.arenas: list[protocol.Arena] = []
        self.shared: dict[str, _InProcess] = {}
        self.learner_seconds = 0.0
        self.size = limits_of(exercise).arena_bytes

    def arena(self) -> protocol.Arena:
        arena = self.pool.pop() if self.pool else protocol.Arena(self.size)
        self.arenas.append(arena)
        return arena

    def close(self) -> None:
        for arena in self.arenas:
            if arena.size == self.size and arena.recycled(_ARENA_RECYCLE_LIMIT):
                self.pool.append(arena)
            else:
                arena.close()


def _in_process(exercise: ExerciseContent, profiler: cProfile.Profile | None) -> tuple[float, float]:
    """One in-process grading of the reference: (checker side, learner side) CPU seconds."""
    checks, environment = runner.load_checks(exercise.checks_source)
    job = job_of(exercise, exercise.solution_code)
    grading = _Grading(exercise, environment)
    began = time.process_time()
    if profiler is not None:
        profiler.enable()
    try:
        learner = harness.Learner(_InProcess(grading))
        for spec in checks:
            passed, message, _ = runner._judge(spec, learner, runner._case_generator(job, spec))
            if not passed:
                raise AssertionError(f"{exercise.slug}: the reference failed {spec.name!r}: {message[:500]}")
    finally:
        if profiler is not None:
            profiler.disable()
        grading.close()
    total = time.process_time() - began
    return total - grading.learner_seconds, grading.learner_seconds


def _children_seconds() -> float:
    """CPU of this process's descendants: living ones, and those they and this process have reaped."""
    import psutil

    me, total = psutil.Process(), 0.0
    times = me.cpu_times()
    total += times.children_user + times.children_system
    for process in me.children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("slugs", nargs="*")
    args = parser.parse_args()
    exercises = [e for e in load_exercises(ROOT / "exercises") if not args.slugs or e.slug in args.slugs]
    profiler = cProfile.Profile() if args.profile else None
    rows = []
    with zygotes() as started:
        for exercise in exercises:
            _in_process(exercise, None)  # warm-up: imports, compiled checks, first arenas
            runner.grade(job_of(exercise, exercise.solution_code), started)
            sides = [_in_process(exercise, profiler) for _ in range(args.runs)]
            checker_began, children_began = time.process_time(), _children_seconds()
            for _ in range(args.runs):
                report = runner.grade(job_of(exercise, exercise.solution_code), started)
                assert report.verdict == "accepted", (exercise.slug, report.message)
            checker = (time.process_time() - checker_began) / args.runs
            learner = (_children_seconds() - children_began) / args.runs
            checker_alone = statistics.mean(side[0] for side in sides)
            learner_alone = statistics.mean(side[1] for side in sides)
            rows.append((exercise.slug, checker_alone, learner_alone, checker, learner))
    print(f"runs per exercise: {args.runs}; CPU per grading, mean (ms)\n")
    print("| exercise | in one process: checker / learner side | sandboxed: checker / learner processes | added |")
    print("|---|---|---|---|")
    for slug, checker_alone, learner_alone, checker, learner in rows:
        alone, sandboxed = checker_alone + learner_alone, checker + learner
        print(
            f"| {slug} | {alone * 1e3:.1f} ({checker_alone * 1e3:.1f} / {learner_alone * 1e3:.1f}) "
            f"| {sandboxed * 1e3:.1f} ({checker * 1e3:.1f} / {learner * 1e3:.1f}) | {(sandboxed - alone) * 1e3:+.1f} |"
        )
    if profiler is not None:
        print()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("run as root: the sandboxed gradings need it")
    main()
