"""Generators for the activation-function questions: trusted server code; each gets a seeded NumPy Generator."""

import math


def _p(value):
    """A number for a formula: negative values in parentheses."""
    return f"({value:g})" if value < 0 else f"{value:g}"


def sigmoid_derivative(rng):
    x = float(rng.choice([-4.0, -3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0, 4.0]))
    s = 1.0 / (1.0 + math.exp(-x))
    slope = s * (1.0 - s)
    return {
        "prompt": (f"What is the derivative of the logistic sigmoid `σ(x) = 1 / (1 + e^(−x))` at x = {x:g}?"),
        "answer": slope,
        "precision": {"decimals": 4},
        "explanation": (
            f"`σ({x:g}) = 1 / (1 + e^({-x:g})) = {s:.4f}`, and `σ'(x) = σ(x)(1 − σ(x))`, so "
            f"`σ'({x:g}) = {s:.4f} × {1 - s:.4f} = {slope:.4f}`. That is {slope / 0.25:.0%} of the maximum slope "
            "0.25 (reached at x = 0), and since σ'(x) = σ'(−x), the value at the opposite input is the same."
        ),
    }


def tanh_derivative(rng):
    x = float(rng.choice([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 2.5]))
    t = math.tanh(x)
    slope = 1.0 - t * t
    return {
        "prompt": f"What is the derivative of tanh at x = {x:g}?",
        "answer": slope,
        "precision": {"decimals": 4},
        "explanation": (
            f"`tanh({x:g}) = {t:.4f}` and `tanh'(x) = 1 − tanh²(x)`, so `tanh'({x:g}) = 1 − {t:.4f}² = {slope:.4f}`. "
            "The slope is 1 at x = 0 and falls quickly as |x| grows: this is saturation, the reason gradients vanish "
            "through many tanh layers whose inputs are large."
        ),
    }


def elu_value_and_slope(rng):
    alpha = float(rng.choice([0.5, 1.0, 2.0]))
    x = float(rng.choice([-0.5, -1.0, -2.0, -3.0]))
    asked = str(rng.choice(["output", "derivative"]))
    exp_x = math.exp(x)
    value = alpha * (exp_x - 1.0)
    slope = alpha * exp_x
    answer = value if asked == "output" else slope
    return {
        "prompt": (
            f"An ELU with α = {alpha:g} receives the input x = {x:g}. What is its {asked} at that point "
            f"({'the activation value' if asked == 'output' else 'the slope dELU/dx'})?"
        ),
        "answer": answer,
        "precision": {"decimals": 4},
        "explanation": (
            f"For x < 0, `ELU(x) = α(e^x − 1)` and `ELU'(x) = α e^x`. Here `e^({x:g}) = {exp_x:.4f}`, so the output "
            f"is {alpha:g} × ({exp_x:.4f} − 1) = {value:.4f} and the derivative is {alpha:g} × {exp_x:.4f} = "
            f"{slope:.4f}. The {asked} was asked, so the answer is {answer:.4f}. Unlike ReLU, the negative side still "
            f"passes some gradient, and outputs saturate at −α = {-alpha:g} for very negative inputs."
        ),
    }


def leaky_relu_backprop(rng):
    alpha = 0.1
    z = 0.0
    while z == 0.0:
        x = float(rng.choice([-2.0, -1.0, 1.0, 2.0, 3.0]))
        w = float(rng.choice([-1.5, -0.5, 0.5, 2.0]))
        b = float(rng.choice([-1.0, 0.5, 1.0]))
        z = w * x + b
    upstream = float(rng.choice([-1.0, 0.5, 2.0]))
    slope = 1.0 if z > 0 else alpha
    grad_w = upstream * slope * x
    side = "positive, so the slope is 1" if z > 0 else f"negative, so the slope is α = {alpha:g}"
    return {
        "prompt": (
            f"A single unit computes `y = LeakyReLU(w·x + b)` with negative slope α = {alpha:g}. "
            f"With x = {x:g}, w = {w:g}, b = {b:g}, and an upstream gradient ∂L/∂y = {upstream:g}, "
            "what is ∂L/∂w?"
        ),
        "answer": grad_w,
        "precision": {"decimals": 2},
        "explanation": (
            f"First the pre-activation: z = {_p(w)} × {_p(x)} + {_p(b)} = {z:g}, which is {side}. By the chain rule "
            f"∂L/∂w = ∂L/∂y · LeakyReLU'(z) · ∂z/∂w = {_p(upstream)} × {slope:g} × {_p(x)} = {grad_w:.2f}. "
            + (
                "A plain ReLU would give the same here, since the unit is active."
                if z > 0
                else "A plain ReLU would give exactly 0 here: the unit is on its flat side."
            )
        ),
    }
