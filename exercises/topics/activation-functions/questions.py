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


_SMOOTH_INPUTS = [-3.0, -2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 3.0]


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def silu_value(rng):
    x = float(rng.choice(_SMOOTH_INPUTS))
    s = _sigmoid(x)
    return {
        "prompt": f"What does SiLU (`nn.SiLU`, x · σ(x)) output for the input x = {x:g}?",
        "answer": x * s,
        "precision": {"decimals": 4},
        "explanation": (
            f"σ({x:g}) = 1 / (1 + e^({-x:g})) = {s:.5f}, so silu({x:g}) = {x:g} × {s:.5f} = {x * s:.4f}. "
            + (
                "For negative inputs SiLU gives a small negative value instead of ReLU's 0."
                if x < 0
                else f"For positive inputs it is a little below ReLU's {x:g}, since σ(x) < 1."
            )
        ),
    }


def gelu_value(rng):
    x = float(rng.choice(_SMOOTH_INPUTS))
    phi = 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
    approx = 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return {
        "prompt": f"What does PyTorch's `nn.GELU()`, with its default arguments, output for the input x = {x:g}?",
        "answer": x * phi,
        "precision": {"decimals": 4},
        "explanation": (
            "The default is the exact form, `approximate='none'`: gelu(x) = x · Φ(x) with "
            f"Φ(x) = 0.5 · (1 + erf(x / √2)). Φ({x:g}) = {phi:.5f}, so gelu({x:g}) = {x:g} × {phi:.5f} = "
            f"{x * phi:.4f}. The tanh approximation (`approximate='tanh'`) would give {approx:.5f}, close but "
            "not the default."
        ),
    }


def silu_derivative(rng):
    x = float(rng.choice(_SMOOTH_INPUTS))
    s = _sigmoid(x)
    slope = s * (1.0 + x * (1.0 - s))
    return {
        "prompt": f"What is the derivative of SiLU, silu(x) = x · σ(x), at x = {x:g}?",
        "answer": slope,
        "precision": {"decimals": 4},
        "explanation": (
            f"By the product rule, silu'(x) = σ(x) + x · σ(x)(1 − σ(x)) = σ(x)(1 + x(1 − σ(x))). With "
            f"σ({x:g}) = {s:.5f}: {s:.5f} × (1 + {_p(x)} × {1 - s:.5f}) = {slope:.4f}. "
            + (
                "It is negative here: the input lies left of SiLU's minimum near x ≈ −1.28."
                if slope < 0
                else "Forgetting the second term and answering σ(x) alone is the usual slip."
            )
        ),
    }
