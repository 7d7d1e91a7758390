"""Generators for the dropout questions: trusted server code; each gets a seeded NumPy Generator."""

import numpy as np


def kept_scale(rng):
    p = float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.8]))
    scale = 1.0 / (1.0 - p)
    return {
        "prompt": (
            f"A layer uses inverted dropout with drop probability p = {p:g}. During training, by what factor "
            "is every unit that survives multiplied?"
        ),
        "answer": scale,
        "precision": {"decimals": 2},
        "explanation": (
            f"Each unit survives with probability 1 - p = {1 - p:g}. Multiplying survivors by "
            f"1 / (1 - p) = {scale:.4g} ({scale:.2f} to two decimals) keeps the expected output equal to the input, "
            "so nothing has to change at evaluation time."
        ),
    }


def expected_kept_units(rng):
    n = int(rng.choice([128, 256, 512, 1024]))
    p = float(rng.choice([0.1, 0.2, 0.3, 0.5]))
    kept = n * (1 - p)
    return {
        "prompt": (
            f"A hidden layer has {n} units and dropout with p = {p:g} in training. On average, how many units "
            "are active (not dropped) in one forward pass?"
        ),
        "answer": kept,
        "precision": {"decimals": 1},
        "explanation": (
            f"Each unit is kept independently with probability 1 - p = {1 - p:g}, so the expected count is "
            f"{n} × {1 - p:g} = {kept:g}. The actual number varies from step to step (it is binomial)."
        ),
    }


def expected_output_value(rng):
    x = float(rng.choice([0.5, 1.0, 2.0, 3.0, 4.0]))
    p = float(rng.choice([0.2, 0.25, 0.5]))
    return {
        "prompt": (
            f"With inverted dropout (p = {p:g}) in training mode, one unit's input is always {x:g}. What is the "
            "expected value of its output, averaged over many training steps?"
        ),
        "answer": x,
        "precision": {"decimals": 1},
        "explanation": (
            f"The output is 0 with probability {p:g} and {x:g} / (1 - {p:g}) = {x / (1 - p):.4g} otherwise, so its "
            f"expectation is (1 - {p:g}) × {x / (1 - p):.4g} = {x:g}: inverted scaling keeps the mean unchanged."
        ),
    }


def stochastic_depth_expected_blocks(rng):
    blocks = int(rng.choice([12, 16, 18, 24, 27, 36, 54]))
    last = float(rng.choice([0.5, 0.6, 0.8]))
    expected = blocks - (1 - last) * (blocks + 1) / 2
    return {
        "prompt": (
            f"A residual network has L = {blocks} residual blocks and is trained with stochastic depth using the "
            f"linear decay rule: block l (l = 1 … L) survives with probability p_l = 1 − (l / L)(1 − p_L), with "
            f"p_L = {last:g}. How many blocks are active in a training step, on average?"
        ),
        "answer": expected,
        "precision": {"decimals": 2},
        "explanation": (
            f"By linearity of expectation the average is Σ p_l = L − ((1 − p_L) / L) · Σ l = L − (1 − p_L)(L + 1) / 2 "
            f"= {blocks} − {1 - last:g} × {blocks + 1} / 2 = {expected:.2f}. The first blocks almost always survive "
            f"and the last survives with probability {last:g}; Huang et al. used p_L = 0.5, which for 54 blocks "
            "gives about 40."
        ),
    }


# (L, p_L, l) whose survival probability is not a rounding tie at 4 decimals (1 − 3/32 = 0.90625 would be).
_SURVIVAL_CASES = [
    (blocks, last, block)
    for blocks in (12, 16, 18, 24, 36, 54)
    for last in (0.5, 0.7, 0.8)
    for block in range(1, blocks)
    if abs((1 - block / blocks * (1 - last)) * 1e4 % 1 - 0.5) > 0.01
]


def stochastic_depth_survival(rng):
    blocks, last, block = _SURVIVAL_CASES[int(rng.integers(len(_SURVIVAL_CASES)))]
    survival = 1 - block / blocks * (1 - last)
    return {
        "prompt": (
            f"Stochastic depth with the linear decay rule p_l = 1 − (l / L)(1 − p_L): a network has L = {blocks} "
            f"residual blocks and p_L = {last:g}. With the original paper's test-time rule, by what factor is the "
            f"residual branch of block {block} multiplied at test time?"
        ),
        "answer": survival,
        "precision": {"decimals": 4},
        "explanation": (
            f"At test time every block runs, and the branch is scaled by its survival probability so that its "
            f"expected contribution matches training: p_{block} = 1 − ({block} / {blocks}) × {1 - last:g} = "
            f"{survival:.4f}. (Implementations that scale survivors by 1 / p_l during training, like inverted "
            "dropout, use a factor of 1 at test time instead.)"
        ),
    }


def attention_row_sum(rng):
    size = int(rng.choice([4, 5]))
    weights = rng.dirichlet(np.ones(size))
    weights = np.round(weights, 2)
    weights[-1] = round(1 - float(weights[:-1].sum()), 2)
    while weights.min() <= 0:
        weights = np.round(rng.dirichlet(np.ones(size)), 2)
        weights[-1] = round(1 - float(weights[:-1].sum()), 2)
    p = float(rng.choice([0.1, 0.2, 0.25]))
    dropped = int(rng.integers(size))
    kept = 1 - float(weights[dropped])
    total = kept / (1 - p)
    listed = ", ".join(f"{w:.2f}" for w in weights)
    return {
        "prompt": (
            f"One query's attention weights after the softmax are [{listed}]. Attention dropout with p = {p:g} is "
            f"active (training mode) and, in this step, zeroes only entry {dropped + 1}. What do the attention "
            "weights of this row sum to after dropout?"
        ),
        "answer": total,
        "precision": {"decimals": 4},
        "explanation": (
            f"The surviving entries sum to 1 − {weights[dropped]:.2f} = {kept:.2f}, and inverted dropout scales "
            f"each survivor by 1 / (1 − {p:g}): {kept:.2f} / {1 - p:g} = {total:.4f}. The row does not sum to 1 "
            "in training; it does only on average, and dropout is applied after the softmax, so nothing "
            "renormalises it."
        ),
    }
