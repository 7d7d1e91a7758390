"""Generators for the gradient-clipping questions: trusted server code; each gets a seeded NumPy Generator."""

import math

# Per-tensor gradient norms whose global L2 norm is a whole number.
_THREE_NORMS = [(2, 3, 6, 7), (1, 4, 8, 9), (2, 6, 9, 11), (4, 4, 7, 9), (6, 6, 7, 11), (2, 10, 11, 15)]
_TWO_NORMS = [(3, 4, 5), (6, 8, 10), (5, 12, 13), (8, 15, 17), (9, 12, 15), (12, 9, 15)]


def total_norm_returned(rng):
    a, b, c, total = _THREE_NORMS[int(rng.integers(len(_THREE_NORMS)))]
    factor = float(rng.choice([0.5, 1.0, 2.0]))
    a, b, c, total = a * factor, b * factor, c * factor, total * factor
    max_norm = float(rng.choice([1.0, 2.0, 5.0]))
    clipped = min(total, max_norm)
    if total > max_norm:
        detail = f" (each was multiplied by {max_norm:g} / {total:g} = {max_norm / total:.4g})."
    else:
        detail = " (no clipping was needed)."
    return {
        "prompt": (
            f"A model has three parameter tensors whose gradients have L2 norms {a:g}, {b:g} and {c:g}. You call "
            f"`torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm={max_norm:g})`. What number does the "
            "call return?"
        ),
        "answer": total,
        "precision": {"decimals": 1},
        "explanation": (
            f"The global norm is √({a:g}² + {b:g}² + {c:g}²) = √({a * a + b * b + c * c:g}) = {total:g}. "
            "`clip_grad_norm_` returns this total as measured **before** clipping. The gradients themselves now "
            f"have a combined norm of min({total:g}, {max_norm:g}) = {clipped:g}" + detail
        ),
    }


def clipped_tensor_norm(rng):
    a, b, total = _TWO_NORMS[int(rng.integers(len(_TWO_NORMS)))]
    max_norm = float(rng.choice([1.0, 2.0, 4.0, 25.0, 50.0]))
    answer = a * min(1.0, max_norm / total)
    if total > max_norm:
        step = (
            f"It exceeds max_norm, so every gradient is multiplied by {max_norm:g} / {total} = {max_norm / total:.4g}. "
            f"Tensor A's norm becomes {a} × {max_norm / total:.4g} = {a * max_norm / total:.4g}, and B's becomes "
            f"{b * max_norm / total:.4g}, so the total is exactly {max_norm:g}."
        )
    else:
        step = (
            f"That is below max_norm = {max_norm:g}, so the coefficient is capped at 1 and nothing changes: tensor "
            f"A's gradient keeps its norm of {a}."
        )
    return {
        "prompt": (
            f"A network has two parameter tensors, A and B, with gradient norms {a} and {b}. You call "
            f"`clip_grad_norm_` on both with `max_norm={max_norm:g}`. What is the norm of A's gradient afterwards? "
            "Ignore the 1e-6 in the denominator."
        ),
        "answer": answer,
        "precision": {"decimals": 2},
        "explanation": f"The global norm is √({a}² + {b}²) = √{a * a + b * b} = {total}. " + step,
    }


def value_clip_norm(rng):
    clip = float(rng.choice([0.5, 1.0, 2.0]))
    big = [float(v) for v in rng.choice([-6.0, -4.0, -3.0, 3.0, 5.0, 8.0], size=2, replace=False)]
    small = float(rng.choice([-0.4, -0.25, 0.2, 0.3])) * clip
    grad = [big[0], small, big[1]]
    clipped = [max(-clip, min(clip, g)) for g in grad]
    norm = math.sqrt(sum(g * g for g in clipped))
    before = math.sqrt(sum(g * g for g in grad))
    cosine = sum(g * c for g, c in zip(grad, clipped, strict=True)) / (before * norm)
    shown = ", ".join(f"{g:g}" for g in grad)
    shown_clipped = ", ".join(f"{g:g}" for g in clipped)
    squares = " + ".join(f"{g * g:g}" for g in clipped)
    return {
        "prompt": (
            f"A gradient is g = ({shown}). You apply `torch.nn.utils.clip_grad_value_` with clip_value = {clip:g}. "
            "What is the L2 norm of the clipped gradient?"
        ),
        "answer": norm,
        "precision": {"decimals": 2},
        "explanation": (
            f"Value clipping clamps each element to [-{clip:g}, {clip:g}] independently: ({shown}) becomes "
            f"({shown_clipped}). Its norm is √({squares}) = {norm:.4f}. The direction changed too: the cosine "
            f"between the original gradient (norm {before:.3f}) and the clipped one is {cosine:.3f}, not 1, because "
            "the small element was kept while the large ones were cut. Norm clipping would have shrunk all three "
            "by the same factor."
        ),
    }


def update_length(rng):
    lr = float(rng.choice([0.01, 0.05, 0.1, 0.2]))
    max_norm = float(rng.choice([0.5, 1.0, 5.0]))
    grad_norm = float(rng.choice([0.2, 0.4, 3.0, 8.0, 12.0, 40.0]))
    used = min(grad_norm, max_norm)
    length = lr * used
    if grad_norm > max_norm:
        why = f"{grad_norm:g} exceeds {max_norm:g}, so the gradient is rescaled to norm {max_norm:g}"
    else:
        why = f"{grad_norm:g} is below {max_norm:g}, so the gradient is not changed"
    return {
        "prompt": (
            f"Plain SGD (no momentum) uses learning rate {lr:g}. On one step the total gradient norm is {grad_norm:g}, "
            f"and you clip by global norm with max_norm = {max_norm:g}. What is the Euclidean length of the "
            "parameter update (the distance the weights move)? Ignore the 1e-6 term."
        ),
        "answer": length,
        "precision": {"decimals": 3},
        "explanation": (
            f"{why}. The SGD update is -lr × g, so its length is {lr:g} × {used:g} = {length:g}. "
            f"Whatever the raw gradient, clipping bounds every update by lr × max_norm = {lr * max_norm:g}."
        ),
    }


def _clear_of_tie(value, figures):
    """True unless ``value`` (> 0) sits within a hair of a rounding boundary at ``figures`` significant figures."""
    places = figures - 1 - math.floor(math.log10(value))
    return abs(value * 10**places % 1 - 0.5) > 0.01


def linearlr_warmup_lr(rng):
    lr = 0.0
    while lr == 0.0 or not _clear_of_tie(lr, 3):
        base = float(rng.choice([1e-3, 3e-4, 5e-4, 2e-3]))
        start = float(rng.choice([0.01, 0.1, 0.25, 1 / 3]))
        total = int(rng.choice([4, 5, 10, 20]))
        calls = int(rng.integers(1, total + 4))
        factor = start + (1 - start) * min(calls, total) / total
        lr = base * factor
    start_text = "1/3 (the default)" if start == 1 / 3 else f"{start:g}"
    return {
        "prompt": (
            f"An optimiser has base lr = {base:g}. It is wrapped in `LinearLR(optimizer, start_factor={start_text}, "
            f"end_factor=1.0, total_iters={total})`. What is the learning rate after `scheduler.step()` has been "
            f"called {calls} time(s)?"
        ),
        "answer": lr,
        "precision": {"significant": 3},
        "explanation": (
            f"The factor moves linearly from start_factor to 1 over {total} calls: factor = start + (1 − start) × "
            f"min(k, {total}) / {total} = {start:.4g} + {1 - start:.4g} × {min(calls, total)} / {total} = "
            f"{factor:.4g}. lr = {base:g} × {factor:.4g} = {lr:#.3g}."
            + (" Past total_iters the factor stays at 1." if calls >= total else "")
        ),
    }


def warmup_cosine_lr(rng):
    lr = 0.0
    while lr <= 0.0 or not _clear_of_tie(lr, 3):
        base = float(rng.choice([1e-3, 6e-4, 3e-4]))
        warm = int(rng.choice([500, 1000, 2000]))
        total = warm * int(rng.choice([5, 10, 20]))
        step = int(rng.integers(1, total)) // 10 * 10
        if step < warm:
            lr = base * step / warm
            working = f"still warming up: lr = {base:g} × {step} / {warm} = {lr:#.3g}"
        else:
            progress = (step - warm) / (total - warm)
            lr = base * 0.5 * (1 + math.cos(math.pi * progress))
            working = (
                f"past the warm-up, progress = ({step} − {warm}) / ({total} − {warm}) = {progress:.4f}, so lr = "
                f"{base:g} × 0.5 × (1 + cos(π × {progress:.4f})) = {lr:#.3g}"
            )
    return {
        "prompt": (
            f"A schedule warms the learning rate up linearly from 0 to {base:g} over the first {warm} steps "
            f"(lr = {base:g} · t / {warm} for t < {warm}), then follows a cosine decay to 0 at step {total}: "
            f"lr = {base:g} · 0.5 · (1 + cos(π (t − {warm}) / ({total} − {warm}))). What is the learning rate at "
            f"step t = {step}?"
        ),
        "answer": lr,
        "precision": {"significant": 3},
        "explanation": f"Step {step} is {working}.",
    }
