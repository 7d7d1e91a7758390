"""The sandbox runs learner code in a confined, single-use process and enforces limits from outside."""

import os
import signal
import textwrap

import numpy as np
import pytest

from grader.sandbox import rootfs
from grader.sandbox.limits import Limits
from grader.sandbox.supervisor import PROJECT_ROOT, SandboxDied


def _call(zygote, source, name, *args, limits=None):
    """Load ``source`` in a fresh sandboxed child, call ``name``; return (reply, outcome)."""
    with zygote.run(limits or Limits(), seed=1) as run:
        loaded = run.request({"op": "load", "source": textwrap.dedent(source)})
        assert loaded["ok"], loaded
        reply = run.request({"op": "call", "name": name, "args": list(args)})
    return reply, run.outcome


def test_a_function_is_called_and_its_array_comes_back(zygote):
    reply, _ = _call(zygote, "def double(x):\n    return x * 2\n", "double", np.arange(3.0))
    assert reply["ok"] and np.array_equal(reply["value"], [0.0, 2.0, 4.0])


def test_learner_output_is_captured(zygote):
    _, outcome = _call(zygote, "def talk():\n    print('hello from the sandbox')\n", "talk")
    assert "hello from the sandbox" in outcome.output


def test_learner_code_runs_in_another_process(zygote):
    reply, _ = _call(zygote, "import os\ndef pid():\n    return os.getpid()\n", "pid")
    assert reply["value"] != os.getpid()


def test_the_network_is_unreachable(zygote):
    source = """
        import socket
        def connect():
            try:
                socket.create_connection(("127.0.0.1", 6379), timeout=1)
            except OSError as exc:
                return type(exc).__name__ + ": " + str(exc)
            return "connected"
    """
    reply, _ = _call(zygote, source, "connect")
    assert reply["value"] == "PermissionError: [Errno 1] Operation not permitted"


def _forking_zygote(zygote) -> int:
    """The process that forks jobs: the started process's child, PID 1 of a PID namespace of its own."""
    pid = zygote.process.pid
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return int(children.read().split()[0])


def test_jobs_live_in_a_network_namespace_of_their_own(zygote):
    # Behind the seccomp filter, a second layer: the zygote (and so every job) has an empty netns.
    assert os.readlink(f"/proc/{_forking_zygote(zygote)}/ns/net") != os.readlink("/proc/self/ns/net")


def test_the_zygote_forks_from_a_pid_namespace_of_its_own(zygote):
    assert os.readlink(f"/proc/{_forking_zygote(zygote)}/ns/pid") != os.readlink("/proc/self/ns/pid")


def test_the_project_the_checks_and_proc_are_hidden(zygote):
    checks = PROJECT_ROOT / "exercises" / "inverted-dropout" / "checks.py"
    source = """
        import os
        def peek(path):
            try:
                return os.listdir(path)
            except OSError as exc:
                return type(exc).__name__
    """
    assert checks.exists()
    for path in (checks, PROJECT_ROOT / "exercises", PROJECT_ROOT / "quizsite", "/proc"):
        reply, _ = _call(zygote, source, "peek", str(path))
        assert reply["value"] in ([], "PermissionError", "FileNotFoundError", "NotADirectoryError"), path
    # Root's home is replaced by an empty folder holding only the interpreter, when it lives there.
    reply, _ = _call(zygote, source, "peek", "/root")
    assert reply["value"] == "PermissionError" or set(reply["value"]) <= {".pyenv"}
    reply, _ = _call(zygote, "def read(path):\n    return open(path).read()\n", "read", str(checks))
    assert not reply["ok"] and reply["error"]["type"] in ("PermissionError", "FileNotFoundError")


def test_jobs_run_as_the_slots_unprivileged_user(zygote):
    reply, _ = _call(
        zygote, "import os\ndef ids():\n    return os.getuid(), os.geteuid(), os.getgid(), os.getgroups()\n", "ids"
    )
    assert reply["value"] == (zygote.uid, zygote.uid, zygote.uid, [])
    assert zygote.uid != 0


def test_scratch_space_is_a_private_tmpfs_per_job(zygote):
    write = """
        import os
        def write():
            with open("/tmp/note.txt", "w") as handle:
                handle.write("secret")
            return os.getcwd(), sorted(os.listdir("/tmp"))
    """
    reply, _ = _call(zygote, write, "write")
    workdir, listing = reply["value"]
    assert workdir == "/tmp" and "note.txt" in listing
    assert not os.path.exists("/tmp/note.txt")
    reply, _ = _call(zygote, "import os\ndef look():\n    return os.listdir('/tmp')\n", "look")
    assert "note.txt" not in reply["value"]


def test_only_the_job_pipes_are_open(zygote):
    source = """
        import os
        def fds():
            open_fds = []
            for fd in range(256):
                try:
                    os.fstat(fd)
                    open_fds.append(fd)
                except OSError:
                    pass
            return open_fds
    """
    reply, _ = _call(zygote, source, "fds")
    assert reply["value"] == [0, 1, 2, 3, 4]


def test_the_environment_is_empty(zygote):
    reply, _ = _call(zygote, "import os\ndef env():\n    return dict(os.environ)\n", "env")
    assert set(reply["value"]) <= {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}


def test_cpu_spin_is_stopped_by_the_cpu_limit(zygote):
    with pytest.raises(SandboxDied) as died:
        _call(zygote, "def spin():\n    while True:\n        pass\n", "spin", limits=Limits(cpu_seconds=1))
    assert died.value.reason == "cpu_time"


def test_sleeping_is_stopped_by_the_wall_clock(zygote):
    source = "import time\ndef nap():\n    time.sleep(60)\n"
    with pytest.raises(SandboxDied) as died:
        _call(zygote, source, "nap", limits=Limits(wall_seconds=1))
    assert died.value.reason == "wall_time"


def test_an_output_flood_is_cut_at_the_limit(zygote):
    source = "def flood():\n    while True:\n        print('x' * 10000)\n"
    with pytest.raises(SandboxDied) as died:
        _call(zygote, source, "flood", limits=Limits(output_bytes=100_000))
    assert died.value.reason == "output"


def test_a_memory_bomb_hits_the_address_space_limit(zygote):
    source = "import numpy as np\ndef bomb():\n    return np.ones(2**31).sum()\n"
    reply, _ = _call(zygote, source, "bomb", limits=Limits(memory_bytes=256 << 20))
    assert not reply["ok"] and "MemoryError" in reply["error"]["kinds"]


def test_exiting_the_process_is_reported_not_crashing_the_supervisor(zygote):
    with pytest.raises(SandboxDied) as died:
        _call(zygote, "import os\ndef leave():\n    os._exit(0)\n", "leave")
    assert died.value.reason == "exited"
    assert died.value.exit_info.exit_code == 0


def test_sys_exit_is_an_ordinary_error_reply(zygote):
    reply, _ = _call(zygote, "import sys\ndef leave():\n    sys.exit(0)\n", "leave")
    assert not reply["ok"] and reply["error"]["type"] == "SystemExit"


def test_garbage_on_the_reply_pipe_is_a_protocol_failure(zygote):
    source = """
        import os
        def forge():
            os.write(4, (12).to_bytes(4, "big") + b"not a frame!")
            import time
            time.sleep(5)
    """
    with pytest.raises(SandboxDied) as died:
        _call(zygote, source, "forge")
    assert died.value.reason == "protocol"


def _processes_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


def test_a_job_is_one_process_it_cannot_fork_but_may_use_threads(zygote):
    # Memory and CPU limits are per process: a job that could fork would multiply them.
    source = """
        import os, threading
        def spawn():
            try:
                os.fork()
                forked = "forked"
            except OSError as exc:
                forked = type(exc).__name__
            results = []
            worker = threading.Thread(target=lambda: results.append(sum(range(1000))))
            worker.start()
            worker.join()
            return forked, results
    """
    reply, _ = _call(zygote, source, "spawn")
    assert reply["value"] == ("PermissionError", [499500])
    assert len(_processes_of(zygote.uid)) <= 2  # the job (being torn down) and the next spare


def test_the_host_name_is_not_the_jobs_business(zygote):
    reply, _ = _call(zygote, "import socket\ndef name():\n    return socket.gethostname()\n", "name")
    assert reply["value"] == "sandbox"


def test_each_job_is_pid_1_of_a_namespace_of_its_own_and_sees_no_other_process(zygote):
    source = """
        import os, signal
        def look():
            reachable = []
            for pid in range(2, 4096):
                try:
                    os.kill(pid, 0)
                    reachable.append(pid)
                except OSError:
                    pass
            return os.getpid(), os.getppid(), reachable
    """
    reply, _ = _call(zygote, source, "look")
    assert reply["value"] == (1, 0, [])


def test_system_v_shared_memory_dies_with_the_job(zygote):
    # A segment created by one job must not be a channel to the next (issue 11 found one outliving the service).
    source = """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        def create():
            return libc.shmget(0x6A6D, 4096, 0o1666)
        def find():
            return libc.shmget(0x6A6D, 0, 0o666), ctypes.get_errno()
    """
    created, _ = _call(zygote, source, "create")
    assert created["value"] >= 0
    found, _ = _call(zygote, source, "find")
    assert found["value"] == (-1, 2)  # ENOENT: a fresh IPC namespace
    import ctypes

    assert ctypes.CDLL(None).shmget(0x6A6D, 0, 0o666) == -1  # nor on the host


def _host_writable_directories() -> list[str]:
    """Directories of the host that anyone may write to (the places a slot uid could leave files)."""
    found = []
    for top in ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run", "/var/lock", "/var/lib", "/home", "/srv"):
        for folder, subfolders, _ in os.walk(top):
            subfolders[:] = [name for name in subfolders if not os.path.islink(os.path.join(folder, name))]
            if os.stat(folder).st_mode & 0o002:
                found.append(folder)
    return found


def test_no_host_path_writable_by_others_can_be_written(zygote):
    targets = _host_writable_directories()
    assert "/tmp" in targets and "/var/tmp" in targets and "/dev/shm" in targets
    name = f"gym-probe-{os.getpid()}"
    source = """
        import os
        def write(folders, name):
            written = []
            for folder in folders:
                if folder in ("/tmp", "/dev/shm"):
                    continue  # the job's own tmpfs mounts, checked below to stay private
                try:
                    with open(os.path.join(folder, name), "w") as handle:
                        handle.write("x")
                    written.append(folder)
                except OSError:
                    pass
            for folder in ("/tmp", "/dev/shm"):
                with open(os.path.join(folder, name), "w") as handle:
                    handle.write("x")
            return written
    """
    reply, _ = _call(zygote, source, "write", targets, name)
    assert reply["ok"] and reply["value"] == []
    assert [folder for folder in targets if os.path.exists(os.path.join(folder, name))] == []


def test_the_root_is_minimal_and_read_only(zygote):
    source = """
        import os
        def look():
            entries = sorted(os.listdir("/"))
            try:
                open("/etc/planted", "w")
                writable = True
            except OSError:
                writable = False
            return entries, sorted(os.listdir("/dev")), writable
    """
    reply, _ = _call(zygote, source, "look")
    entries, devices, writable = reply["value"]
    # Only the system's libraries and the runtime's own folders (wherever the checkout lives) appear.
    runtime_tops = {root.strip("/").split("/")[0] for root in rootfs.runtime_roots()}
    assert set(entries) <= {"dev", "etc", "lib", "lib32", "lib64", "tmp", "usr"} | runtime_tops
    assert "proc" not in entries and "sys" not in entries and "var" not in entries
    assert set(devices) == {"full", "null", "random", "shm", "urandom", "zero"}
    assert writable is False


def test_a_file_planted_outside_the_project_cannot_be_read(zygote, tmp_path_factory):
    planted = PROJECT_ROOT.parent / f"gym-planted-{os.getpid()}.txt"
    home = tmp_path_factory.mktemp("home") / "notes.txt"
    try:
        for path in (planted, home):
            path.write_text("secret")
            path.chmod(0o644)
        source = "def read(path):\n    return open(path).read()\n"
        for path in (planted, home, PROJECT_ROOT / "exercises" / "inverted-dropout" / "solution.py"):
            reply, _ = _call(zygote, source, "read", str(path))
            assert not reply["ok"] and reply["error"]["type"] == "FileNotFoundError", path
    finally:
        planted.unlink(missing_ok=True)


def test_the_zygote_survives_a_job_that_dies_and_serves_the_next(zygote):
    with pytest.raises(SandboxDied):
        _call(zygote, "import os\ndef leave():\n    os._exit(3)\n", "leave")
    reply, _ = _call(zygote, "def ok():\n    return 42\n", "ok")
    assert reply["value"] == 42


def test_each_job_gets_its_own_seed(zygote):
    source = "import numpy as np\ndef draw():\n    return float(np.random.random())\n"
    draws = set()
    for seed in (1, 2):
        with zygote.run(Limits(), seed=seed) as run:
            run.request({"op": "load", "source": source})
            draws.add(run.request({"op": "call", "name": "draw", "args": []})["value"])
    assert len(draws) == 2


def test_two_zygotes_get_different_slots_and_uids(zygote):
    from grader.sandbox.supervisor import Zygote

    second = Zygote()
    try:
        assert second.slot != zygote.slot and second.uid != zygote.uid
    finally:
        second.release_slot()


def test_a_job_the_spare_does_not_fit_gets_a_fresh_fork(zygote):
    source = "import os\ndef free():\n    s = os.statvfs('/tmp')\n    return s.f_blocks * s.f_frsize\n"
    reply, _ = _call(zygote, source, "free", limits=Limits(scratch_bytes=32 << 20))
    assert reply["value"] == 32 << 20
    reply, _ = _call(zygote, source, "free")
    assert reply["value"] == Limits().scratch_bytes


def test_limits_are_those_of_the_job_even_from_a_spare(zygote):
    source = "import resource\ndef cpu():\n    return resource.getrlimit(resource.RLIMIT_CPU)\n"
    _call(zygote, source, "cpu")  # make sure a spare exists
    reply, _ = _call(zygote, source, "cpu", limits=Limits(cpu_seconds=3))
    # Soft and hard limits are equal: as PID 1 of its namespace the job ignores SIGXCPU.
    assert reply["value"] == (3, 3)


def test_exercise_units_convert_to_limits_and_missing_ones_keep_defaults():
    limits = Limits.from_exercise_units(cpu_seconds=3.0, memory_mb=512, output_kb=64)
    assert (limits.cpu_seconds, limits.memory_bytes, limits.output_bytes) == (3.0, 512 << 20, 64 << 10)
    assert limits.wall_seconds == Limits().wall_seconds


def test_array_arguments_are_read_only_in_the_learners_process_and_cannot_be_made_writable(zygote):
    # An input changed in place fails there, instead of being changed and quietly restored before replying.
    source = """
        import ctypes, mmap
        import numpy as np
        def scale(x):
            try:
                x *= 2
                written = "written"
            except ValueError:
                written = "refused"
            libc = ctypes.CDLL(None, use_errno=True)
            address = x.__array_interface__["data"][0] & ~(mmap.PAGESIZE - 1)
            return written, libc.mprotect(ctypes.c_void_p(address), mmap.PAGESIZE, 3) == 0
        def force(x):
            x.flags.writeable = True
            x *= 2
    """
    x = np.arange(4096.0)
    with zygote.run(Limits(), seed=1) as run:
        assert run.request({"op": "load", "source": textwrap.dedent(source)})["ok"]
        placed = []
        reply = run.request({"op": "call", "name": "scale", "args": [x]}, placed)
        assert reply["value"] == ("refused", False)
        assert np.array_equal(run.arena.read(placed[0]), x)
        # Forcing numpy's flag only makes the write fault: the pages are mapped read-only.
        with pytest.raises(SandboxDied) as died:
            run.request({"op": "call", "name": "force", "args": [x]})
        assert died.value.exit_info.signal == signal.SIGSEGV


def test_an_arena_goes_to_a_new_job_only_once_the_job_that_used_it_has_exited(zygote):
    from grader import protocol

    limits = Limits(arena_bytes=6 << 20)  # a size no other test uses: only this test's arenas can match
    arena = protocol.Arena(limits.arena_bytes)
    # A pipe stands for the ended job's pidfd: readable (exited) only once written to.
    exited, exit_now = os.pipe()
    zygote.keep_arena(arena, exited)
    try:
        with zygote.run(limits, seed=1) as run:
            assert run.arena is not arena
        os.write(exit_now, b"x")
        with zygote.run(limits, seed=1) as run:
            assert run.arena is arena
    finally:
        os.close(exit_now)


def test_a_job_finds_nothing_an_earlier_job_left_in_the_arena_it_reuses(zygote):
    # The earlier job writes all over the shared file it may write (a byte every 128 KiB) and is sent a non-zero
    # input; the next job, given the same arena, looks at every byte of both files.
    source = """
        import numpy as np
        def leave(x, y):
            np.frombuffer(x.base, dtype=np.uint8)[:: 1 << 17] = 90
            return int(np.count_nonzero(np.frombuffer(y.base, dtype=np.uint8)))
        def look(x, y):
            whole = (np.frombuffer(x.base, dtype=np.uint8), np.frombuffer(y.base, dtype=np.uint8))
            return [int(np.count_nonzero(memory)) for memory in whole]
    """
    from grader.protocol import Writable

    limits = Limits(arena_bytes=10 << 20)  # a size no other test uses
    with zygote.run(limits, seed=1) as first:
        assert first.request({"op": "load", "source": textwrap.dedent(source)})["ok"]
        reply = first.request({"op": "call", "name": "leave", "args": [Writable(np.zeros(4)), np.ones(4)]})
        assert reply["value"] > 0
        first.close(wait=True)  # the zygote reports the exit once it has reaped the job
    with zygote.run(limits, seed=2) as second:
        assert second.arena is first.arena
        assert second.request({"op": "load", "source": textwrap.dedent(source)})["ok"]
        reply = second.request({"op": "call", "name": "look", "args": [Writable(np.zeros(4)), np.zeros(4)]})
        assert reply["value"] == [0, 0]


def test_no_process_of_a_grading_gets_an_arena_another_process_of_it_used(zygote):
    # Even once that process has exited: one that died halfway through a grading must not hand its memory on.
    limits, grading = Limits(arena_bytes=12 << 20), object()
    with zygote.run(limits, seed=1, grading=grading) as first:
        first.close(wait=True)
    with zygote.run(limits, seed=1, grading=grading) as second:
        assert second.arena is not first.arena
    with zygote.run(limits, seed=1, grading=object()) as third:
        assert third.arena is first.arena


def test_an_arena_left_holding_more_than_a_kept_one_may_is_closed_at_once(zygote):
    source = """
        import numpy as np
        def fill(x):
            np.frombuffer(x.base, dtype=np.uint8)[:] = 1  # every page of the shared file: 32 MiB
    """
    from grader.protocol import Writable

    limits = Limits(arena_bytes=64 << 20)
    with zygote.run(limits, seed=1) as run:
        assert run.request({"op": "load", "source": textwrap.dedent(source)})["ok"]
        assert run.request({"op": "call", "name": "fill", "args": [Writable(np.zeros(4))]})["ok"]
        run.close(wait=True)
        assert run.arena.shared.closed and run.arena.inputs.closed  # not kept by an idle worker


def _host_pid(pidfd: int) -> int:
    with open(f"/proc/self/fdinfo/{pidfd}") as info:
        return int(next(line.split()[1] for line in info if line.startswith("Pid:")))


def _session_group_and_autogroup(pid: int) -> tuple[int, int, str]:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/autogroup") as autogroup:
        return int(fields[3]), int(fields[2]), autogroup.read().strip()


@pytest.mark.skipif(not os.path.exists("/proc/self/autogroup"), reason="the kernel groups no sessions")
@pytest.mark.skipif(os.geteuid() != 0, reason="giving the test its niceness back needs root")
def test_jobs_stay_in_the_zygotes_own_session_which_is_scheduled_as_nice_as_the_zygote():
    # Where the kernel shares the CPU between sessions first, a job in a session of its own would compete with the
    # web at full weight, whatever the worker's niceness.
    from grader.sandbox.supervisor import Zygote

    os.setpriority(os.PRIO_PROCESS, 0, 5)  # the zygote inherits it, as it inherits the worker's
    try:
        zygote = Zygote(runtime="numpy")
        zygote.start()
    finally:
        os.setpriority(os.PRIO_PROCESS, 0, 0)
    try:
        with zygote.run(Limits(), seed=1) as run:
            assert run.request({"op": "load", "source": "x = 1"})["ok"]  # answering, so confined
            job = _host_pid(run.pidfd)
            session, group, autogroup = _session_group_and_autogroup(job)
            assert session == zygote.process.pid != os.getsid(0)
            assert group == job  # a process group of its own
            assert autogroup.endswith("nice 5") and autogroup == _session_group_and_autogroup(session)[2]
    finally:
        zygote.release_slot()
