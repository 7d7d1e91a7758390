"""Generators for the early-stopping questions: trusted server code; each gets a seeded NumPy Generator.

Losses are drawn in thousandths and compared as integers, so the strict test of Keras's EarlyStopping
(min mode: an improvement needs ``current < best - min_delta``) is never decided by float rounding.
"""

import math
from fractions import Fraction

MAX_EPOCHS = 14
# The threshold (percent) the generalisation-loss question compares GL with.
_GL_ALPHA = 5


def _simulate(losses, patience, min_delta):
    """Keras EarlyStopping in min mode; epochs numbered from 1. Returns (halt epoch or None, last best, rows)."""
    best, best_epoch, wait, rows = None, None, 0, []
    for epoch, loss in enumerate(losses, start=1):
        wait += 1
        improved = best is None or loss < best - min_delta
        if improved:
            best, best_epoch, wait = loss, epoch, 0
        rows.append((epoch, loss, improved, best, wait))
        if not improved and wait >= patience:
            return epoch, best_epoch, rows
    return None, best_epoch, rows


def _draw_curve(rng):
    """A validation curve in thousandths: a few large drops, then small noisy moves drifting upwards."""
    loss = int(rng.choice([900, 1000, 1100, 1200]))
    curve = [loss]
    for _ in range(int(rng.integers(2, 5))):
        loss -= int(rng.choice([60, 80, 100, 120, 150]))
        curve.append(loss)
    while len(curve) < MAX_EPOCHS:
        loss += int(rng.choice([-25, -15, -10, -5, 5, 10, 20, 30, 40]))
        curve.append(loss)
    return curve


def _has_boundary_tie(rows, min_delta):
    """Whether some epoch lands exactly on best - min_delta (decided only by the strict inequality)."""
    best = None
    for _, loss, _, new_best, _ in rows:
        if best is not None and min_delta and loss == best - min_delta:
            return True
        best = new_best
    return False


def _sub_threshold_epochs(rows, min_delta):
    """Epochs whose loss was below the best so far, but not by more than min_delta."""
    found, best = [], None
    for epoch, loss, improved, new_best, _ in rows:
        if not improved and loss < best:
            found.append(epoch)
        best = new_best
    return found


def _scenario(rng, min_delta_choices, want):
    """Draw curves until one halts inside MAX_EPOCHS and ``want(rows, best_epoch, min_delta)`` holds."""
    for _ in range(1000):
        curve = _draw_curve(rng)
        patience = int(rng.choice([2, 3, 4]))
        min_delta = int(rng.choice(min_delta_choices))
        halt, best_epoch, rows = _simulate(curve, patience, min_delta)
        if halt is None or halt <= 6 or _has_boundary_tie(rows, min_delta):
            continue
        if want(rows, best_epoch, min_delta):
            return curve, patience, min_delta, halt, best_epoch, rows
    raise RuntimeError("no early-stopping scenario found")  # never reached in practice: most draws qualify


def _milli(value):
    return f"{value / 1000:.3f}"


def _prompt(curve, patience, min_delta, question):
    losses = ", ".join(_milli(v) for v in curve)
    delta = f"min_delta={min_delta / 1000:g}" if min_delta else "min_delta=0"
    rule = (
        f" As in Keras, an epoch counts as an improvement only if its loss is below best - {min_delta / 1000:g}."
        if min_delta
        else ""
    )
    return (
        f"`EarlyStopping(monitor='val_loss', patience={patience}, {delta}, restore_best_weights=True)` is used "
        f"with `epochs={MAX_EPOCHS}`.{rule} The validation losses at the end of epochs 1 to {MAX_EPOCHS} would "
        f"be:\n\n{losses}\n\n{question}"
    )


def _trace(rows, min_delta):
    lines = []
    for epoch, loss, improved, best, wait in rows:
        if epoch == 1:
            verdict = "improvement (first epoch)"
        elif improved:
            verdict = "improvement"
        else:
            verdict = "no improvement"
        lines.append(f"- epoch {epoch}: {_milli(loss)}: {verdict}, best {_milli(best)}, wait {wait}")
    threshold = f"best - {min_delta / 1000:g}" if min_delta else "best"
    return f"An epoch improves only if its loss is strictly below {threshold}.\n\n" + "\n".join(lines)


def halt_epoch(rng):
    curve, patience, min_delta, halt, best_epoch, rows = _scenario(rng, [0], lambda rows, best, delta: True)
    return {
        "prompt": _prompt(curve, patience, min_delta, "At the end of which epoch does training stop?"),
        "answer": halt,
        "precision": {"decimals": 0},
        "explanation": (
            f"{_trace(rows, min_delta)}\n\nThe last improvement is at epoch {best_epoch}; the counter reaches "
            f"patience {patience} at epoch {best_epoch} + {patience} = {halt}, so training stops there."
        ),
    }


def _has_sub_threshold(rows, best_epoch, min_delta):
    return bool(_sub_threshold_epochs(rows, min_delta))


def halt_epoch_min_delta(rng):
    curve, patience, min_delta, halt, best_epoch, rows = _scenario(rng, [10, 20], _has_sub_threshold)
    small = ", ".join(str(e) for e in _sub_threshold_epochs(rows, min_delta))
    return {
        "prompt": _prompt(curve, patience, min_delta, "At the end of which epoch does training stop?"),
        "answer": halt,
        "precision": {"decimals": 0},
        "explanation": (
            f"{_trace(rows, min_delta)}\n\nEpoch(s) {small} went below the best value but by no more than "
            f"{min_delta / 1000:g}, so they count as no improvement and best does not move. The last improvement "
            f"is at epoch {best_epoch}, and the counter reaches {patience} at epoch {best_epoch} + {patience} = "
            f"{halt}."
        ),
    }


def _lowest_is_not_restored(rows, best_epoch, min_delta):
    lowest = min(rows, key=lambda row: row[1])[0]
    return lowest != best_epoch


def restored_epoch(rng):
    curve, patience, min_delta, halt, best_epoch, rows = _scenario(rng, [10, 20], _lowest_is_not_restored)
    lowest_epoch, lowest_loss = min(((row[0], row[1]) for row in rows), key=lambda pair: pair[1])
    return {
        "prompt": _prompt(
            curve,
            patience,
            min_delta,
            "Training stops early. The weights of which epoch does the model hold afterwards?",
        ),
        "answer": best_epoch,
        "precision": {"decimals": 0},
        "explanation": (
            f"{_trace(rows, min_delta)}\n\nTraining stops at epoch {halt}. The callback saves weights only at "
            f"epochs that count as improvements, and the last one is epoch {best_epoch}, so those weights are "
            f"restored. Epoch {lowest_epoch} had a lower loss ({_milli(lowest_loss)}), but it did not beat the "
            f"best by more than min_delta, so its weights were never saved."
        ),
    }


def epochs_run(rng):
    best = int(rng.integers(8, 41))
    patience = int(rng.choice([3, 5, 10, 15, 20]))
    max_epochs = int(rng.choice([50, 60, 100]))
    run = min(max_epochs, best + patience)
    return {
        "prompt": (
            f"A model trains for at most {max_epochs} epochs with early stopping (patience {patience}, min_delta 0). "
            f"The validation loss reaches its lowest value at epoch {best} and never goes below it again. How many "
            "epochs are trained in total?"
        ),
        "answer": run,
        "precision": {"decimals": 0},
        "explanation": (
            f"After the last improvement at epoch {best}, the counter grows by one each epoch and reaches "
            f"{patience} at epoch {best} + {patience} = {best + patience}, the last epoch trained"
            + (
                f"; this is within the {max_epochs}-epoch limit."
                if best + patience <= max_epochs
                else f", but the {max_epochs}-epoch limit ends training first."
            )
            + f" The {run - best} epochs after the best one are the price of patience."
        ),
    }


def generalisation_loss(rng):
    best = int(rng.choice([200, 250, 400, 500, 800]))
    rise = int(rng.choice([2, 4, 5, 6, 8, 10, 12, 15, 20]))
    current = best * (100 + rise) // 100
    # Exact arithmetic on the thousandths: GL is a whole number or a multiple of 0.4, and "GL exceeds alpha" is
    # decided exactly (in floats, 0.210 / 0.200 gives GL = 5.000000000000004, which would seem to exceed 5).
    gl = 100 * (Fraction(current, best) - 1)
    if gl > _GL_ALPHA:
        relation = f"exceeds {_GL_ALPHA}"
    elif gl == _GL_ALPHA:
        relation = f"equals {_GL_ALPHA} but does not exceed it"
    else:
        relation = f"is below {_GL_ALPHA}"
    return {
        "prompt": (
            "Prechelt's generalisation loss is GL(t) = 100 × (E_val(t) / E_best(t) - 1), where E_best(t) is the "
            f"lowest validation error up to epoch t. The lowest validation error so far is {best / 1000:.3f}; the "
            f"current one is {current / 1000:.3f}. What is GL(t), in percent?"
        ),
        "answer": float(gl),
        "precision": {"decimals": 1},
        "explanation": (
            f"GL = 100 × ({current / 1000:.3f} / {best / 1000:.3f} - 1) = 100 × ({float(Fraction(current, best)):.4g} "
            f"- 1) = {float(gl):.1f}%. The GL_alpha criterion stops training as soon as GL exceeds a threshold alpha, "
            f"for example {_GL_ALPHA}%. Here GL {relation}, so training would "
            f"{'stop' if gl > _GL_ALPHA else 'continue'} with alpha = {_GL_ALPHA}."
        ),
    }


def _on_tie(value: Fraction, figures: int) -> bool:
    """Whether the exact positive ``value`` lies halfway between two numbers of ``figures`` significant figures."""
    places = figures - 1 - math.floor(math.log10(value))
    return value * Fraction(10) ** places % 1 == Fraction(1, 2)


def _plateau_trace(losses, patience, factor, lr):
    """ReduceLROnPlateau (min mode, rel threshold 1e-4, no cooldown): the lr after each epoch and a trace."""
    best, bad, notes = None, 0, []
    for epoch, loss in enumerate(losses, start=1):
        # Losses are whole thousandths near 0.5-1, so a better loss beats best · (1 − 1e-4) by a wide margin.
        if best is None or loss < best:
            best, bad = loss, 0
            notes.append(f"{epoch}: best")
            continue
        bad += 1
        if bad > patience:
            lr, bad = lr * factor, 0
            notes.append(f"{epoch}: {patience + 1} bad in a row → lr × {float(factor):g}")
        else:
            notes.append(f"{epoch}: bad {bad}")
    return lr, notes


def plateau_lr_after(rng):
    while True:
        patience = int(rng.choice([1, 2, 3]))
        factor = Fraction(str(rng.choice(["0.1", "0.2", "0.5"])))
        base = Fraction(str(rng.choice(["0.1", "0.05", "0.01"])))
        losses, best = [], int(rng.integers(800, 950))
        for _ in range(int(rng.integers(10, 14))):
            if rng.random() < 0.35:
                best -= int(rng.integers(1, 25))
                losses.append(best)
            else:
                losses.append(best + int(rng.integers(0, 20)))
        lr, notes = _plateau_trace(losses, patience, factor, base)
        if lr != base and not _on_tie(lr, 3):
            break
    listed = ", ".join(f"{loss / 1000:.3f}" for loss in losses)
    return {
        "prompt": (
            f"`ReduceLROnPlateau(optimizer, mode='min', factor={float(factor):g}, patience={patience})` (other "
            f"arguments default) wraps an optimiser with lr = {float(base):g}. `scheduler.step(val_loss)` is "
            f"called after each epoch with these validation losses: {listed}. What is the learning rate after "
            "the last epoch?"
        ),
        "answer": float(lr),
        "precision": {"significant": 3},
        "explanation": (
            "An epoch is bad unless its loss beats the best so far (by more than the tiny relative threshold "
            "1e-4); the rate is cut when the count of consecutive bad epochs exceeds patience, i.e. at bad "
            f"epoch number {patience + 1} in a row, and the count then restarts. Trace: "
            + "; ".join(notes)
            + f". Final lr = {float(lr):#.3g}. Cutting after only {patience} bad epochs is the usual off-by-one."
        ),
    }
