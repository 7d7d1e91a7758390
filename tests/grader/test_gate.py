"""The static gate refuses code that reaches into the grader or the interpreter, and nothing honest."""

from pathlib import Path

import pytest

from grader import gate

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


def _findings(source: str) -> list[str]:
    return [str(finding) for finding in gate.read(source).findings]


@pytest.mark.parametrize(
    "path",
    sorted([*EXERCISES.glob("*/solution.py"), *EXERCISES.glob("*/starter.py"), *EXERCISES.glob("*/wrong/*.py")]),
    ids=lambda path: f"{path.parent.name}/{path.name}" if path.parent.name != "wrong" else f"wrong/{path.name}",
)
def test_no_shipped_sample_is_refused(path):
    assert _findings(path.read_text()) == []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n",
        "import math, functools, itertools, collections, dataclasses, typing\nfrom typing import NamedTuple\n",
        "class Layer:\n    def __init__(self):\n        self._cache = None\n\n"
        "    def f(self):\n        return self._cache\n",
        "import sys\nEPS = sys.float_info.epsilon\nBIG = sys.maxsize\n",
        "import numpy as np\nx = np.zeros(3)\nx[0] = 1\nrng = np.random.default_rng(0)\n",
        "value = getattr(object(), 'shape', None)\n",
    ],
)
def test_ordinary_code_passes(source):
    assert _findings(source) == []


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("import gc", "`gc`"),
        ("import builtins\nbuiltins.len = None", "`builtins`"),
        ("from torch import _C", "torch._C"),
        ("import torch\ntorch.nn.functional.dropout = None", "changing `torch.nn.functional.dropout`"),
        ("import torch\nF = torch.nn.functional\nF.dropout = 1", "changing `F.dropout`"),
        ("import torch\nsetattr(torch, 'x', 1)", "`setattr()`"),
        ("getattr(object, name)", "computed attribute name"),
        ("import sys\nsys.modules['x']", "`sys.modules`"),
        ("print((1).__class__.__bases__)", "__bases__"),
        ("exec('1')", "`exec()`"),
        ("import torch\ntorch.ops.aten.dropout", "torch.ops"),
        ("from torch.utils._python_dispatch import TorchDispatchMode", "_python_dispatch"),
        ("'{0.__globals__}'.format(len)", "internals"),
        # Found by the red team: modules re-exported by other modules, the grader's own code, descriptors.
        ("import shutil\nos_ = shutil.os", "`.os`"),
        ("import typing\nmodules = typing.sys.modules", "`sys`"),
        ("import dataclasses\nframe = dataclasses.inspect.currentframe()", "`inspect`"),
        ("import logging\nthreading_ = logging.threading", "`.threading`"),
        ("import grader.sandbox.child as c", "grader's own code"),
        ("from quizsite import settings", "grader's own code"),
        ("pipe = open(4, 'wb')", "`open()`"),
        ("import io\nio.FileIO(4)", "io.FileIO"),
        ("box = [object()]\nbox[0]._describe = None", "private attributes"),
        ("import numpy.ctypeslib", "numpy.ctypeslib"),
    ],
)
def test_it_refuses_with_a_line_and_a_reason(source, fragment):
    findings = _findings(source)
    assert findings and any(fragment in finding for finding in findings), findings
    assert all(finding.startswith("line ") for finding in findings)


def test_it_tells_whether_the_code_needs_pytorch():
    assert gate.read("import torch.nn as nn\n").uses_torch
    assert gate.read("def f():\n    from torch import tensor\n").uses_torch
    assert not gate.read("import numpy as np\n").uses_torch


def test_code_that_does_not_parse_is_left_to_the_sandbox():
    assert gate.read("def f(:\n").findings == []
