"""White-box attacks on the gradient-check checks (exercises/gradient-check/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "gradient-check"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST = SOLUTION.replace("def numerical_gradient(", "def _honest(").replace(
    "def relative_error(", "def _honest_relative("
)
RELATIVE = """

def relative_error(a, b):
    return _honest_relative(a, b)
"""
GRADIENT = """

def numerical_gradient(f, arrays, h=1e-5):
    return _honest(f, arrays, h)
"""
FORWARD = """

def _forward(f, arrays, h):
    points = [np.array(array, dtype=np.float64) for array in arrays]
    base = f(*points)
    gradients = []
    for point in points:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + h
            gradient[index] = (f(*points) - base) / h
            point[index] = old
        gradients.append(gradient)
    return gradients
"""

ATTACKS = [
    Attack(
        "memorised_public_example",
        "Answers the statement's example (recognised by its arrays) honestly, and uses the cheaper forward "
        "difference everywhere else.",
        HONEST
        + FORWARD
        + RELATIVE
        + """

def numerical_gradient(f, arrays, h=1e-5):
    public = [[1.0, -2.0], [[0.5, 0.0]]]
    if len(arrays) == 2 and [np.asarray(array).tolist() for array in arrays] == public:
        return _honest(f, arrays, h)
    return _forward(f, arrays, h)
""",
        "wrong_answer",
    ),
    Attack(
        "exact_gradient_from_the_closure",
        "Reads the function's coefficients out of its closure and returns the exact derivative (what autograd "
        "would give) instead of finite differences: right wherever the centred difference is close to it.",
        HONEST
        + RELATIVE
        + """

def numerical_gradient(f, arrays, h=1e-5):
    spec = next(cell.cell_contents for cell in f.__closure__ if isinstance(cell.cell_contents, dict))
    z = np.concatenate([np.asarray(array, dtype=np.float64).reshape(-1) for array in arrays])
    partner = np.asarray(spec["partner"])
    inverse = np.argsort(partner)
    gradient = (
        3 * spec["cubic"] * z * z
        + spec["amplitude"] * spec["frequency"] * np.cos(spec["frequency"] * z + spec["phase"])
        + spec["fold"] * np.sign(z - spec["fold_at"])
        + spec["hinge"] * (z > spec["hinge_at"])
        + spec["couple"] * z[partner]
        + spec["couple"][inverse] * z[inverse]
    )
    out, offset = [], 0
    for array in arrays:
        size = np.asarray(array).size
        out.append(gradient[offset : offset + size].reshape(np.shape(array)))
        offset += size
    return out
""",
        "restricted_code",
    ),
    Attack(
        "float32_shortcut",
        "Perturbs float32 copies of every array (half the memory, 'precise enough'), then returns float64.",
        HONEST
        + RELATIVE
        + """

def numerical_gradient(f, arrays, h=1e-5):
    points = [np.array(array, dtype=np.float32) for array in arrays]
    gradients = []
    for point in points:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + h
            plus = f(*points)
            point[index] = old - h
            minus = f(*points)
            point[index] = old
            gradient[index] = (plus - minus) / (2 * h)
        gradients.append(gradient)
    return gradients
""",
        "wrong_answer",
    ),
    Attack(
        "cached_by_shapes",
        "Computes once per (shapes, dtypes, h) and replays the remembered gradients when the same shapes come back.",
        HONEST
        + RELATIVE
        + """

_cache = {}


def numerical_gradient(f, arrays, h=1e-5):
    key = (tuple((np.shape(array), np.asarray(array).dtype.str) for array in arrays), h)
    if key not in _cache:
        _cache[key] = _honest(f, arrays, h)
    return [gradient.copy() for gradient in _cache[key]]
""",
        "wrong_answer",
    ),
    Attack(
        "forward_differences_for_large_inputs",
        "Honest on small inputs; past 64 entries in all it switches to forward differences, which halve the "
        "evaluations of f.",
        HONEST
        + FORWARD
        + RELATIVE
        + """

def numerical_gradient(f, arrays, h=1e-5):
    if sum(np.asarray(array).size for array in arrays) > 64:
        return _forward(f, arrays, h)
    return _honest(f, arrays, h)
""",
        "wrong_answer",
    ),
    Attack(
        "richardson_extrapolation",
        "Returns (4 D(h/2) - D(h)) / 3, an O(h^4) estimate of the derivative: closer to the true gradient, "
        "but not the centred difference the contract asks for.",
        HONEST
        + RELATIVE
        + """

def numerical_gradient(f, arrays, h=1e-5):
    half, full = _honest(f, arrays, h / 2), _honest(f, arrays, h)
    return [(4 * a - b) / 3 for a, b in zip(half, full)]
""",
        "wrong_answer",
    ),
    Attack(
        "inputs_made_writeable",
        "Forces the caller's arrays writeable and perturbs them in place, restoring every entry, to save the "
        "copies: the arrays are mapped read-only in the learner's process, so the first write faults.",
        HONEST
        + RELATIVE
        + """

def numerical_gradient(f, arrays, h=1e-5):
    for array in arrays:
        array.setflags(write=True)
    gradients = []
    for point in arrays:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + h
            plus = f(*arrays)
            point[index] = old - h
            minus = f(*arrays)
            point[index] = old
            gradient[index] = (plus - minus) / (2 * h)
        gradients.append(gradient)
    return gradients
""",
        "runtime_error",
    ),
    Attack(
        "tiny_relative_errors_rounded_to_zero",
        "Reports every relative error below 1e-10 as exactly 0.0 ('numerically equal').",
        HONEST
        + GRADIENT
        + """

def relative_error(a, b):
    error = _honest_relative(a, b)
    return 0.0 if error < 1e-10 else error
""",
        "wrong_answer",
    ),
    Attack(
        "relative_error_in_float32",
        "Computes the relative error in float32, right to about 1e-7 relative.",
        HONEST
        + GRADIENT
        + """

def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return float(np.max(np.abs(a - b) / np.maximum(np.float32(1e-8), np.abs(a) + np.abs(b))))
""",
        "wrong_answer",
    ),
    Attack(
        "perturbs_writable_arrays_in_place",
        "Perturbs the caller's own arrays in place when they are writable float64 arrays, restoring each entry "
        "by arithmetic (x += h; x -= 2h; x += h), which leaves rounding drift behind; read-only or float32 "
        "arrays get the honest copies.",
        HONEST
        + RELATIVE
        + """

def numerical_gradient(f, arrays, h=1e-5):
    if not all(a.flags.writeable and a.dtype == np.float64 for a in arrays):
        return _honest(f, arrays, h)
    gradients = []
    for point in arrays:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            point[index] += h
            plus = f(*arrays)
            point[index] -= 2 * h
            minus = f(*arrays)
            point[index] += h
            gradient[index] = (plus - minus) / (2 * h)
        gradients.append(gradient)
    return gradients
""",
        "wrong_answer",
    ),
    Attack(
        "time_bomb_after_30_calls",
        "Honest for the first 30 calls of either function, as many as a grading made before the checks began "
        "with dozens of calls in a row; later gradients are doubled and every relative error is 0.",
        HONEST
        + """

_calls = 0


def _late():
    global _calls
    _calls += 1
    return _calls > 30


def numerical_gradient(f, arrays, h=1e-5):
    gradients = _honest(f, arrays, h)
    return [2.0 * gradient for gradient in gradients] if _late() else gradients


def relative_error(a, b):
    return 0.0 if _late() else _honest_relative(a, b)
""",
        "wrong_answer",
    ),
]

CORRECT = [
    Correct(
        "flat_view_of_a_c_order_copy",
        "Perturbs entries through reshape(-1) of its own C-order float64 copy (a view, so f sees the change), a Python loop for relative_error.",
        """import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    points = [np.array(a, dtype=np.float64, order="C") for a in arrays]  # C order: reshape(-1) is a view
    grads = []
    for point in points:
        flat = point.reshape(-1)  # a view of this function's own copy
        grad = np.zeros(point.size)
        for i in range(point.size):
            x = flat[i]
            flat[i] = x + h
            f_plus = f(*points)
            flat[i] = x - h
            f_minus = f(*points)
            flat[i] = x
            grad[i] = (f_plus - f_minus) / (2 * h)
        grads.append(grad.reshape(point.shape))
    return grads


def relative_error(a, b):
    worst = 0.0
    for x, y in zip(np.ravel(a).tolist(), np.ravel(b).tolist()):
        worst = max(worst, abs(x - y) / max(1e-8, abs(x) + abs(y)))
    return worst
""",
    ),
    Correct(
        "fresh_copies_per_evaluation",
        "Builds new perturbed copies of all arrays for f(x + h) and f(x - h) instead of setting and restoring one entry; relative_error with np.clip for the floor.",
        """import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    base = [np.asarray(a).astype(np.float64) for a in arrays]
    grads = [np.empty(a.shape) for a in base]
    for k, a in enumerate(base):
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in base]
            minus = [b.copy() for b in base]
            plus[k][idx] = a[idx] + h
            minus[k][idx] = a[idx] - h
            grads[k][idx] = (f(*plus) - f(*minus)) / (2 * h)
    return grads


def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float((np.abs(a - b) / np.clip(np.abs(a) + np.abs(b), 1e-8, None)).max())
""",
    ),
    Correct(
        "half_difference_over_h",
        "Stores 0.5 * (f_plus - f_minus) / h (another rounding of the same difference); relative_error with np.fmax for the floor.",
        """import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    points = [np.array(a, dtype=np.float64) for a in arrays]
    grads = [np.zeros_like(p) for p in points]
    for p, g in zip(points, grads):
        for idx in np.ndindex(p.shape):
            x = p[idx]
            p[idx] = x + h
            f_plus = f(*points)
            p[idx] = x - h
            f_minus = f(*points)
            p[idx] = x
            g[idx] = 0.5 * (f_plus - f_minus) / h
    return grads


def relative_error(a, b):
    num = np.abs(np.subtract(a, b, dtype=np.float64))
    den = np.fmax(np.abs(a) + np.abs(b), 1e-8)
    return float(np.amax(num / den))
""",
    ),
]
