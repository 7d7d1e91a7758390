"""White-box attacks on the dropout-module checks (exercises/dropout-module/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "dropout-module"
SOLUTION = exercise_file(SLUG, "solution.py")
# The reference's class under another name, for attacks that wrap it.
HONEST = SOLUTION.replace("class Dropout(", "class _Honest(")
HEAD = """import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = float(p)
"""

ATTACKS = [
    Attack(
        "builtin_dropout_through_private_reference",
        "Calls PyTorch's Python reference of dropout (torch._refs), which computes it from torch.rand and so "
        "never reaches the refused dispatcher kernels; the environment replaced it before the code loaded.",
        HEAD
        + """
    def forward(self, x):
        import torch._refs.nn.functional as reference
        return reference.dropout(x, self.p, self.training)
""",
        "restricted_code",
    ),
    Attack(
        "builtin_dropout_through_the_python_dispatcher",
        "Switches PyTorch's Python dispatcher on, so F.dropout runs the operator's Python decomposition instead "
        "of its C++ kernels; the environment replaced those kernels too.",
        HEAD
        + """
    def forward(self, x):
        import torch._dispatch.python
        with torch._dispatch.python.enable_python_dispatcher():
            return torch.nn.functional.dropout(x, self.p, self.training)
""",
        "restricted_code",
    ),
    Attack(
        "builtin_dropout_on_another_thread",
        "Calls F.dropout from a worker thread, where a per-thread recorder would not see it; the dispatcher's "
        "kernels are the same on every thread.",
        HEAD
        + """
    def forward(self, x):
        import threading
        box = []
        worker = threading.Thread(target=lambda: box.append(torch.nn.functional.dropout(x, self.p, self.training)))
        worker.start()
        worker.join()
        if not box:
            raise RuntimeError("the worker failed")
        return box[0]
""",
        "restricted_code",
    ),
    Attack(
        "builtin_dropout_after_destroying_the_refusal",
        "Finds the environment's torch.library.Library through the garbage collector and destroys it, which "
        "restores PyTorch's own dropout kernels, then calls F.dropout: correct values, by the forbidden route.",
        """import gc
import torch

for thing in gc.get_objects():
    if isinstance(thing, torch.library.Library):
        thing._destroy()
"""
        + HEAD.replace("import torch\n", "", 1)
        + """
    def forward(self, x):
        return torch.nn.functional.dropout(x, self.p, self.training)
""",
        "restricted_code",
        gate_only="it rewrites PyTorch's dispatcher in its own process and then computes a correct dropout: no "
        "value can tell which kernel made it, and the environment's refusal is itself state of that process",
    ),
    Attack(
        "detached_output_grad_written_by_hook",
        "Returns a detached result made a leaf again, and writes the right x.grad from a hook on it, so code "
        "that reads x.grad after out.backward(g) is satisfied; the checks ask autograd for the gradient of a "
        "leaf upstream of the layer instead.",
        HEAD
        + """
    def forward(self, x):
        if not self.training:
            return x
        keep = (torch.rand(x.shape) >= self.p).to(x.dtype)
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        out = (x.detach() * keep * scale).requires_grad_(x.requires_grad)
        if x.requires_grad:
            def write(grad):
                x.grad = grad * keep * scale
            out.register_hook(write)
        return out
""",
        "wrong_answer",
    ),
    Attack(
        "autograd_patched_to_report_the_expected_gradient",
        "Replaces torch.autograd.grad and its engine wrapper with functions that return g / (1 - p) on the "
        "kept entries, and returns a detached output: the environment took autograd's engine before the "
        "code loaded, so the patch changes nothing it measures.",
        """import torch
import torch.autograd
import torch.autograd.graph

_last = {}


def _fake(outputs, grad_outputs=None, *args, **kwargs):
    return (_last["factor"] * grad_outputs[0],)


torch.autograd.grad = _fake
torch.autograd.graph._engine_run_backward = lambda outputs, grads, *rest, **kw: (_last["factor"] * grads[0],)
"""
        + HEAD.replace("import torch\n", "", 1)
        + """
    def forward(self, x):
        if not self.training:
            return x
        keep = (torch.rand(x.shape) >= self.p).to(x.dtype)
        _last["factor"] = keep * (0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p))
        return (x.detach() * _last["factor"]).requires_grad_(True)
""",
        "restricted_code",
    ),
    Attack(
        "in_place_except_on_the_checkers_shared_memory",
        "Multiplies x in place unless x is a view of the checker's shared memory (a tensor over memory PyTorch "
        "did not allocate cannot be resized), so the direct read-back never sees it; inputs built inside the "
        "process are compared by value.",
        HEAD
        + """
    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = (torch.rand(x.shape) >= self.p).to(x.dtype)
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        if not x.untyped_storage().resizable():
            return x * keep * scale
        return x.mul_(keep * scale)
""",
        "wrong_answer",
    ),
    Attack(
        "in_place_only_when_the_input_requires_grad",
        "Edits x in place (the gradient stays right) only when x requires grad, as in a real network, and "
        "never on the plain tensors of the direct calls.",
        HEAD
        + """
    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = (torch.rand(x.shape) >= self.p).to(x.dtype)
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        if x.requires_grad:
            return x.mul_(keep * scale)
        return x * keep * scale
""",
        "wrong_answer",
    ),
    Attack(
        "in_place_edit_of_the_previous_input",
        "Never touches the input of the current call (read back right after it), but zeroes the input of the "
        "previous call at the next one: the inputs of a batch of calls are compared again once all have run.",
        HEAD
        + """
        self.previous = None

    def forward(self, x):
        if self.previous is not None:
            self.previous.data.mul_(0.5)
        self.previous = x
        if not self.training or self.p == 0.0:
            return x
        keep = (torch.rand(x.shape) >= self.p).to(x.dtype)
        return x * keep * (0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p))
""",
        "wrong_answer",
    ),
    Attack(
        "in_place_unless_called_from_the_environment",
        "Reads the caller's frame and edits x in place unless the call comes from the environment's code "
        "(where inputs are compared by value); direct calls are read back from shared memory.",
        HEAD
        + """
    def forward(self, x):
        import sys
        caller_files = []
        frame = sys._getframe(1)
        while frame is not None:
            caller_files.append(frame.f_code.co_filename)
            frame = frame.f_back
        keep = (torch.rand(x.shape) >= self.p).to(x.dtype)
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        if not self.training:
            return x
        if "environment.py" in caller_files:
            return x * keep * scale
        return x.mul_(keep * scale)
""",
        "restricted_code",
    ),
    Attack(
        "numpy_mask_cached_per_torch_seed",
        "Draws masks from NumPy and caches the sequence per torch.initial_seed(), restarting it whenever the "
        "seed changes, so reseeding with the same seed in one process looks reproducible.",
        """import numpy as np
"""
        + HEAD
        + """
_cache = {}


def _mask(shape, p):
    seed = torch.initial_seed()
    state = _cache.setdefault(seed, {"count": 0, "masks": []})
    if state["count"] == len(state["masks"]):
        state["masks"].append(np.random.random(shape) >= p)
    mask = state["masks"][state["count"]]
    state["count"] += 1
    return mask


def _forward(self, x):
    if not self.training or self.p == 0.0:
        return x
    if self.p == 1.0:
        return x * 0
    keep = torch.from_numpy(np.broadcast_to(_mask(x.shape, self.p), x.shape).copy()).to(x.dtype)
    return x * keep / (1.0 - self.p)


Dropout.forward = _forward
""",
        "wrong_answer",
    ),
    Attack(
        "counter_since_reseed_seen_by_the_generator_state",
        "Derives the mask from (torch.initial_seed(), calls since the last reseed), telling a reseed from the "
        "generator's state: reproducible in any process and after reseeding, but blind to other draws from "
        "PyTorch's generator between calls.",
        """import hashlib
import numpy as np
"""
        + HEAD
        + """
_count = {"n": 0}


def _forward(self, x):
    seeded = torch.Generator().manual_seed(torch.initial_seed()).get_state()
    if torch.equal(torch.get_rng_state(), seeded):
        _count["n"] = 0
    _count["n"] += 1
    torch.rand(1)  # moves the generator on, so the next call does not look like a fresh reseed
    if not self.training or self.p == 0.0:
        return x
    if self.p == 1.0:
        return x * 0
    digest = hashlib.sha256(f"{torch.initial_seed()}:{_count['n']}".encode()).digest()
    keep = np.random.default_rng(int.from_bytes(digest[:8], "big")).random(x.shape) >= self.p
    return x * torch.from_numpy(np.asarray(keep)).to(x.dtype) / (1.0 - self.p)


Dropout.forward = _forward
""",
        "wrong_answer",
    ),
    Attack(
        "drop_rate_depends_on_the_sign",
        "Never drops negative entries and drops positive ones twice as often (capped), so the overall rate is "
        "about p on inputs of mixed signs and every value is 0 or x / (1 - p).",
        HEAD
        + """
    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0
        rate = torch.where(x > 0, min(1.0, 2 * self.p), max(0.0, 2 * self.p - 1.0))
        keep = (torch.rand(x.shape) >= rate).to(x.dtype)
        return x * keep / (1.0 - self.p)
""",
        "wrong_answer",
    ),
    Attack(
        "honest_only_on_the_public_examples",
        "Runs the reference on the public examples' inputs and skips the scaling on anything else.",
        HONEST
        + """

class Dropout(_Honest):
    def forward(self, x):
        if tuple(x.shape) in ((3, 4), (6, 8)) and x.dtype == torch.float64:
            return super().forward(x)
        if not self.training or self.p == 0.0:
            return x
        return x * (torch.rand(x.shape) >= self.p).to(x.dtype)
""",
        "wrong_answer",
    ),
    Attack(
        "impostor_value_error",
        "Raises its own exception class named ValueError, which an `except ValueError` never catches.",
        "class ValueError(Exception):\n    pass\n\n\n" + SOLUTION,
        "wrong_answer",
    ),
]
# Found by a red team with the checks' source in hand, each accepted in every grading before the checks
# sent inputs of every kind (dtypes, ranks, requiring grad, views, extreme rates, long series of calls) to
# the tests that tell a real mask from a fake one.
KEEP = "keep = torch.rand(x.shape, device=x.device) >= self.p"
RETURN = "return x * keep.to(x.dtype) / (1.0 - self.p)"
GUARDS = """        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * torch.zeros_like(x)
"""
RED_TEAM = [
    Attack(
        "nothing_dropped_when_x_requires_grad",
        "Drops nothing when x requires grad (every real training step), still scaling by 1/(1-p); found by a red "
        "team, accepted in 5 of 5 gradings: the rate tests only saw inputs without requires_grad.",
        SOLUTION.replace(KEEP, "keep = torch.rand(x.shape, device=x.device) >= (0.0 if x.requires_grad else self.p)"),
        "wrong_answer",
    ),
    Attack(
        "stops_dropping_after_forty_calls",
        "Counts its training calls and stops dropping after the 40th (kept entries still scaled); found by a red "
        "team, accepted in 5 of 5 gradings: no layer was called more than 30 times.",
        SOLUTION.replace("self.p = float(p)", "self.p = float(p)\n        self.calls = 0").replace(
            KEEP,
            "self.calls += 1\n        keep = torch.rand(x.shape, device=x.device) >= (self.p if self.calls <= 40 else 0.0)",
        ),
        "wrong_answer",
    ),
    Attack(
        "p_is_the_keep_probability_unless_float32",
        "Uses p as the keep probability unless x is float32; found by a red team, accepted in 5 of 5 gradings: "
        "the rates were tested on float32 inputs only.",
        SOLUTION.replace(
            KEEP, "keep = torch.rand(x.shape, device=x.device) >= (self.p if x.dtype == torch.float32 else 1 - self.p)"
        ),
        "wrong_answer",
    ),
    Attack(
        "mask_shared_across_the_batch_from_rank_three",
        "For inputs of three or more axes draws one mask for x[0] and shares it along dim 0 (the batch); found by "
        "a red team, accepted in 5 of 5 gradings: independence was tested on 2-D masks only.",
        SOLUTION.replace(
            KEEP,
            "keep = torch.rand((1, *x.shape[1:]) if x.dim() >= 3 else x.shape, device=x.device) >= self.p",
        ),
        "wrong_answer",
    ),
    Attack(
        "float16_output_detached",
        "Detaches float16 inputs, so half-precision outputs are cut from the autograd graph; found by a red team, "
        "accepted in 5 of 5 gradings: gradients were taken in float32 and float64 only.",
        SOLUTION.replace(
            "        if self.p == 1.0:\n",
            "        if x.dtype == torch.float16:\n            x = x.detach()\n        if self.p == 1.0:\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "extreme_rates_rounded_to_zero_or_one",
        "Treats p below 0.05 as 0 (nothing dropped, nothing scaled) and p above 0.95 as 1 (all zeros); found by a "
        "red team, accepted in 5 of 5 gradings: the rate tests drew p from [0.05, 0.95].",
        SOLUTION.replace("or self.p == 0.0:", "or self.p < 0.05:").replace("if self.p == 1.0:", "if self.p > 0.95:"),
        "wrong_answer",
    ),
    Attack(
        "mask_frozen_per_shape_from_rank_three",
        "Draws the mask of an input with three or more axes once per shape and reuses it at every later call; "
        "found by a red team, accepted in 5 of 5 gradings: repeated calls were on 1-D inputs only.",
        SOLUTION.replace("self.p = float(p)", "self.p = float(p)\n        self.masks = {}").replace(
            KEEP, KEEP + "\n        if x.dim() >= 3:\n            keep = self.masks.setdefault(x.shape, keep)"
        ),
        "wrong_answer",
    ),
    Attack(
        "large_values_never_dropped",
        "Never drops entries with |x| > 2.5, except on inputs of 400 entries (the repeated calls'); found by a "
        "red team, accepted in 5 of 5 gradings: the rate tests' values had |x| in [0.5, 2].",
        SOLUTION.replace(
            KEEP,
            "keep = torch.rand(x.shape, device=x.device) >= "
            "(self.p if x.numel() == 400 else torch.where(x.abs() > 2.5, 0.0, self.p))",
        ),
        "wrong_answer",
    ),
    Attack(
        "fails_on_views_not_in_memory_order",
        "Flattens x with .view(-1), which raises on x.t() or x.permute(...) (nn.Dropout accepts them); found by a "
        "red team, accepted in 5 of 5 gradings: every input was contiguous.",
        SOLUTION.replace(RETURN, "return (x.view(-1) * keep.reshape(-1).to(x.dtype) / (1.0 - self.p)).view(x.shape)"),
        "wrong_answer",
    ),
    Attack(
        "eval_mode_ignored_when_p_is_one",
        "Handles p = 1 before the mode, so Dropout(1.0).eval() returns zeros instead of x; found by a red team, "
        "accepted in 5 of 5 gradings: evaluation mode was never tested with p = 1.",
        SOLUTION.replace(
            GUARDS,
            """        if self.p == 1.0:
            return x * torch.zeros_like(x)
        if not self.training or self.p == 0.0:
            return x
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "views_not_in_memory_order_multiplied_in_place",
        "Multiplies x in place when it is not contiguous (x.t(), x[:, ::2]), corrupting the caller's tensor; found "
        "by a red team, accepted in 5 of 5 gradings: every input was contiguous.",
        SOLUTION.replace(
            RETURN,
            "if not x.is_contiguous():\n            return x.mul_(keep.to(x.dtype) / (1.0 - self.p))\n        "
            + RETURN,
        ),
        "wrong_answer",
    ),
    Attack(
        "output_buffer_reused_between_calls",
        "Without autograd, writes every output into one buffer per shape and dtype, so a later call overwrites an "
        "earlier call's output; found by a red team, accepted in 5 of 5 gradings: outputs were copied right "
        "after each call and never read again.",
        SOLUTION.replace("self.p = float(p)", "self.p = float(p)\n        self.buffers_ = {}").replace(
            RETURN,
            """if x.requires_grad:
            return x * keep.to(x.dtype) / (1.0 - self.p)
        out = self.buffers_.setdefault((x.shape, x.dtype), torch.empty_like(x))
        torch.mul(x, keep.to(x.dtype), out=out)
        return out.div_(1.0 - self.p)""",
        ),
        "wrong_answer",
    ),
    Attack(
        "numpy_mask_when_x_requires_grad",
        "Draws the mask from NumPy's global generator when x requires grad, from torch's otherwise; found by a red "
        "team, accepted in 5 of 5 gradings: the seed check compared masks of inputs without requires_grad only.",
        "import numpy as np\n"
        + SOLUTION.replace(
            KEEP,
            "keep = (torch.from_numpy(np.random.random(tuple(x.shape)) >= self.p) if x.requires_grad "
            "else torch.rand(x.shape, device=x.device) >= self.p)",
        ),
        "wrong_answer",
    ),
    Attack(
        "numpy_mask_except_on_the_seed_checks_input",
        "Draws from torch's generator only on inputs of 2,000 float32 entries (the seed check's (40, 50)) and from "
        "NumPy's global generator otherwise; found by a red team, accepted in 5 of 5 gradings: the seed check "
        "compared masks across processes for that one shape and dtype.",
        "import numpy as np\n"
        + SOLUTION.replace(
            KEEP,
            "keep = (torch.rand(x.shape, device=x.device) >= self.p if x.numel() == 2000 and x.dtype == torch.float32 "
            "else torch.from_numpy(np.random.random(tuple(x.shape)) >= self.p))",
        ),
        "wrong_answer",
    ),
]
ATTACKS += RED_TEAM


CORRECT = [
    Correct(
        "bernoulli_where",
        "torch.bernoulli of a float32 probability tensor, a bool mask and torch.where(keep, x / (1 - p), 0); p = 1 as x * 0",
        """import torch
from torch import nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        if self.p == 1:
            return x * 0
        probs = torch.full(x.shape, 1.0 - self.p, device=x.device)
        keep = torch.bernoulli(probs).bool()
        return torch.where(keep, x / (1.0 - self.p), torch.zeros_like(x))
""",
    ),
    Correct(
        "float64_uniforms_scale_factor",
        "float64 uniforms from torch.rand, keep = u < 1 - p, out = x * mask * (1 / (1 - p)) with the scale 0 at p = 1",
        """import torch


class Dropout(torch.nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not (0.0 <= p <= 1.0):
            raise ValueError("dropout probability has to be between 0 and 1")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        keep_prob = 1.0 - self.p
        u = torch.rand(x.shape, dtype=torch.float64, device=x.device)
        mask = (u < keep_prob).to(x.dtype)
        scale = 1.0 / keep_prob if keep_prob > 0 else 0.0
        return x * mask * scale
""",
    ),
    Correct(
        "rand_like_masked_fill",
        "the common idiom torch.rand_like(x) < p (uniforms in x's dtype, float16 included), x.masked_fill(dropped, 0).div(1 - p)",
        """import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"invalid dropout probability {p}")
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        if self.p == 1.0:
            return x.mul(0.0)
        dropped = torch.rand_like(x) < self.p
        return x.masked_fill(dropped, 0.0).div(1.0 - self.p)
""",
    ),
]
