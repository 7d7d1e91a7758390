"""Generators for the dropout questions: trusted server code; each gets a seeded NumPy Generator."""


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
