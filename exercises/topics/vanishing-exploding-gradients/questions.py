"""Generators for the vanishing/exploding-gradient questions: trusted server code; each gets a seeded Generator."""

import math
from fractions import Fraction


def _on_rounding_tie(value, figures):
    """Whether the exact ``value`` (> 0) lies halfway between two numbers of ``figures`` significant figures."""
    places = figures - 1 - math.floor(math.log10(value))
    return value * Fraction(10) ** places % 1 == Fraction(1, 2)


def sigmoid_chain_factor(rng):
    while True:
        layers = int(rng.choice([3, 4, 5, 6]))
        weight = float(rng.choice([0.5, 1.0, 2.0, 3.0]))
        # 0.5^5 = 0.03125 has two 3-figure roundings; such a draw is replaced.
        if not _on_rounding_tie((Fraction(weight) / 4) ** layers, 3):
            break
    per_layer = 0.25 * weight
    factor = per_layer**layers
    return {
        "prompt": (
            f"A chain of {layers} sigmoid units, one per layer, has every weight equal to {weight:g}, and every "
            "pre-activation happens to be exactly 0 (the best case for the sigmoid). Counting only the factors "
            "these layers contribute, by what number is the gradient multiplied on its way back through all "
            f"{layers} of them?"
        ),
        "answer": factor,
        "precision": {"significant": 3},
        "explanation": (
            f"Each layer contributes `w · σ'(0) = {weight:g} × 0.25 = {per_layer:g}`. Over {layers} layers the "
            f"factors multiply: {per_layer:g}^{layers} = {factor:.4g}. Even with the sigmoid at its steepest point, "
            "the gradient shrinks geometrically with depth unless the weights are large enough to compensate."
        ),
    }


def layers_to_explode(rng):
    gain = Fraction(str(rng.choice(["1.1", "1.2", "1.5", "2", "3"])))
    threshold = int(rng.choice([100, 1000, 10000, 1000000]))
    layers, product = 0, Fraction(1)
    while product < threshold:
        layers += 1
        product *= gain
    before = gain ** (layers - 1)
    return {
        "prompt": (
            f"In a deep network every layer multiplies the backpropagated gradient by {float(gain):g} (ReLU units "
            f"that are active, with weight {float(gain):g}). What is the smallest number of layers after which "
            f"the gradient reaching the first layer is at least {threshold} times the gradient at the output?"
        ),
        "answer": layers,
        "precision": {"decimals": 0},
        "explanation": (
            f"We need the smallest n with {float(gain):g}^n ≥ {threshold}, i.e. n ≥ log({threshold}) / "
            f"log({float(gain):g}). Checking: {float(gain):g}^{layers - 1} = {float(before):.4g} is still below "
            f"{threshold}, while {float(gain):g}^{layers} = {float(gain**layers):.4g} reaches it, so n = {layers}. "
            "Because the per-layer factors multiply, the gradient grows exponentially with depth."
        ),
    }


def rnn_time_factor(rng):
    weight = float(rng.choice([0.8, 0.9, 0.95, 1.05, 1.1, 1.2]))
    steps = int(rng.choice([10, 20, 30, 50]))
    factor = weight**steps
    if weight < 1:
        trend = (
            "vanishes over long time spans, which is why plain RNNs struggle with long-range dependencies "
            "and why gated cells (LSTM, GRU) were introduced"
        )
    else:
        trend = "explodes over long time spans, which is why gradient clipping is standard when training RNNs"
    return {
        "prompt": (
            f"A scalar RNN has recurrent weight w = {weight:g} and its tanh units stay near 0, where tanh'(z) ≈ 1. "
            f"Approximately by what factor is the gradient multiplied when it is backpropagated through {steps} "
            "time steps?"
        ),
        "answer": factor,
        "precision": {"significant": 3},
        "explanation": (
            f"Each step contributes `w · tanh'(z) ≈ {weight:g} × 1`, and the same weight appears at every step, so "
            f"the factor is {weight:g}^{steps} = {factor:.4g}. Because w is "
            f"{'below' if weight < 1 else 'above'} 1, the gradient {trend}."
        ),
    }


def centred_cubic_estimate(rng):
    x = Fraction(str(rng.choice(["-2", "-1.5", "1", "1.5", "2", "3"])))
    h = Fraction(str(rng.choice(["0.01", "0.05", "0.1", "0.2"])))
    centred = 3 * x**2 + h**2  # ((x + h)³ − (x − h)³) / 2h, exactly
    forward = 3 * x**2 + 3 * x * h + h**2
    return {
        "prompt": (
            f"To check the derivative of f(x) = x³ at x = {float(x):g}, you compute the centred difference "
            f"(f(x + h) − f(x − h)) / 2h with h = {float(h):g}. What value does it give (exact arithmetic)?"
        ),
        "answer": float(centred),
        "precision": {"decimals": 4},
        "explanation": (
            f"(x + h)³ − (x − h)³ = 6x²h + 2h³, so the centred difference is 3x² + h² = {float(3 * x**2):g} + "
            f"{float(h**2):g} = {float(centred):g}. The true derivative is 3x² = {float(3 * x**2):g}: the error "
            f"is exactly h² = {float(h**2):g}, second order in h. The forward difference would give "
            f"3x² + 3xh + h² = {float(forward):g}, an error of {float(forward - 3 * x**2):g}, first order in h."
        ),
    }


def gradcheck_relative_error(rng):
    while True:
        analytic = float(rng.choice([-1, 1])) * float(rng.choice([0.0031, 0.052, 0.84, 2.7, 13.0, 410.0]))
        factor = 1 + float(rng.choice([-1, 1])) * float(rng.choice([2e-8, 3e-6, 4e-4, 0.02, 0.5]))
        numeric = analytic * factor
        error = abs(analytic - numeric) / max(abs(analytic), abs(numeric))
        if not _on_rounding_tie(Fraction(error), 2):
            break
    if error < 1e-7:
        verdict = "fine"
    elif error < 1e-4:
        verdict = "acceptable only if the function has kinks; for a smooth function it deserves a closer look"
    elif error < 1e-2:
        verdict = "uncomfortable: probably a bug unless kinks explain it"
    else:
        verdict = "almost certainly a bug"
    return {
        "prompt": (
            f"A gradient check (float64) gives the analytic derivative a = {analytic:.10g} and the centred-difference "
            f"estimate n = {numeric:.10g} for one weight. What is the relative error |a − n| / max(|a|, |n|)?"
        ),
        "answer": error,
        "precision": {"significant": 2},
        "explanation": (
            f"|a − n| = {abs(analytic - numeric):.4g} and max(|a|, |n|) = {max(abs(analytic), abs(numeric)):.10g}, "
            f"so the relative error is {error:.1e}. By the usual rule of thumb in double precision (CS231n: 1e-7 "
            f"or below is fine, 1e-2 or above is a bug) this is {verdict}. The absolute "
            "difference alone would say little, since it scales with the size of the gradient."
        ),
    }


def relu_kink_estimate(rng):
    micro = int(rng.choice([1, 2, 3, 4, 6, 7, 8, 9]))  # |x| in units of 1e-6; h is 10 of them
    sign = int(rng.choice([-1, 1]))
    x = sign * micro
    plus = x + 10  # x + h > 0 in every case
    estimate = plus / 20  # relu(x − h) = 0, since x − h < 0
    analytic = 1 if sign > 0 else 0
    return {
        "prompt": (
            f"A gradient check perturbs one ReLU pre-activation x = {x} × 10⁻⁶ by h = 10 × 10⁻⁶ = 1e-5. What "
            "centred-difference estimate of d relu(x) / dx does it get, (relu(x + h) − relu(x − h)) / 2h?"
        ),
        "answer": estimate,
        "precision": {"decimals": 2},
        "explanation": (
            f"relu(x + h) = {plus} × 10⁻⁶ and relu(x − h) = 0, because x − h = {x - 10} × 10⁻⁶ is negative. "
            f"The estimate is {plus} × 10⁻⁶ / (20 × 10⁻⁶) = {estimate:.2f}, while the analytic derivative at x is "
            f"{analytic}. Because x lies closer to the kink at 0 than h does, the two evaluations straddle it and "
            "the difference quotient mixes the slopes 0 and 1. The backward pass is right; the check is wrong at "
            "this coordinate."
        ),
    }
