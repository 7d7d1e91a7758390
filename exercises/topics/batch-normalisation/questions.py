"""Generators for the batch-normalisation questions: trusted server code; each gets a seeded NumPy Generator."""

import numpy as np

# Zero-sum integer (or half-integer) deviations: batches built from them have an easy mean.
_DEVIATIONS = [
    (-3, -1, 0, 1, 3),
    (-3, -1, 1, 3),
    (-2, -2, 1, 3),
    (-4, 0, 1, 3),
    (-1.5, -0.5, 0, 0.5, 1.5),
    (-2, -1, 0, 1, 2),
]


def _num(value, spec="g"):
    """A number for a formula: negative values in parentheses."""
    text = format(value, spec)
    return f"({text})" if value < 0 else text


def _list(values):
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def normalised_output(rng):
    deviations = np.array(_DEVIATIONS[int(rng.integers(len(_DEVIATIONS)))], dtype=float)
    centre = float(rng.choice([0, 2, 5, 10]))
    spread = float(rng.choice([1, 2]))
    x = centre + spread * rng.permutation(deviations)
    k = int(rng.integers(len(x)))
    gamma = float(rng.choice([0.5, 1.0, 2.0, 3.0]))
    beta = float(rng.choice([-1.0, 0.0, 0.5, 2.0]))
    mean = float(x.mean())
    var = float(x.var())  # biased, as batch norm uses for normalising
    x_hat = (x[k] - mean) / np.sqrt(var)
    y = gamma * x_hat + beta
    squares = " + ".join(f"{d * d:g}" for d in (x - mean))
    return {
        "prompt": (
            f"A batch-norm layer in training mode receives one feature's values for a batch of {len(x)}: "
            f"x = {_list(x)}. Its parameters are γ = {gamma:g} and β = {beta:g}. What is the output for the value "
            f"x = {x[k]:g}? Ignore ε."
        ),
        "answer": float(y),
        "precision": {"decimals": 2},
        "explanation": (
            f"Batch mean = {x.sum():g} / {len(x)} = {mean:g}. Biased variance (divide by N) = ({squares}) / {len(x)} "
            f"= {var:g}, so the standard deviation is {np.sqrt(var):.4f}. Normalised: x̂ = ({x[k]:g} − {_num(mean)}) / "
            f"{np.sqrt(var):.4f} = {x_hat:.4f}. Output: γ·x̂ + β = {gamma:g} × {_num(x_hat, '.4f')} + {_num(beta)} = "
            f"{y:.2f}. "
            "Using the unbiased variance (divide by N − 1) here is a common mistake: it is only used for the running "
            "estimate."
        ),
    }


def running_mean_after_steps(rng):
    momentum = float(rng.choice([0.1, 0.2, 0.5]))
    steps = int(rng.choice([2, 3]))
    batch_means = [float(m) for m in rng.integers(1, 11, size=steps)]
    start = float(rng.choice([0.0, 1.0]))
    running = start
    lines = []
    for m in batch_means:
        new = (1 - momentum) * running + momentum * m
        lines.append(f"{1 - momentum:g} × {running:.6g} + {momentum:g} × {m:g} = {new:.6g}")
        running = new
    return {
        "prompt": (
            f"A PyTorch batch-norm layer has `momentum = {momentum:g}` and a running mean of {start:g} for one "
            f"feature. It then trains on {steps} batches whose means for that feature are {_list(batch_means)}, "
            "in that order. "
            "What is the running mean afterwards?"
        ),
        "answer": running,
        "precision": {"decimals": 3},
        "explanation": (
            "PyTorch updates `running = (1 − momentum) · running + momentum · batch_mean` after each batch: "
            + "; then ".join(lines)
            + f". The final running mean is {running:.3f}. It is an exponential moving average, so it lags behind "
            "the batch means; a larger momentum would follow them more closely."
        ),
    }


def running_var_update(rng):
    deviations = np.array(_DEVIATIONS[int(rng.integers(len(_DEVIATIONS)))], dtype=float)
    centre = float(rng.choice([1, 3, 6]))
    x = centre + rng.permutation(deviations)
    old = float(rng.choice([0.5, 1.0, 2.0]))
    momentum = 0.1
    n = len(x)
    squares_sum = float(((x - x.mean()) ** 2).sum())
    biased = squares_sum / n
    unbiased = squares_sum / (n - 1)
    new = (1 - momentum) * old + momentum * unbiased
    return {
        "prompt": (
            f"A PyTorch `BatchNorm1d` layer (momentum 0.1) has `running_var = {old:g}` for one feature. In training "
            f"mode it receives a batch whose values for that feature are {_list(x)}. What is `running_var` after "
            "this step?"
        ),
        "answer": new,
        "precision": {"decimals": 3},
        "explanation": (
            f"Mean = {x.mean():g}; the squared deviations sum to {squares_sum:g}. The batch is normalised with the "
            f"biased variance {squares_sum:g} / {n} = {biased:.4g}, but the running estimate uses the unbiased one, "
            f"{squares_sum:g} / {n - 1} = {unbiased:.4g}. So running_var = 0.9 × {old:g} + 0.1 × {unbiased:.4g} = "
            f"{new:.3f}. (With the biased variance you would get {0.9 * old + 0.1 * biased:.3f}, which is wrong.)"
        ),
    }


def eval_output(rng):
    running_mean = float(rng.choice([-1.0, 0.5, 2.0, 4.0]))
    running_std = float(rng.choice([0.5, 2.0, 3.0, 4.0]))
    gamma = float(rng.choice([0.5, 1.5, 2.0]))
    beta = float(rng.choice([-0.5, 0.0, 1.0]))
    x = running_mean + running_std * float(rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 1.5, 3.0]))
    batch_mean = float(rng.choice([0.0, 10.0, -3.0]))
    batch_var = float(rng.choice([1.0, 25.0]))
    x_hat = (x - running_mean) / running_std
    y = gamma * x_hat + beta
    return {
        "prompt": (
            f"A trained batch-norm layer is in evaluation mode (`model.eval()`). For one feature it has "
            f"running_mean = {running_mean:g}, running_var = {running_std**2:g}, γ = {gamma:g} and β = {beta:g}. "
            f"The current test batch happens to have mean {batch_mean:g} and variance {batch_var:g} for that feature. "
            f"What does the layer output for an input value of {x:g}? Ignore ε."
        ),
        "answer": y,
        "precision": {"decimals": 2},
        "explanation": (
            "In evaluation mode the layer uses its running statistics and ignores the test batch's mean and "
            f"variance. x̂ = ({x:g} − {_num(running_mean)}) / sqrt({running_std**2:g}) = {x - running_mean:g} / "
            f"{running_std:g} = {x_hat:g}, and y = γ·x̂ + β = {gamma:g} × {_num(x_hat)} + {_num(beta)} = {y:.2f}. "
            "The answer would be the same whatever else was in the batch."
        ),
    }


def layernorm_output(rng):
    deviations = np.array(_DEVIATIONS[int(rng.integers(len(_DEVIATIONS)))], dtype=float)
    centre = float(rng.choice([-1, 0, 2, 4]))
    x = centre + float(rng.choice([1, 2])) * rng.permutation(deviations)
    k = int(rng.integers(len(x)))
    gamma = float(rng.choice([0.5, 1.0, 2.0]))
    beta = float(rng.choice([-0.5, 0.0, 1.0]))
    mean, var = float(x.mean()), float(x.var())
    x_hat = (x[k] - mean) / np.sqrt(var)
    y = gamma * x_hat + beta
    return {
        "prompt": (
            f"`nn.LayerNorm({len(x)})` (training or eval mode, it makes no difference) receives one token vector "
            f"x = {_list(x)}. For the features in question its weight is γ = {gamma:g} and its bias β = {beta:g}. "
            f"What is the output for feature {k + 1} (value {x[k]:g})? Ignore ε."
        ),
        "answer": float(y),
        "precision": {"decimals": 3},
        "explanation": (
            f"Layer norm uses the statistics of this one vector: mean = {x.sum():g} / {len(x)} = {mean:g}, biased "
            f"variance = {var:g}, standard deviation {np.sqrt(var):.4f}. x̂ = ({x[k]:g} − {_num(mean)}) / "
            f"{np.sqrt(var):.4f} = {x_hat:.4f}, and y = {gamma:g} × {_num(x_hat, '.4f')} + {_num(beta)} = {y:.3f}. "
            "Like batch norm it divides by N (biased variance); unlike batch norm the other samples in the batch "
            "play no part."
        ),
    }


def ln_vs_bn_params(rng):
    channels = int(rng.choice([16, 32, 64, 128]))
    side = int(rng.choice([4, 7, 8, 14]))
    ln = 2 * channels * side * side
    bn = 2 * channels
    return {
        "prompt": (
            f"A feature map has shape (N, {channels}, {side}, {side}). How many more learnable parameters does "
            f"`nn.LayerNorm([{channels}, {side}, {side}])` have than `nn.BatchNorm2d({channels})`, both with "
            "their default affine settings?"
        ),
        "answer": ln - bn,
        "precision": {"decimals": 0},
        "explanation": (
            f"LayerNorm learns a weight and a bias for every element of `normalized_shape`: 2 × {channels} × "
            f"{side} × {side} = {ln}. BatchNorm2d learns one γ and one β per channel: 2 × {channels} = {bn} (its "
            f"running mean and variance are buffers, not parameters). Difference: {ln} − {bn} = {ln - bn}. "
            "A LayerNorm over (C, H, W) also ties its parameters to one spatial size; convolutional nets that "
            "want batch-independent statistics more often use GroupNorm, whose affine parameters are per channel."
        ),
    }
