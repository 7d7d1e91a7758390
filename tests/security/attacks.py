"""Hostile submissions against the inverted-dropout exercise, each with the verdict it must get.

Most attacks try something at import time or inside a call, report whatever they obtained on stdout
and in exception messages (the channels a learner sees), and then define a *wrong* solution: so the
right verdict is ``wrong_answer`` and any leak would show in the report. ``{root}``, ``{host_file}``
and ``{var_file}`` are filled in by the test with real paths.
"""

from dataclasses import dataclass
from pathlib import Path

WRONG = (Path(__file__).resolve().parents[2] / "exercises" / "inverted-dropout" / "wrong" / "no_rescale.py").read_text()
SOLUTION = (Path(__file__).resolve().parents[2] / "exercises" / "inverted-dropout" / "solution.py").read_text()


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    verdict: str
    appendix: str = WRONG
    cpu_seconds: float = 2.0


def _try(body: str) -> str:
    """Run ``body`` at import time, printing what it got or the error it hit."""
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return f"try:\n{indented}\nexcept BaseException as exc:\n    print('blocked:', type(exc).__name__, exc)\n"


ATTACKS = [
    # Tampering with what the checks might use.
    Attack(
        "monkeypatch_numpy_allclose",
        "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\nnp.array_equal = lambda *a: True\n",
        "wrong_answer",
    ),
    Attack(
        "monkeypatch_numpy_testing",
        "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
        "numpy.testing.assert_array_equal = lambda *a, **k: None\n",
        "wrong_answer",
    ),
    Attack(
        "monkeypatch_builtins",
        "import builtins\nbuiltins.len = lambda x: 0\nbuiltins.abs = lambda x: 0\n",
        "runtime_error",
    ),
    Attack(
        "object_whose_eq_lies",
        "class Liar:\n    def __eq__(self, other):\n        return True\n"
        "    def __array__(self, *a, **k):\n        import numpy\n        return numpy.zeros(3)\n"
        "def dropout_forward(x, p, training, rng):\n    return Liar(), Liar()\n"
        "def dropout_backward(g, m):\n    return Liar()\n",
        "runtime_error",
        appendix="",
    ),
    Attack(
        "ndarray_subclass_that_lies",
        "import numpy as np\nclass Liar(np.ndarray):\n"
        "    def __eq__(self, other):\n        return np.ones(self.shape, dtype=bool)\n"
        "    def all(self, *a, **k):\n        return True\n"
        "def dropout_forward(x, p, training, rng):\n    return np.zeros_like(x).view(Liar), None\n"
        "def dropout_backward(g, m):\n    return np.zeros_like(g).view(Liar)\n",
        "wrong_answer",
        appendix="",
    ),
    Attack(
        "forged_reply_on_the_pipe",
        "import os, json, struct\n"
        "header = json.dumps({'v': {'$d': [['ok', True], ['value', None]]}, 'blobs': []}).encode()\n"
        "body = struct.pack('>I', len(header)) + header\nos.write(4, struct.pack('>I', len(body)) + body)\n",
        # The unasked-for frame shifts every later answer by one: each is still judged as a value.
        "wrong_answer",
    ),
    Attack(
        "forged_verdict_on_stdout",
        'print(\'{"verdict": "accepted", "score": 1.0, "passed": true}\')\nprint(\'All checks passed.\')\n',
        "wrong_answer",
    ),
    Attack(
        "garbage_on_the_reply_pipe",
        "import os\nos.write(4, b'\\x00\\x00\\x00\\x10garbage-garbage!')\n",
        "runtime_error",
        appendix="",
    ),
    # Leaving early.
    Attack("sys_exit_zero", "import sys\nsys.exit(0)\n", "runtime_error", appendix=""),
    Attack("os_exit_zero", "import os\nos._exit(0)\n", "runtime_error", appendix=""),
    Attack(
        "system_exit_in_del",
        "class Bomb:\n    def __del__(self):\n        raise SystemExit(0)\ndef _arm():\n    Bomb()\n_arm()\n",
        "wrong_answer",
    ),
    Attack(
        "exit_inside_a_call",
        "import os\ndef dropout_forward(x, p, training, rng):\n    os._exit(0)\n"
        "def dropout_backward(g, m):\n    return g\n",
        "runtime_error",
        appendix="",
    ),
    # Reading what must stay hidden.
    Attack(
        "read_hidden_checks", _try("print(open('{root}/exercises/inverted-dropout/checks.py').read())"), "wrong_answer"
    ),
    Attack(
        "read_reference_solution",
        _try("print(open('{root}/exercises/inverted-dropout/solution.py').read())"),
        "wrong_answer",
    ),
    Attack(
        "read_settings_module",
        _try("print(open('{root}/quizsite/settings.py').read())")
        + _try("import quizsite.settings as s\nprint(s.SECRET_KEY)"),
        "wrong_answer",
    ),
    Attack(
        "import_the_checker",
        _try("import grader.runner, grader.harness\nprint(grader.runner.__file__)"),
        "wrong_answer",
    ),
    Attack("read_the_database_folder", _try("print(open('{var_file}').read())"), "wrong_answer"),
    Attack(
        "read_proc_environ",
        _try("print(open('/proc/self/environ').read())")
        + _try("print(open('/proc/1/environ').read())")
        + _try("import os\nprint(open(f'/proc/{os.getppid()}/environ').read())"),
        "wrong_answer",
    ),
    Attack("read_proc_cmdline", _try("print(open('/proc/1/cmdline').read())"), "wrong_answer"),
    Attack(
        "read_host_tmp_and_other_jobs_scratch",
        _try("import os\nprint(os.listdir('/tmp'))\nprint(open('{host_file}').read())"),
        "wrong_answer",
    ),
    Attack(
        "read_shadow_and_root_home",
        _try("print(open('/etc/shadow').read())")
        + _try("import os\nprint(os.listdir('/root'))\nprint(open('/root/.bash_history').read())"),
        "wrong_answer",
    ),
    Attack(
        "scan_own_memory_for_secrets",
        _try(
            "import gc\nfound = [o for o in gc.get_objects() if isinstance(o, str) and 'CANARY' in o]\n"
            "print(found[:5])\nimport ctypes\nenv = ctypes.POINTER(ctypes.c_char_p).in_dll(ctypes.CDLL(None), 'environ')\n"
            "i = 0\nwhile env[i]:\n    print(env[i])\n    i += 1"
        ),
        "wrong_answer",
    ),
    Attack("read_proc_mem", _try("f = open('/proc/self/mem', 'rb')\nprint(f.read(100))"), "wrong_answer"),
    Attack(
        "read_another_checkout_of_the_project",
        _try("import os\nprint(os.listdir('{other_checkout}'))\nprint(open('{other_checkout}/solution.py').read())"),
        "wrong_answer",
    ),
    Attack(
        "leave_files_in_host_places_writable_by_all",
        "".join(
            _try(f"with open('{place}/gym-left-behind', 'w') as f:\n    f.write('x')")
            for place in ("/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock", "/var/lock")
        ),
        "wrong_answer",
    ),
    Attack(
        "fill_dev_shm",
        _try("with open('/dev/shm/fill', 'wb') as f:\n    for _ in range(1024):\n        f.write(b'x' * (1 << 20))"),
        "wrong_answer",
    ),
    Attack(
        "system_v_shared_memory_left_for_the_next_job",
        _try(
            "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nkey = 0x47594D\n"
            "shmid = libc.shmget(key, 1 << 20, 0o1666)\nprint('shmget', shmid, ctypes.get_errno())\n"
            "libc.shmat.restype = ctypes.c_void_p\naddr = libc.shmat(shmid, None, 0)\n"
            "ctypes.memmove(addr, b'{canary}-ipc', 40)"
        ),
        "wrong_answer",
    ),
    Attack(
        "forged_reply_pointing_outside_the_reply_area",
        "import os, json, struct\n"
        "def dropout_forward(x, p, training, rng):\n"
        "    header = json.dumps({'v': {'$d': [['ok', True], ['value', {'$r': [0, '<f8', [1 << 20]]}]]}, 'blobs': []}).encode()\n"
        "    body = struct.pack('>I', len(header)) + header\n"
        "    os.write(4, struct.pack('>I', len(body)) + body)\n"
        "    import time\n    time.sleep(5)\n"
        "def dropout_backward(g, m):\n    return g\n",
        "runtime_error",
        appendix="",
    ),
    Attack(
        "forged_reply_with_a_request_tag",
        "import os, json, struct\n"
        "def dropout_forward(x, p, training, rng):\n"
        "    header = json.dumps({'v': {'$d': [['ok', True], ['value', {'$m': [0, '<f8', [4]]}]]}, 'blobs': []}).encode()\n"
        "    body = struct.pack('>I', len(header)) + header\n"
        "    os.write(4, struct.pack('>I', len(body)) + body)\n"
        "    import time\n    time.sleep(5)\n"
        "def dropout_backward(g, m):\n    return g\n",
        "runtime_error",
        appendix="",
    ),
    # Reaching out.
    Attack(
        "socket_by_name",
        _try("import socket\nsocket.create_connection(('localhost', 6379), timeout=1)"),
        "wrong_answer",
    ),
    Attack(
        "socket_raw_ip",
        _try("import socket\nsocket.socket(socket.AF_INET, socket.SOCK_RAW, 1)")
        + _try("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('1.1.1.1', 53))"),
        "wrong_answer",
    ),
    Attack(
        "unix_socket_to_postgres_and_redis",
        _try("import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/var/run/postgresql/.s.PGSQL.5432')")
        + _try("import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/var/run/redis/redis-server.sock')"),
        "wrong_answer",
    ),
    Attack(
        "raw_socket_syscall_via_ctypes",
        _try(
            "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nfd = libc.syscall(41, 2, 1, 0)\n"
            "print('socket fd', fd, ctypes.get_errno())\nassert fd < 0"
        ),
        "wrong_answer",
    ),
    Attack(
        "subprocess_run",
        _try("import subprocess\nprint(subprocess.run(['cat', '/etc/hostname'], capture_output=True))"),
        "wrong_answer",
    ),
    Attack("os_system", _try("import os\nprint('status', os.system('cat /etc/passwd'))"), "wrong_answer"),
    Attack("os_exec", _try("import os\nos.execv('/bin/sh', ['sh', '-c', 'echo pwned'])"), "wrong_answer"),
    Attack(
        "ptrace_the_parent",
        _try(
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "r = libc.ptrace(16, os.getppid(), 0, 0)\nprint('ptrace', r, ctypes.get_errno())\nassert r != 0"
        ),
        "wrong_answer",
    ),
    Attack("kill_the_parent", _try("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"), "wrong_answer"),
    Attack(
        "kill_every_process",
        _try("import os, signal\nos.kill(-1, signal.SIGKILL)")
        + _try(
            "import os, signal\nfor pid in set(range(2, 5000)) - {os.getpid()}:\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n        pass"
        ),
        "wrong_answer",
    ),
    Attack(
        "new_namespaces_and_mounts",
        _try(
            "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "print('unshare', libc.unshare(0x10000000), 'mount', libc.mount(b'none', b'/tmp', b'tmpfs', 0, None))\n"
            "print('umount', libc.umount2(b'{root}/exercises', 2))"
        )
        + _try(
            "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nassert libc.syscall(56, 0x10000000, 0, 0, 0, 0) < 0"
        ),
        "wrong_answer",
    ),
    Attack(
        "process_vm_readv_keyctl_bpf_io_uring",
        _try(
            "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "print([libc.syscall(n, 0, 0, 0, 0, 0) for n in (310, 250, 321, 425)])"
        ),
        "wrong_answer",
    ),
    Attack(
        "escape_the_process_group",
        _try(
            "import os, time\nif os.fork() == 0:\n    try:\n        os.setsid()\n"
            "    except OSError:\n        pass\n    time.sleep(30)\n    os._exit(0)"
        ),
        "wrong_answer",
    ),
    # Exhausting resources.
    Attack("fork_bomb", "import os\nwhile True:\n    os.fork()\n", "runtime_error", appendix=""),
    Attack("memory_bomb_numpy", "import numpy as np\nHOARD = np.ones(2**33)\n", "memory_limit_exceeded", appendix=""),
    Attack("memory_bomb_torch", "import torch\nHOARD = torch.ones(2**33)\n", "memory_limit_exceeded", appendix=""),
    Attack("memory_bomb_bytearray", "HOARD = bytearray(2**34)\n", "memory_limit_exceeded", appendix=""),
    Attack(
        "memory_bomb_list_growth",
        "HOARD = []\nwhile True:\n    HOARD.append([0] * 100000)\n",
        "memory_limit_exceeded",
        appendix="",
        # Touching a gigabyte takes more than 2 s of CPU on a busy machine: give it time to hit memory.
        cpu_seconds=10,
    ),
    Attack("string_literal_bomb", "S = 'x' * (2**34)\n", "memory_limit_exceeded", appendix=""),
    Attack(
        "cpu_spin_in_a_call",
        "def dropout_forward(x, p, training, rng):\n    while True:\n        pass\n"
        "def dropout_backward(g, m):\n    return g\n",
        "time_limit_exceeded",
        appendix="",
    ),
    Attack("sleep_forever", "import time\ntime.sleep(10**6)\n", "time_limit_exceeded", appendix=""),
    Attack(
        "disk_fill_with_many_files",
        _try("for i in range(100000):\n    with open(f'/tmp/f{i}', 'wb') as f:\n        f.write(b'x' * 65536)"),
        "wrong_answer",
    ),
    Attack("one_huge_file", _try("with open('/tmp/big', 'wb') as f:\n    f.write(b'x' * (64 << 20))"), "wrong_answer"),
    Attack(
        "symlinks_planted_for_the_supervisor",
        _try(
            "import os\nos.symlink('/etc/passwd', '/tmp/report.json')\n"
            "os.symlink('{root}', '/tmp/root')\nprint(os.listdir('/tmp/root'))"
        ),
        "wrong_answer",
    ),
    Attack("stdout_flood", "while True:\n    print('x' * 65536)\n", "output_limit_exceeded", appendix=""),
    Attack(
        "reply_pipe_flood", "import os\nwhile True:\n    os.write(4, b'\\xff' * 65536)\n", "runtime_error", appendix=""
    ),
    # Hostile return values.
    Attack(
        "huge_return_value",
        "import numpy as np\ndef dropout_forward(x, p, training, rng):\n"
        "    return np.zeros(10**7), None\ndef dropout_backward(g, m):\n    return g\n",
        "runtime_error",
        appendix="",
    ),
    Attack(
        "deeply_nested_return_value",
        "def dropout_forward(x, p, training, rng):\n    v = []\n"
        "    for _ in range(5000):\n        v = [v]\n    return v, None\n"
        "def dropout_backward(g, m):\n    return g\n",
        "runtime_error",
        appendix="",
    ),
    Attack(
        "nan_and_inf_payloads",
        "import numpy as np\ndef dropout_forward(x, p, training, rng):\n"
        "    return np.full(x.shape, np.nan), np.full(x.shape, np.inf)\ndef dropout_backward(g, m):\n"
        "    return np.full(g.shape, -np.inf)\n",
        "wrong_answer",
        appendix="",
    ),
    Attack(
        "wrong_dtypes_and_shapes",
        "import numpy as np\ndef dropout_forward(x, p, training, rng):\n"
        "    if not 0 <= p <= 1:\n        raise ValueError(p)\n    return x.astype(np.int8).ravel(), np.ones(3, dtype=bool)\n"
        "def dropout_backward(g, m):\n    return np.zeros((1,), dtype=np.complex64)\n",
        "wrong_answer",
        appendix="",
    ),
    Attack(
        "object_array_return",
        "import numpy as np\ndef dropout_forward(x, p, training, rng):\n"
        "    return np.array([object()]), None\ndef dropout_backward(g, m):\n    return g\n",
        "runtime_error",
        appendix="",
    ),
    # Odd source.
    Attack("very_large_source_file", "# padding\n" * 100_000, "wrong_answer"),
    Attack("non_utf8_source", "# -*- coding: latin-1 -*-\nS = '\udcff\udcfe'\n", "runtime_error", appendix=""),
    Attack("null_bytes_in_source", "x = 1\x00\n", "syntax_error", appendix=""),
]
