"""Generators for the weight-initialisation questions: trusted server code; each gets a seeded NumPy Generator."""

import math
from fractions import Fraction


def glorot_value(rng):
    fan_in = int(rng.choice([64, 100, 128, 256, 300, 512, 784]))
    fan_out = int(rng.choice([10, 32, 50, 64, 100, 128, 256]))
    asked = str(rng.choice(["uniform", "normal"]))
    total = fan_in + fan_out
    if asked == "uniform":
        answer = math.sqrt(6 / total)
        what = "the bound a of the uniform distribution U(−a, a) used by `xavier_uniform_` (gain 1)"
        work = f"a = sqrt(6 / (fan_in + fan_out)) = sqrt(6 / {total}) = {answer:.4f}"
        other = f"The normal version would use std = sqrt(2 / {total}) = {math.sqrt(2 / total):.4f}."
    else:
        answer = math.sqrt(2 / total)
        what = "the standard deviation used by `xavier_normal_` (gain 1)"
        work = f"std = sqrt(2 / (fan_in + fan_out)) = sqrt(2 / {total}) = {answer:.4f}"
        other = f"The uniform version would use the bound sqrt(6 / {total}) = {math.sqrt(6 / total):.4f}."
    return {
        "prompt": (
            f"A fully connected layer `nn.Linear({fan_in}, {fan_out})` is initialised with Glorot (Xavier) "
            f"{asked} initialisation. What is {what}?"
        ),
        "answer": answer,
        "precision": {"decimals": 4},
        "explanation": (
            f"fan_in = {fan_in} (inputs) and fan_out = {fan_out} (outputs), so fan_in + fan_out = {total}. "
            f"The Glorot variance is 2 / {total} = {2 / total:.6f}, hence {work}. {other} "
            "Both have the same variance, because U(−a, a) has variance a² / 3."
        ),
    }


def he_conv_std(rng):
    in_channels = int(rng.choice([8, 16, 32, 64, 128]))
    kernel = int(rng.choice([1, 3, 5]))
    out_channels = int(rng.choice([32, 64, 128, 256]))
    fan_in = in_channels * kernel * kernel
    std = math.sqrt(2 / fan_in)
    return {
        "prompt": (
            f"The weight of `nn.Conv2d({in_channels}, {out_channels}, kernel_size={kernel})` (followed by ReLU) is "
            "initialised with `kaiming_normal_` in its default mode (`fan_in`, ReLU gain). What standard deviation "
            "does it use?"
        ),
        "answer": std,
        "precision": {"decimals": 4},
        "explanation": (
            f"For a convolution, fan_in counts every input value one output sees: in_channels × kernel height × "
            f"kernel width = {in_channels} × {kernel} × {kernel} = {fan_in}. He initialisation uses "
            f"std = sqrt(2 / fan_in) = sqrt(2 / {fan_in}) = {std:.4f}. The number of output channels "
            f"({out_channels}) would only matter in `fan_out` mode."
        ),
    }


def conv_fan(rng):
    in_channels = int(rng.choice([3, 16, 32, 64, 128]))
    out_channels = int(rng.choice([16, 32, 64, 128, 256]))
    kernel = int(rng.choice([3, 5, 7]))
    asked = str(rng.choice(["fan_in", "fan_out"]))
    fan_in = in_channels * kernel * kernel
    fan_out = out_channels * kernel * kernel
    answer = fan_in if asked == "fan_in" else fan_out
    return {
        "prompt": (
            f"What is the `{asked}` of the weight of `nn.Conv2d({in_channels}, {out_channels}, "
            f"kernel_size={kernel})`, as PyTorch's initialisers compute it?"
        ),
        "answer": answer,
        "precision": {"decimals": 0},
        "explanation": (
            f"The weight has shape ({out_channels}, {in_channels}, {kernel}, {kernel}). The receptive field is "
            f"{kernel} × {kernel} = {kernel * kernel}, so fan_in = {in_channels} × {kernel * kernel} = {fan_in} "
            f"and fan_out = {out_channels} × {kernel * kernel} = {fan_out}. The question asked for {asked}, "
            f"which is {answer}."
        ),
    }


# (width, std) pairs whose per-layer factor width * std² / 2 is a friendly number.
_WIDTH_STD = [
    (200, "0.1"),
    (400, "0.1"),
    (100, "0.1"),
    (800, "0.05"),
    (200, "0.05"),
    (500, "0.1"),
    (320, "0.05"),
    (300, "0.1"),
]


def _on_rounding_tie(value, figures):
    """Whether the exact ``value`` (> 0) lies halfway between two numbers of ``figures`` significant figures."""
    places = figures - 1 - math.floor(math.log10(value))
    return value * Fraction(10) ** places % 1 == Fraction(1, 2)


def relu_depth_scale(rng):
    while True:
        width, std_text = _WIDTH_STD[int(rng.integers(len(_WIDTH_STD)))]
        layers = int(rng.choice([3, 4, 5, 6]))
        # 1.5^3 = 3.375 and 0.5^5 = 0.03125 have two 3-figure roundings; such a draw is replaced.
        if not _on_rounding_tie((width * Fraction(std_text) ** 2 / 2) ** layers, 3):
            break
    std = float(std_text)
    per_layer = width * std * std / 2
    factor = per_layer**layers
    he_std = math.sqrt(2 / width)
    return {
        "prompt": (
            f"A stack of fully connected ReLU layers, each {width} units wide, has weights drawn from a normal "
            f"distribution with mean 0 and std {std:g}. Using the standard variance argument (independent weights, "
            "symmetric pre-activations), what is the ratio of the mean square of the pre-activations at layer "
            f"k + {layers} to that at layer k?"
        ),
        "answer": factor,
        "precision": {"significant": 3},
        "explanation": (
            f"Per layer, Var(z) = fan_in · Var(w) · E[x²] and ReLU gives E[x²] = Var(z_previous) / 2, so the factor "
            f"is {width} × {std:g}² / 2 = {width} × {std * std:g} / 2 = {per_layer:g}. Over {layers} layers: "
            f"{per_layer:g}^{layers} = {factor:.4g}. "
            + (
                f"This std is exactly He's sqrt(2 / {width}) = {he_std:.4f}, which is why the scale is preserved."
                if math.isclose(per_layer, 1.0)
                else f"He initialisation (std = sqrt(2 / {width}) = {he_std:.4f}) would make the factor exactly 1."
            )
        ),
    }


# calculate_gain values in PyTorch, with how they are written.
_GAINS = {"linear": (1.0, "1"), "sigmoid": (1.0, "1"), "tanh": (5 / 3, "5/3"), "relu": (math.sqrt(2), "√2")}
_INTEGER_NORMS = [((3, 4), 5), ((1, 2, 2), 3), ((2, 3, 6), 7), ((1, 4, 8), 9), ((2, 6, 9), 11), ((4, 4, 7), 9)]


def _clear_of_tie(value, figures):
    """True unless ``value`` (> 0) sits within a hair of a rounding boundary at ``figures`` significant figures."""
    places = figures - 1 - math.floor(math.log10(value))
    return abs(value * 10**places % 1 - 0.5) > 0.01


def orthogonal_output_norm(rng):
    vector, norm = _INTEGER_NORMS[int(rng.integers(len(_INTEGER_NORMS)))]
    name = str(rng.choice(["linear", "tanh", "relu"]))
    gain, written = _GAINS[name]
    size = len(vector)
    squares = " + ".join(f"{v}²" for v in vector)
    return {
        "prompt": (
            f"`W = nn.init.orthogonal_(torch.empty({size}, {size}), gain=nn.init.calculate_gain('{name}'))`. "
            f"What is the Euclidean norm of W @ x for x = {list(vector)}, whatever random orthogonal matrix was "
            "drawn?"
        ),
        "answer": gain * norm,
        "precision": {"decimals": 3},
        "explanation": (
            f"W is gain × Q with Q orthogonal, and ‖Qx‖ = ‖x‖ for every x. ‖x‖ = √({squares}) "
            f"= {norm}, and `calculate_gain('{name}')` = {written}, so ‖Wx‖ = {written} × {norm} = {gain * norm:.3f}. "
            "The answer does not depend on the draw; that is the point of an orthogonal initialisation."
        ),
    }


def xavier_gain_std(rng):
    value = 0.0
    while value == 0.0 or not _clear_of_tie(value, 3):
        fan_in = int(rng.choice([64, 128, 256, 300, 512, 784]))
        fan_out = int(rng.choice([10, 32, 100, 128, 256]))
        name = str(rng.choice(["sigmoid", "tanh", "relu"]))
        uniform = bool(rng.integers(2))
        gain, written = _GAINS[name]
        value = gain * math.sqrt((6 if uniform else 2) / (fan_in + fan_out))
    call = "xavier_uniform_" if uniform else "xavier_normal_"
    asked = "the bound a of the uniform distribution U(−a, a)" if uniform else "the standard deviation of the weights"
    formula = "gain · √(6 / (fan_in + fan_out))" if uniform else "gain · √(2 / (fan_in + fan_out))"
    return {
        "prompt": (
            f"A layer `nn.Linear({fan_in}, {fan_out})` is initialised with `nn.init.{call}(layer.weight, "
            f"gain=nn.init.calculate_gain('{name}'))`. What is {asked}?"
        ),
        "answer": value,
        "precision": {"significant": 3},
        "explanation": (
            f"fan_in = {fan_in} and fan_out = {fan_out} (the weight has shape ({fan_out}, {fan_in})). "
            f"`calculate_gain('{name}')` = {written}. PyTorch uses {formula} = {written} × "
            f"√({6 if uniform else 2} / {fan_in + fan_out}) = {value:#.3g}. Forgetting the gain, or using fan_in "
            "alone, is the usual slip."
        ),
    }
