"""A deadline rush, simulated: learners submitting code in the last hour before a deadline, graded by N worker
cores through one first-in-first-out queue. Discrete events in plain Python and NumPy; no service is started.

    .venv/bin/python bench/deadline_rush.py [--learners 10000] [--mean-submissions 3] [--minutes 60]
        [--curve exponential|power] [--ramp-minutes 15] [--power 3]
        [--cpu-ms 125] [--cpu-ms-spread 0.3] [--worker-share 0.7] [--grade-share 0.8] [--wall-seconds 5]
        [--cores 1,2,4,8,12,16,24,32] [--target-p95-wait 10] [--grading-slots N]
        [--no-sweeper] [--noop-task-ms 5] [--sweep-row-ms 1] [--seed 1]

Prints the parameters, then Markdown tables: waits and times to verdict per core count, queue lengths, the
smallest core count whose p95 wait is under the target, and how far the API's expected wait is from the truth.
The default sweep takes about two seconds on the CI machine kind.

Why a rush. Deadline-driven submission behaviour is well documented for programming-course autograders (e.g.
Edwards et al., "Comparing effective and ineffective behaviors of student programmers", ICER 2009, on
Web-CAT): much of the work arrives close to the deadline, and learners resubmit in quick succession. The
curve and its parameters here are assumptions to vary, not a fit to any data.

The model:

- Arrivals. Each learner submits k times, k geometric with mean ``--mean-submissions`` (at least once), at
  instants drawn independently from a density on the hour that grows towards the deadline: exponentially,
  e-folding every ``--ramp-minutes``, or as a power of the time elapsed. Together they are close to an
  inhomogeneous Poisson process of rate learners x mean x density. Open loop: a late verdict does not slow the
  learners down, nor do they give up. Example runs and graded runs are not told apart: give ``--cpu-ms`` the
  mean of the mix.
- Service. ``--cpu-ms`` is the CPU of every process of the service per graded submission (bench/load.py, "all
  processes of the service"). ``--worker-share`` of it is spent by the grading worker (Celery pool process,
  zygote, sandboxed child); the rest by the web, PostgreSQL and Redis, assumed to run on other cores, so it
  does not delay gradings here (it is reported as the CPU those need). A grading holds one worker core for
  cpu-ms x worker-share on average, lognormal with sigma ``--cpu-ms-spread`` and that mean: Celery's prefork
  pool runs one process per core, each grading one submission at a time (prefetch multiplier 1), CPU-bound.
- Queue. One Redis list (queue ``grading``) shared by every worker core of every host; the earliest free core
  takes the head.
- Sweeper (``--no-sweeper`` to leave it out). Celery beat sends ``sweep_stuck_submissions`` every 60 s to
  that same queue (it is not routed elsewhere). When it runs it re-sends every submission still queued whose
  last send is more than SWEEP_QUEUED_AFTER_SECONDS (120 s) old: one UPDATE and one enqueue each
  (quizsite/learning/services.py, submissions_requeue_stuck). A re-sent message waits behind its original and
  costs a worker one task that finds nothing to claim. ``--noop-task-ms`` and ``--sweep-row-ms`` are
  assumptions, not measurements.
- Back-pressure. As each submission is accepted the API answers ``queue.expected_wait_seconds``, simulated from
  the state at that instant as ``submission_queue_estimate`` does (quizsite/learning/selectors.py), for one
  exercise: typical is the median ``grading_ms`` of the 100 most recently finished gradings, cached 30 s, 1 s
  before there are any. GRADING_SLOTS slots (the core count unless ``--grading-slots`` is given) free as the
  gradings running end: one that has run e seconds ends at the first of typical, 2 x typical, typical +
  ``--wall-seconds`` and 90 s (CELERY_TASK_TIME_LIMIT) still after e. The submissions ahead, the first 200 in
  order (the rows the selector reads), each take the slot that frees first for typical; the rest add
  typical / GRADING_SLOTS each. The answer is ceil(the submission's own start + typical), at least 1 s.
  ``grading_ms`` is timed inside ``grader.runner.grade``, so it leaves out the task around it:
  ``--grade-share`` of the task's time (the worker profile in bench/README.md puts the task around a grading
  at about a fifth). The figure includes the submission's own grading, so it is compared with the time to
  verdict as well as with the wait.

Not modelled: the web's and the database's latency (about 0.1 s end to end at low load, bench/README.md) and
their own queues, worker and web sharing a host's cores, retries, crashes, per-exercise costs (so the estimate's
per-exercise typical times are all the one median), learners' code that runs into the wall limit (only the
lognormal's tail past twice the median is taken for it, and told to run to typical + ``--wall-seconds``).
"""

from __future__ import annotations

import argparse
import heapq
import math
import time
from dataclasses import dataclass

import numpy as np

SWEEP, RESENT = "sweep", "resent"
CACHE_SECONDS = 30.0  # how long the typical grading time is cached (selectors._typical_grading_seconds)
RECENT_GRADINGS = 100  # how many finished gradings that median looks at
BUSY_AFTER = 100  # GRADING_QUEUE_BUSY_AFTER's default: past this many queued, responses say "busy"
QUEUE_ROWS_READ = 200  # rows the estimate reads (selectors.QUEUE_ROWS_READ); the rest ahead are counted
TASK_TIME_LIMIT = 90.0  # CELERY_TASK_TIME_LIMIT's default: no grading holds its slot longer


@dataclass(frozen=True)
class Rush:
    """Who submits when, and how long each grading holds a worker core; arrays in order of arrival."""

    arrivals: np.ndarray  # seconds since the start of the hour, ascending
    learners: np.ndarray  # the learner of each submission
    service: np.ndarray  # seconds of one worker core per grading
    seconds: float  # the deadline, in seconds since the start


@dataclass(frozen=True)
class Sweeper:
    """Celery beat's ``sweep_stuck_submissions`` as configured by default, with assumed costs."""

    every: float = 60.0
    after: float = 120.0
    noop: float = 0.005
    per_row: float = 0.001


@dataclass(frozen=True)
class Run:
    """One simulated rush on ``cores`` worker cores."""

    cores: int
    starts: np.ndarray  # when each submission's grading began, in order of arrival
    finishes: np.ndarray
    peak_messages: int  # most messages in the Redis list at once, re-sent ones and sweeps included
    resent: int  # messages the sweeper added
    overhead: float  # worker core-seconds spent on sweeps and re-sent messages


def deadline_times(
    rng: np.random.Generator, count: int, *, seconds: float, curve: str, ramp: float, power: float
) -> np.ndarray:
    """``count`` instants in [0, seconds], from a density growing towards the deadline (by inverting its CDF).

    exponential: density proportional to exp((t - seconds) / ramp); power: proportional to t ** power.
    """
    uniform = rng.random(count)
    if curve == "exponential":
        floor = math.exp(-seconds / ramp)
        return seconds + ramp * np.log(floor + uniform * (1.0 - floor))
    return seconds * uniform ** (1.0 / (power + 1.0))


def rush_create(
    rng: np.random.Generator,
    *,
    learners: int,
    mean_submissions: float,
    seconds: float,
    curve: str,
    ramp: float,
    power: float,
    worker_ms: float,
    spread: float,
) -> Rush:
    """Draw the submissions of ``learners`` learners and the worker time of each grading (mean ``worker_ms``)."""
    counts = rng.geometric(1.0 / mean_submissions, size=learners)
    owners = np.repeat(np.arange(learners), counts)
    instants = deadline_times(rng, owners.size, seconds=seconds, curve=curve, ramp=ramp, power=power)
    order = np.argsort(instants, kind="stable")
    # A lognormal's mean is exp(mu + sigma^2 / 2): this mu keeps the mean at worker_ms whatever the spread.
    mu = math.log(worker_ms / 1000) - spread**2 / 2
    service = rng.lognormal(mu, spread, owners.size)
    return Rush(arrivals=instants[order], learners=owners[order], service=service, seconds=seconds)


def simulate(rush: Rush, *, cores: int, sweeper: Sweeper | None) -> Run:
    """Serve every message in the order it was enqueued; the earliest free core takes the next one.

    Start times are non-decreasing in that order, so at a sweep's start every submission not yet taken from
    the line is still queued: exactly those the sweeper may re-send.
    """
    count = rush.arrivals.size
    free = [0.0] * cores  # when each core is next free (a heap)
    starts, finishes = np.empty(count), np.empty(count)
    sent = rush.arrivals.copy()  # when each submission was last sent to the broker
    extra: list[tuple[float, int, str]] = []  # messages other than first sends: (enqueued, order, kind)
    enqueued, began = [], []
    order, taken, resent, overhead = 0, 0, 0, 0.0
    if sweeper is not None:
        extra.append((sweeper.every, order, SWEEP))
    while taken < count or extra:
        if taken < count and (not extra or rush.arrivals[taken] <= extra[0][0]):
            at = rush.arrivals[taken]
            start = max(at, heapq.heappop(free))
            starts[taken], finishes[taken] = start, start + rush.service[taken]
            heapq.heappush(free, finishes[taken])
            taken += 1
        else:
            at, _, kind = heapq.heappop(extra)
            start = max(at, heapq.heappop(free))
            busy = sweeper.noop
            if kind == SWEEP:
                stale = _resend_stale(rush, sent, first=taken, now=start, after=sweeper.after)
                for n in range(stale):
                    order += 1
                    heapq.heappush(extra, (start + (n + 1) * sweeper.per_row, order, RESENT))
                resent, busy = resent + stale, busy + stale * sweeper.per_row
                if taken < count:  # beat keeps sending; past the last submission nothing more can be re-sent
                    order += 1
                    heapq.heappush(extra, (at + sweeper.every, order, SWEEP))
            overhead += busy
            heapq.heappush(free, start + busy)
        enqueued.append(at)
        began.append(start)
    peak = peak_concurrent(np.array(enqueued), np.array(began))
    return Run(cores, starts, finishes, peak_messages=peak, resent=resent, overhead=overhead)


def _resend_stale(rush: Rush, sent: np.ndarray, *, first: int, now: float, after: float) -> int:
    # Submissions first..: still queued at ``now``; of those, re-send (and re-stamp) the ones sent before the cut-off.
    cutoff = now - after
    last = int(np.searchsorted(rush.arrivals, cutoff, side="left"))  # a send is never before the arrival
    if last <= first:
        return 0
    window = sent[first:last]  # a view: re-stamping it re-stamps ``sent``
    stale = window < cutoff
    window[stale] = now
    return int(stale.sum())


def peak_concurrent(opened: np.ndarray, closed: np.ndarray) -> int:
    """The most intervals [opened, closed) that overlap at one instant."""
    times = np.concatenate([opened, closed])
    steps = np.concatenate([np.ones(opened.size), -np.ones(closed.size)])
    order = np.lexsort((steps, times))  # at a tie, close first
    return int(np.cumsum(steps[order]).max(initial=0))


def peak_learners_waiting(rush: Rush, run: Run) -> int:
    """The most learners with a submission not yet final at one instant: one long poll each, held by the web,
    while the exercise page follows their submission."""
    order = np.lexsort((rush.arrivals, rush.learners))
    who, came, done = rush.learners[order], rush.arrivals[order], run.finishes[order]
    opened, closed = [came[0]], []
    until = done[0]
    for i in range(1, who.size):
        if who[i] != who[i - 1] or came[i] > until:
            closed.append(until)
            opened.append(came[i])
            until = done[i]
        else:
            until = max(until, done[i])
    closed.append(until)
    return peak_concurrent(np.array(opened), np.array(closed))


def expected_waits(
    rush: Rush, run: Run, *, slots: int, grade_share: float, wall: float
) -> tuple[np.ndarray, np.ndarray]:
    """What the API answers each submission as it is accepted: ``queue.expected_wait_seconds`` and ``busy``,
    computed from the simulated state as quizsite.learning.selectors.submission_queue_estimate does, for one
    exercise whose wall limit is ``wall``: the gradings running free their slots (:func:`_remaining_seconds`),
    then the submissions ahead take the slot that frees first, each for the typical time."""
    index = np.arange(rush.arrivals.size)
    # Earlier submissions whose grading has begun (starts are in arrival order, so this is a prefix).
    started = np.minimum(np.searchsorted(run.starts, rush.arrivals, side="left"), index)
    by_finish = np.argsort(run.finishes, kind="stable")
    finished = np.searchsorted(run.finishes[by_finish], rush.arrivals, side="right")
    grading_ms = np.floor(rush.service[by_finish] * grade_share * 1000)
    ahead = index - started
    typical = _typical_grading_seconds(rush.arrivals, finished, grading_ms)
    expected = np.empty(index.size)
    running: list[tuple[float, float]] = []  # (finish, start) of the gradings begun and not finished: a heap
    begun = 0
    # Python floats in the loop: NumPy's scalars would make it several times slower.
    starts, finishes = run.starts.tolist(), run.finishes.tolist()
    state = zip(rush.arrivals.tolist(), started.tolist(), ahead.tolist(), typical.tolist(), strict=True)
    for i, (at, count, waiting, seconds) in enumerate(state):
        for j in range(begun, count):
            heapq.heappush(running, (finishes[j], starts[j]))
        begun = max(begun, count)
        while running and running[0][0] <= at:
            heapq.heappop(running)
        start = 0.0  # a slot is free and nothing is ahead: the common case while the workers keep up
        if waiting or len(running) >= slots:
            ends = [_remaining_seconds(seconds, wall, at - begun_at) for _, begun_at in running]
            free = heapq.nsmallest(slots, ends + [0.0] * (slots - len(ends)))
            read = max(0, min(waiting, QUEUE_ROWS_READ - len(ends)))
            start = _start_after(free, read, seconds) + (waiting - read) * seconds / slots
        expected[i] = max(1, math.ceil(start + seconds))
    return expected, ahead + 1 > BUSY_AFTER


def _remaining_seconds(typical: float, wall: float, elapsed: float) -> float:
    # selectors._remaining_seconds: the first still ahead of typical, twice that, typical + wall, the task limit.
    ends = sorted((typical, 2 * typical, typical + wall, TASK_TIME_LIMIT))
    return next((end - elapsed for end in ends if end > elapsed), 0.0)


def _start_after(free: list[float], jobs: int, duration: float) -> float:
    """When a slot frees for the submission behind ``jobs`` others of ``duration`` each, on slots free at ``free``,
    the earliest free slot taking the next: the selector's heap simulation, in closed form once the slots free
    within ``duration`` of each other, since from then on they take the submissions in turn."""
    heap = sorted(free)
    latest = heap[-1]
    while jobs and latest - heap[0] >= duration:
        heapq.heapreplace(heap, heap[0] + duration)
        jobs -= 1
    turn = sorted(heap)
    rounds, position = divmod(jobs, len(turn))
    return turn[position] + rounds * duration


def _typical_grading_seconds(arrivals: np.ndarray, finished: np.ndarray, grading_ms: np.ndarray) -> np.ndarray:
    # The cached median: recomputed by the first request after it expires. Requests are at least as frequent as
    # submissions, so refreshing on submissions alone is close enough.
    typical = np.empty(arrivals.size)
    value, expires = 1.0, -math.inf
    for i, at in enumerate(arrivals):
        if at >= expires:
            done = finished[i]
            recent = grading_ms[max(0, done - RECENT_GRADINGS) : done]
            value = float(np.median(recent)) / 1000 if done else 1.0
            expires = at + CACHE_SECONDS
        typical[i] = value
    return typical


def smallest_cores(rush: Rush, runs: dict[int, Run], *, target: float, sweeper: Sweeper | None) -> int:
    """The fewest worker cores whose p95 wait is under ``target`` seconds (simulating the counts not in ``runs``)."""
    cores = 1
    while True:
        if cores not in runs:
            runs[cores] = simulate(rush, cores=cores, sweeper=sweeper)
        if np.percentile(runs[cores].starts - rush.arrivals, 95) < target:
            return cores
        cores += 1


def seconds_text(value: float) -> str:
    """A duration for a table cell: more decimals for short ones."""
    if value < 10:
        return f"{value:.2f} s"
    if value < 100:
        return f"{value:.1f} s"
    return f"{value:,.0f} s"


def quantiles_text(values: np.ndarray) -> list[str]:
    """p50, p95, p99 and max of ``values`` (seconds), as table cells."""
    return [seconds_text(float(q)) for q in (*np.percentile(values, [50, 95, 99]), values.max())]


def print_parameters(args: argparse.Namespace, rush: Rush, worker_ms: float) -> None:
    """The options in force, and the arrivals and the capacity they call for."""
    per_minute = np.histogram(rush.arrivals, bins=round(args.minutes), range=(0, rush.seconds))[0] / 60
    mean_service = float(rush.service.mean())
    print(
        f"Deadline rush, seed {args.seed}: {args.learners:,} learners, submissions each geometric with mean "
        f"{args.mean_submissions:g}; {args.curve} curve over {args.minutes:g} minutes "
        + (
            f"(rate e-folds every {args.ramp_minutes:g} min)"
            if args.curve == "exponential"
            else f"(rate ∝ t^{args.power:g})"
        )
    )
    print(
        f"CPU per graded submission {args.cpu_ms:g} ms (lognormal sigma {args.cpu_ms_spread:g}), of which worker "
        f"{args.worker_share:g} = {worker_ms:.1f} ms a grading; grading_ms = {args.grade_share:g} of that; "
        f"wall limit {args.wall_seconds:g} s (for the estimate); "
        + (
            "sweeper on (every 60 s, re-sends after 120 s, "
            f"{args.noop_task_ms:g} ms a no-op task, {args.sweep_row_ms:g} ms a re-sent row; assumed)"
            if not args.no_sweeper
            else "sweeper off"
        )
        + (f"; GRADING_SLOTS = {args.grading_slots}" if args.grading_slots else "; GRADING_SLOTS = core count")
        + "\n"
    )
    web_ms = args.cpu_ms * (1 - args.worker_share)
    print("| arrivals | value |\n|---|---|")
    print(f"| submissions | {rush.arrivals.size:,} |")
    print(f"| mean rate over the rush | {rush.arrivals.size / rush.seconds:.1f}/s |")
    print(f"| first minute / busiest minute | {per_minute[0]:.1f}/s / {per_minute.max():.1f}/s |")
    print(f"| last 5 minutes | {int((rush.arrivals >= rush.seconds - 300).sum()):,} submissions |")
    print(
        f"| worker core-seconds, whole rush (mean grading {mean_service * 1000:.1f} ms) | {rush.service.sum():,.0f} |"
    )
    print(f"| worker cores just to keep up with the busiest minute | {per_minute.max() * mean_service:.1f} |")
    print(
        f"| web + PostgreSQL + Redis CPU at the busiest minute ({web_ms:.1f} ms a submission) | "
        f"{per_minute.max() * web_ms / 1000:.1f} cores |\n"
    )


def print_latencies(rush: Rush, runs: dict[int, Run], counts: list[int]) -> None:
    """Wait (queued to grading begun) and time to verdict (queued to finished), per core count."""
    print("| worker cores | wait p50 | p95 | p99 | max | to verdict p50 | p95 | p99 | max |")
    print("|---|---|---|---|---|---|---|---|---|")
    for cores in counts:
        run = runs[cores]
        cells = quantiles_text(run.starts - rush.arrivals) + quantiles_text(run.finishes - rush.arrivals)
        print(f"| {cores} | " + " | ".join(cells) + " |")
    print()


def print_queues(rush: Rush, runs: dict[int, Run], counts: list[int]) -> None:
    """How long the line got, what the sweeper added to it, and when the last verdict came."""
    print(
        "| worker cores | peak queued submissions | peak messages in `grading` | peak learners waiting (long polls) "
        "| sweeper re-sends | worker time on them | last verdict after the deadline |"
    )
    print("|---|---|---|---|---|---|---|")
    for cores in counts:
        run = runs[cores]
        queued = peak_concurrent(rush.arrivals, run.starts)
        last = max(0.0, float(run.finishes.max()) - rush.seconds)
        print(
            f"| {cores} | {queued:,} | {run.peak_messages:,} | {peak_learners_waiting(rush, run):,} | "
            f"{run.resent:,} | {seconds_text(run.overhead)} | {seconds_text(last)} |"
        )
    print()


def print_estimates(rush: Rush, runs: dict[int, Run], counts: list[int], args: argparse.Namespace) -> None:
    """How far ``queue.expected_wait_seconds`` is from the time to verdict and from the wait."""
    print(
        "| worker cores | told busy | vs time to verdict: median abs error | p95 abs error | median (told - actual) "
        "| vs wait: median abs error | p95 abs error | median (told - actual) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for cores in counts:
        run = runs[cores]
        slots = args.grading_slots or cores
        told, busy = expected_waits(rush, run, slots=slots, grade_share=args.grade_share, wall=args.wall_seconds)
        cells = [f"{busy.mean():.0%}"]
        for actual in (run.finishes - rush.arrivals, run.starts - rush.arrivals):
            error = told - actual
            cells += [seconds_text(float(np.median(abs(error)))), seconds_text(float(np.percentile(abs(error), 95)))]
            cells.append(f"{float(np.median(error)):+.2f} s")
        print(f"| {cores} | " + " | ".join(cells) + " |")
    print()


def arguments() -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--mean-submissions", type=float, default=3.0, help="per learner (geometric, at least 1)")
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the rush, ending at the deadline")
    parser.add_argument("--curve", choices=("exponential", "power"), default="exponential")
    parser.add_argument("--ramp-minutes", type=float, default=15.0, help="exponential: the rate e-folds this often")
    parser.add_argument("--power", type=float, default=3.0, help="power: rate proportional to elapsed ** power")
    parser.add_argument("--cpu-ms", type=float, default=125.0, help="CPU of all processes per graded submission")
    parser.add_argument("--cpu-ms-spread", type=float, default=0.3, help="sigma of the lognormal grading time")
    parser.add_argument("--worker-share", type=float, default=0.7, help="part of --cpu-ms spent by the worker")
    parser.add_argument("--grade-share", type=float, default=0.8, help="part of a task timed as grading_ms")
    parser.add_argument("--wall-seconds", type=float, default=5.0, help="the exercise's wall limit (estimate)")
    parser.add_argument("--cores", default="1,2,4,8,12,16,24,32", help="worker core counts, comma separated")
    parser.add_argument("--target-p95-wait", type=float, default=10.0, help="seconds")
    parser.add_argument("--grading-slots", type=int, default=0, help="GRADING_SLOTS (default: the core count)")
    parser.add_argument("--no-sweeper", action="store_true")
    parser.add_argument("--noop-task-ms", type=float, default=5.0, help="assumed: a task with nothing to claim")
    parser.add_argument("--sweep-row-ms", type=float, default=1.0, help="assumed: the sweeper's cost per re-send")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.mean_submissions < 1 or not 0 < args.worker_share <= 1 or not 0 < args.grade_share <= 1:
        parser.error("--mean-submissions must be at least 1; --worker-share and --grade-share in (0, 1]")
    return args


def main() -> None:
    """Simulate the rush for every core count asked for, and print the tables."""
    began = time.perf_counter()
    args = arguments()
    counts = sorted({int(value) for value in args.cores.split(",")})
    worker_ms = args.cpu_ms * args.worker_share
    rush = rush_create(
        np.random.default_rng(args.seed),
        learners=args.learners,
        mean_submissions=args.mean_submissions,
        seconds=args.minutes * 60,
        curve=args.curve,
        ramp=args.ramp_minutes * 60,
        power=args.power,
        worker_ms=worker_ms,
        spread=args.cpu_ms_spread,
    )
    sweeper = None if args.no_sweeper else Sweeper(noop=args.noop_task_ms / 1000, per_row=args.sweep_row_ms / 1000)
    runs = {cores: simulate(rush, cores=cores, sweeper=sweeper) for cores in counts}
    print_parameters(args, rush, worker_ms)
    print_latencies(rush, runs, counts)
    print_queues(rush, runs, counts)
    chosen = smallest_cores(rush, runs, target=args.target_p95_wait, sweeper=sweeper)
    print(
        f"Smallest worker core count with p95 wait under {args.target_p95_wait:g} s: **{chosen}**"
        + ("" if chosen in counts else " (simulated in addition to the sweep)")
        + "\n"
    )
    print(
        "What back-pressure tells each learner as the submission is accepted (`queue.expected_wait_seconds`, "
        "`busy`), against what then happened:\n"
    )
    print_estimates(rush, runs, sorted({*counts, chosen}), args)
    print(f"Simulated in {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()
