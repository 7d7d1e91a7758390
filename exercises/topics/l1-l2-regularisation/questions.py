"""Generators for the L1/L2 regularisation questions: trusted server code; each gets a seeded NumPy Generator."""

import math
from fractions import Fraction


def sgd_weight_decay_step(rng):
    w = float(rng.choice([1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 4.0]))
    g = float(rng.choice([0.5, -0.5, 1.0, -1.5, 2.0]))
    lr = float(rng.choice([0.1, 0.2]))
    wd = float(rng.choice([0.05, 0.1, 0.2]))
    new = w - lr * (g + wd * w)
    plain = w - lr * g
    return {
        "prompt": (
            f"A weight w = {w:g} has data-loss gradient g = {g:g}. You take one step of "
            f"`torch.optim.SGD(lr={lr:g}, weight_decay={wd:g})` with no momentum. What is the new value of w?"
        ),
        "answer": new,
        "precision": {"decimals": 4},
        "explanation": (
            f"SGD with weight decay uses w - lr × (g + wd × w) = {w:g} - {lr:g} × ({g:g} + {wd:g} × {w:g}) = "
            f"{w:g} - {lr:g} × {g + wd * w:g} = {new:.4f}. Equivalently, first shrink by (1 - lr × wd) = "
            f"{1 - lr * wd:g} to get {(1 - lr * wd) * w:g}, then subtract lr × g = {lr * g:g}. Without the decay "
            f"the step would give {plain:.4f}."
        ),
    }


def soft_threshold_step(rng):
    w = float(rng.choice([0.30, -0.20, 0.05, 0.60, -0.45, 1.00]))
    g = float(rng.choice([0.5, -1.0, 0.2, 2.0, -0.4]))
    lr = 0.1
    lam = float(rng.choice([0.5, 1.0, 2.0]))
    z = round(w - lr * g, 6)
    threshold = round(lr * lam, 6)
    new = math.copysign(max(abs(z) - threshold, 0.0), z) if abs(z) > threshold else 0.0
    if new == 0.0:
        outcome = f"|z| = {abs(z):.3f} is not larger than ηλ = {threshold:g}, so the weight becomes exactly 0"
    else:
        outcome = (
            f"|z| = {abs(z):.3f} exceeds ηλ = {threshold:g}, so the weight moves {threshold:g} towards zero: {new:.3f}"
        )
    return {
        "prompt": (
            f"You train with an L1 penalty λ·Σ|w| using proximal gradient descent (soft thresholding), learning "
            f"rate η = {lr:g} and λ = {lam:g}. A weight is w = {w:g} and its data-loss gradient is {g:g}. What is "
            "the weight after one step?"
        ),
        "answer": new,
        "precision": {"decimals": 3},
        "explanation": (
            f"First the gradient step on the data loss: z = w - η × g = {w:g} - {lr:g} × {g:g} = {z:.3f}. Then the "
            f"proximal step w ← sign(z) × max(|z| - ηλ, 0) with ηλ = {lr:g} × {lam:g} = {threshold:g}: {outcome}. "
            "Any z within ηλ of zero snaps to exactly 0, which is where L1 sparsity comes from."
        ),
    }


def decay_only_fraction(rng):
    lr, wd = [(0.1, 1e-3), (0.1, 5e-4), (0.01, 1e-2), (0.05, 2e-3), (0.1, 2e-4)][int(rng.integers(5))]
    steps = int(rng.choice([5000, 10000, 20000]))
    factor = 1 - lr * wd
    fraction = factor**steps
    return {
        "prompt": (
            f"SGD runs with learning rate {lr:g} and weight_decay {wd:g}. One weight receives zero gradient from the "
            f"data loss (say its input feature is always 0). After {steps} steps, what fraction of its initial value "
            "is left?"
        ),
        "answer": fraction,
        "precision": {"decimals": 3},
        "explanation": (
            f"With g = 0 each step is w ← (1 - lr × wd) × w = {factor:.6g} × w. After {steps} steps the factor is "
            f"{factor:.6g}^{steps} = {fraction:.4f}, close to exp(-lr × wd × steps) = exp(-{lr * wd * steps:g}) = "
            f"{math.exp(-lr * wd * steps):.4f}. Weights the data does not support decay geometrically towards zero; "
            "that is why the penalty is called weight decay."
        ),
    }


def penalty_value(rng):
    weights = [float(v) for v in rng.choice([-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0], size=4)]
    if all(v == 0 for v in weights):
        weights[0] = 1.0
    lam = float(rng.choice([0.01, 0.1, 0.5]))
    kind = str(rng.choice(["L1", "L2"]))
    shown = ", ".join(f"{v:g}" for v in weights)
    if kind == "L1":
        terms = " + ".join(f"{abs(v):g}" for v in weights)
        total = sum(abs(v) for v in weights)
        formula = "λ × Σ|wᵢ|"
    else:
        terms = " + ".join(f"{v * v:g}" for v in weights)
        total = sum(v * v for v in weights)
        formula = "λ × Σ wᵢ²"
    value = lam * total
    return {
        "prompt": (
            f"A model has weights w = ({shown}). What is the {kind} penalty {formula} with λ = {lam:g}? (No factor ½.)"
        ),
        "answer": value,
        "precision": {"decimals": 4},
        "explanation": (
            f"{formula} = {lam:g} × ({terms}) = {lam:g} × {total:g} = {value:.4g}. "
            + (
                "L1 adds up magnitudes, so every unit of weight costs the same."
                if kind == "L1"
                else "L2 squares each weight, so large weights dominate the penalty and small ones barely count."
            )
        ),
    }


_X_SETS = [(1, 2, 3), (1, 1, 2), (-1, 1, 2), (2, 0, 1), (1, 2, 2)]


def ridge_one_feature(rng):
    xs = _X_SETS[int(rng.integers(len(_X_SETS)))]
    sxx = sum(x * x for x in xs)
    lam = int(rng.choice([1, 2, 3, 5, 10]))
    while True:
        ys = [int(v) for v in rng.integers(-2, 8, size=3)]
        sxy = sum(x * y for x, y in zip(xs, ys, strict=True))
        # w = sxy / (sxx + λ) exactly; one ending in 5 at the third decimal (1/8 = 0.125) rounds two ways.
        if sxy != 0 and Fraction(100 * sxy, sxx + lam) % 1 != Fraction(1, 2):
            break
    w = sxy / (sxx + lam)
    points = ", ".join(f"({x}, {y})" for x, y in zip(xs, ys, strict=True))
    return {
        "prompt": (
            f"Fit y ≈ w·x (one feature, no intercept) to the points {points} by ridge regression, minimising "
            f"Σ(yᵢ - w·xᵢ)² + λw² with λ = {lam:g}. What is w?"
        ),
        "answer": w,
        "precision": {"decimals": 2},
        "explanation": (
            "Setting the derivative -2Σxᵢ(yᵢ - w·xᵢ) + 2λw to zero gives w = Σxᵢyᵢ / (Σxᵢ² + λ). Here "
            f"Σxᵢyᵢ = {sxy} and Σxᵢ² = {sxx}, so w = {sxy} / ({sxx} + {lam:g}) = {w:.4f}. Ordinary least squares "
            f"would give {sxy} / {sxx} = {sxy / sxx:.4f}; the penalty shrinks it by the factor "
            f"{sxx} / ({sxx} + {lam:g}) = {sxx / (sxx + lam):.3f}."
        ),
    }


_ADAM_EPS = 1e-8


def _first_adam_step(lr, grad):
    """The first Adam step: bias correction makes m̂ = g and v̂ = g², so it moves by lr · g / (|g| + eps)."""
    return lr * grad / (abs(grad) + _ADAM_EPS)


def _clear_of_tie(value, places):
    """True unless ``value`` sits within a hair of a rounding boundary at ``places`` decimals."""
    return abs(abs(value) * 10**places % 1 - 0.5) > 0.01


def adamw_first_step(rng):
    new = 0.00005  # a tie: draw until the answer is clear of one
    while not _clear_of_tie(new, 4):
        w = float(rng.choice([-3.0, -2.0, -1.5, 1.5, 2.0, 2.5, 4.0]))
        g = float(rng.choice([-0.4, -0.05, 0.002, 0.03, 0.8, 2.0]))
        lr = float(rng.choice([0.01, 0.05, 0.1]))
        decay = float(rng.choice([0.01, 0.1, 0.5]))
        shrunk = w * (1 - lr * decay)
        new = shrunk - _first_adam_step(lr, g)
    return {
        "prompt": (
            f"A weight w = {w:g} gets the gradient g = {g:g} on the very first step of `torch.optim.AdamW(lr={lr:g}, "
            f"weight_decay={decay:g})` (default betas and eps = 1e-8). What is w after the step?"
        ),
        "answer": new,
        "precision": {"decimals": 4},
        "explanation": (
            f"AdamW first shrinks the weight: {w:g} × (1 − {lr:g} × {decay:g}) = {shrunk:.6g}. On step 1 the "
            "bias-corrected moments are m̂ = g and v̂ = g², so the Adam step is lr · g / (|g| + eps) ≈ "
            f"{lr:g} × sign(g), whatever the size of g. w = {shrunk:.6g} − ({_first_adam_step(lr, g):.6g}) = "
            f"{new:.4f}. Forgetting the bias correction, or applying the gradient size instead of its "
            "normalised step, gives a different value."
        ),
    }


def adam_l2_first_step(rng):
    w = float(rng.choice([-3.0, -2.0, 2.0, 3.0, 5.0]))
    g = float(rng.choice([-0.3, -0.1, 0.05, 0.2]))
    lr = float(rng.choice([0.01, 0.05, 0.1]))
    decay = float(rng.choice([0.01, 0.1, 0.5]))
    total = g + decay * w
    new = w - _first_adam_step(lr, total)
    return {
        "prompt": (
            f"A weight w = {w:g} gets the loss gradient g = {g:g} on the very first step of "
            f"`torch.optim.Adam(lr={lr:g}, weight_decay={decay:g})` (an L2 term added to the gradient; default "
            "betas, eps = 1e-8). What is w after the step?"
        ),
        "answer": new,
        "precision": {"decimals": 4},
        "explanation": (
            f"Adam's `weight_decay` adds λw to the gradient: g' = {g:g} + {decay:g} × {w:g} = {total:.6g}. On "
            "step 1, m̂ = g' and v̂ = g'², so the step is lr · g' / (|g'| + eps), which is lr × sign(g'): "
            f"w = {w:g} − ({_first_adam_step(lr, total):.6g}) = {new:.4f}. The penalty only mattered through the "
            "sign of g'; its size was normalised away. That is the coupling AdamW removes: its decay "
            "w · (1 − lr · λ) is applied outside the adaptive normalisation."
        ),
    }
