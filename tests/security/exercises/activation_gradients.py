"""White-box attacks on the activation-gradients checks (exercises/activation-gradients/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "activation-gradients"
SOLUTION = exercise_file(SLUG, "solution.py")


def _replace(name: str, body: str) -> str:
    """The reference with the function ``name`` renamed away and ``body`` (a new ``name``) appended."""
    return SOLUTION.replace(f"def {name}(", f"def _honest_{name}(") + "\n\n" + body


ATTACKS = [
    Attack(
        "memorised_fixed_inputs",
        "Answers correctly only for the inputs the checks used to fix (and the public examples), recognised "
        "by their bytes, and returns a constant anywhere else.",
        """import numpy as np
"""
        + SOLUTION.replace("def ", "def _honest_")
        + """
_KNOWN = {
    np.array([[-6.0, -2.5, -1.0, -0.3, 0.0], [0.2, 0.7, 1.5, 3.0, 8.0]]).tobytes(),
    np.array([-3.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 7.0]).tobytes(),
    np.linspace(-12.0, 12.0, 49).tobytes(),
    np.linspace(-6.0, 6.0, 49).tobytes(),
}


def _known(x):
    return np.asarray(x).tobytes() in _KNOWN


def sigmoid(x):
    return _honest_sigmoid(x) if _known(x) else np.full(np.shape(x), 0.5)


def sigmoid_grad(x):
    return _honest_sigmoid_grad(x) if _known(x) else np.full(np.shape(x), 0.25)


def tanh_grad(x):
    return _honest_tanh_grad(x) if _known(x) else np.full(np.shape(x), 1.0)


def relu_grad(x):
    return _honest_relu_grad(x)


def leaky_relu_grad(x, negative_slope=0.01):
    return _honest_leaky_relu_grad(x, negative_slope) if _known(x) else _honest_leaky_relu_grad(x)
""",
        "wrong_answer",
    ),
    Attack(
        "answer_cached_by_shape",
        "Computes each function once per input shape and serves the remembered answer to every later call "
        "with that shape (a cache keyed on the wrong thing).",
        SOLUTION.replace("def sigmoid_grad(", "def _honest_sigmoid_grad(")
        + """

_cache = {}


def sigmoid_grad(x):
    if x.shape not in _cache:
        _cache[x.shape] = _honest_sigmoid_grad(x)
    return _cache[x.shape]
""",
        "wrong_answer",
    ),
    Attack(
        "sigmoid_clipped_at_20",
        "Avoids overflow the cheap way, by clipping x to [-20, 20] before a textbook sigmoid: no overflow and "
        "right near 0, but sigmoid(-25) comes out as sigmoid(-20).",
        _replace(
            "sigmoid",
            """def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -20.0, 20.0)))
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "negative_zero_normalised_in_place",
        "Correct values, but first 'cleans' x in place by turning -0.0 into 0.0 (equal under ==, so a "
        "comparison of values alone would not see the change).",
        _replace(
            "relu_grad",
            """def relu_grad(x):
    x[x == 0] = 0.0
    return _honest_relu_grad(x)
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "overflow_caught_and_zeroed",
        "Keeps the textbook formula and, when NumPy raises on the overflow, answers zeros instead of fixing "
        "the formula.",
        _replace(
            "sigmoid",
            """def sigmoid(x):
    try:
        return 1.0 / (1.0 + np.exp(-x))
    except FloatingPointError:
        return np.zeros(np.shape(x))
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "errors_silenced_nan_returned",
        "Turns NumPy's floating-point errors off for the whole process before the checks run, so the unstable "
        "exp(-x) / (1 + exp(-x))**2 returns NaN (inf / inf) instead of raising.",
        "import numpy as np\n\nnp.seterr(all='ignore')\n"
        + _replace(
            "sigmoid_grad",
            """def sigmoid_grad(x):
    e = np.exp(-x)
    return e / (1.0 + e) ** 2
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "keyword_slope_swallowed",
        "Takes the slope only by position and swallows keywords, so negative_slope=... silently becomes 0.01.",
        _replace(
            "leaky_relu_grad",
            """def leaky_relu_grad(x, *args, **kwargs):
    slope = args[0] if args else 0.01
    return np.where(x > 0, 1.0, float(slope))
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "interpolated_lookup_table",
        "Tabulates tanh' on a fine grid once and interpolates: smooth and plausible to the eye, but about 1e-8 "
        "off between grid points.",
        _replace(
            "tanh_grad",
            """_GRID = np.linspace(-40.0, 40.0, 200_001)
_TABLE = 1.0 - np.tanh(_GRID) ** 2


def tanh_grad(x):
    return np.interp(x, _GRID, _TABLE)
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "torch_float32_tensors",
        "A PyTorch solution in the default dtype: float32 tensors come back instead of float64 values.",
        """import torch


def _t(x):
    return torch.as_tensor(x, dtype=torch.float32)


def sigmoid(x):
    return torch.sigmoid(_t(x))


def sigmoid_grad(x):
    s = torch.sigmoid(_t(x))
    return s * (1 - s)


def tanh_grad(x):
    return 1 - torch.tanh(_t(x)) ** 2


def relu_grad(x):
    return (_t(x) > 0).float()


def leaky_relu_grad(x, negative_slope=0.01):
    t = _t(x)
    return torch.where(t > 0, torch.ones_like(t), torch.full_like(t, negative_slope))
""",
        "wrong_answer",
    ),
    Attack(
        "kink_from_the_sign_bit",
        "Reads the kink from the sign bit, so +0.0 counts as positive: relu_grad(0.0) is 1 but relu_grad(-0.0) "
        "is 0, which a check with only one kind of zero would miss.",
        _replace(
            "relu_grad",
            """def relu_grad(x):
    return np.where(np.signbit(x), 0.0, 1.0)
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "negative_zero_normalised_only_when_writable",
        "Turns -0.0 into 0.0 in place, but only when x is writable (a caller's own array), so checks that pass "
        "x read-only never see the write.",
        _replace(
            "relu_grad",
            """def relu_grad(x):
    if x.flags.writeable:
        x[x == 0] = 0.0
    return _honest_relu_grad(x)
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "tiny_band_treated_as_zero",
        "Gives relu_grad 0 for positive x between 1e-15 and 1e-9: right at the listed subnormals and zeros and "
        "above 1e-8, wrong in a band of tiny magnitudes no fixed list of kink values covers.",
        _replace(
            "relu_grad",
            """def relu_grad(x):
    return np.where((x > 1e-15) & (x < 1e-9), 0.0, _honest_relu_grad(x))
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "time_bomb_after_48_calls",
        "Honest for the first 48 calls of its functions, as many as a grading made before the checks began with "
        "dozens of calls in a row; every later answer is halved.",
        SOLUTION.replace("def ", "def _honest_")
        + """
_calls = 0


def _late():
    global _calls
    _calls += 1
    return _calls > 48


def sigmoid(x):
    return _honest_sigmoid(x) * (0.5 if _late() else 1.0)


def sigmoid_grad(x):
    return _honest_sigmoid_grad(x) * (0.5 if _late() else 1.0)


def tanh_grad(x):
    return _honest_tanh_grad(x) * (0.5 if _late() else 1.0)


def relu_grad(x):
    return _honest_relu_grad(x) * (0.5 if _late() else 1.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return _honest_leaky_relu_grad(x, negative_slope) * (0.5 if _late() else 1.0)
""",
        "wrong_answer",
    ),
]

CORRECT = [
    Correct(
        "pytorch_autograd",
        "Every derivative from PyTorch autograd (backward of ones on a float64 copy of x), the sigmoid from torch.sigmoid; returns tensor.numpy().",
        """import numpy as np
import torch


def _grad(fn, x):
    t = torch.tensor(np.array(x, dtype=np.float64), requires_grad=True)
    fn(t).backward(torch.ones_like(t))
    return t.grad.numpy()


def sigmoid(x):
    return torch.sigmoid(torch.tensor(np.array(x, dtype=np.float64))).numpy()


def sigmoid_grad(x):
    return _grad(torch.sigmoid, x)


def tanh_grad(x):
    return _grad(torch.tanh, x)


def relu_grad(x):
    return _grad(torch.relu, x)


def leaky_relu_grad(x, negative_slope=0.01):
    return _grad(lambda t: torch.nn.functional.leaky_relu(t, negative_slope), x)
""",
    ),
    Correct(
        "closed_forms_and_masks",
        "NumPy with other stable formulas: the sigmoid by boolean masks (no np.where), its derivative as e^-|x| / (1 + e^-|x|)^2, tanh's as 4 e^-2|x| / (1 + e^-2|x|)^2, np.heaviside for ReLU, a filled array for leaky ReLU.",
        """import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_grad(x):
    # sigma'(x) = e^{-|x|} / (1 + e^{-|x|})^2, symmetric in x
    e = np.exp(-np.abs(np.asarray(x, dtype=np.float64)))
    return e / (1.0 + e) ** 2


def tanh_grad(x):
    # 1 - tanh^2 = sech^2 = 4 e^{-2|x|} / (1 + e^{-2|x|})^2
    e = np.exp(-2.0 * np.abs(np.asarray(x, dtype=np.float64)))
    return 4.0 * e / (1.0 + e) ** 2


def relu_grad(x):
    return np.heaviside(np.asarray(x, dtype=np.float64), 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.shape, float(negative_slope))
    out[x > 0] = 1.0
    return out
""",
    ),
    Correct(
        "tanh_forms",
        "Everything through tanh: the sigmoid as (1 + tanh(x/2)) / 2, its derivative as (1 - t)(1 + t) / 4, tanh's as (1 - t)(1 + t); ReLU masks as booleans cast to float64 and added.",
        """import numpy as np


def sigmoid(x):
    # sigma(x) = (1 + tanh(x / 2)) / 2: tanh never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def sigmoid_grad(x):
    t = np.tanh(0.5 * np.asarray(x, dtype=np.float64))
    return 0.25 * (1.0 - t) * (1.0 + t)


def tanh_grad(x):
    t = np.tanh(np.asarray(x, dtype=np.float64))
    return (1.0 - t) * (1.0 + t)


def relu_grad(x):
    return (np.asarray(x) > 0).astype(np.float64)


def leaky_relu_grad(x, negative_slope=0.01):
    positive = np.asarray(x) > 0
    return positive + (~positive) * float(negative_slope)
""",
    ),
]
