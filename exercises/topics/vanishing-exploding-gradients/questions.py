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
