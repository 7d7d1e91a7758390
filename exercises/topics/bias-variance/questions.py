"""Generators for the bias-variance questions: trusted server code; each gets a seeded NumPy Generator."""

# Deviations of four predictions from their mean (each pattern sums to zero).
_DEVIATIONS = [(-1, 1, 0, 0), (-2, 2, -1, 1), (-3, 1, 1, 1), (-1, -1, 1, 1), (2, -2, 0, 0), (-4, 2, 0, 2)]


def total_error(rng):
    bias = float(rng.choice([-2.0, -1.5, -0.5, 0.5, 1.0, 3.0]))
    variance = float(rng.choice([0.25, 1.0, 2.5, 4.0]))
    noise = float(rng.choice([0.5, 1.0, 2.0]))
    total = bias**2 + variance + noise
    return {
        "prompt": (
            f"At an input x, a learning algorithm has bias {bias:g} (average prediction minus true value), "
            f"prediction variance {variance:g} across training sets, and the targets have noise variance "
            f"σ² = {noise:g}. What is the expected squared error at x?"
        ),
        "answer": total,
        "precision": {"decimals": 2},
        "explanation": (
            f"Expected error = bias² + variance + σ² = ({bias:g})² + {variance:g} + {noise:g} = {bias**2:g} + "
            f"{variance:g} + {noise:g} = {total:g}. The bias enters squared, so its sign does not matter, and "
            "σ² is added even though no model can remove it."
        ),
    }


def from_predictions(rng):
    truth = int(rng.choice([5, 10, 20]))
    shift = int(rng.choice([-3, -2, -1, 0, 1, 2]))
    deviations = _DEVIATIONS[int(rng.integers(len(_DEVIATIONS)))]
    mean = truth + shift
    predictions = [mean + d for d in deviations]
    bias_sq = float(shift**2)
    variance = sum(d * d for d in deviations) / 4
    ask = str(rng.choice(["bias²", "variance"]))
    answer = bias_sq if ask == "bias²" else variance
    shown = ", ".join(str(p) for p in predictions)
    squares = " + ".join(f"({p} - {mean})²" for p in predictions)
    return {
        "prompt": (
            f"The true value at x₀ is f(x₀) = {truth}. A model is trained on four independent training sets and "
            f"predicts {shown} at x₀. Treating these four runs as the whole distribution (divide by 4), what is the "
            f"**{ask}** of the model at x₀?"
        ),
        "answer": answer,
        "precision": {"decimals": 2},
        "explanation": (
            f"The average prediction is ({' + '.join(str(p) for p in predictions)}) / 4 = {mean}. "
            f"Bias² = ({mean} - {truth})² = {bias_sq:g}. Variance = [{squares}] / 4 = "
            f"{sum(d * d for d in deviations)} / 4 = {variance:g}. The question asked for the {ask}: "
            f"{answer:g}. Bias compares the average with the truth; variance compares each prediction with the "
            "average, never with the truth."
        ),
    }


def bagging_variance(rng):
    sigma2 = float(rng.choice([1.0, 2.0, 4.0, 9.0]))
    rho = float(rng.choice([0.0, 0.1, 0.2, 0.25, 0.5]))
    models = int(rng.choice([5, 10, 20, 50]))
    shared = rho * sigma2
    spread = (1 - rho) * sigma2 / models
    total = shared + spread
    if rho > 0:
        tail = (
            f"More models only shrink the second term; the correlated part ρσ² = {shared:g} stays, which is why "
            "random forests try to decorrelate their trees."
        )
    else:
        tail = (
            "With ρ = 0 the variance falls all the way as σ²/B; real bagged models share most of their data and "
            "are positively correlated, so in practice a floor of ρσ² remains."
        )
    return {
        "prompt": (
            f"You average the predictions of B = {models} models. Each has prediction variance σ² = {sigma2:g}, and "
            f"every pair of models has correlation ρ = {rho:g}. What is the variance of the averaged prediction?"
        ),
        "answer": total,
        "precision": {"decimals": 4},
        "explanation": (
            f"Var = ρσ² + (1 - ρ)σ²/B = {rho:g} × {sigma2:g} + {1 - rho:g} × {sigma2:g} / {models} = {shared:g} + "
            f"{spread:.5g} = {total:.5g}, down from {sigma2:g} for one model. " + tail
        ),
    }


def knn_expected_error(rng):
    noise = float(rng.choice([0.5, 1.0, 2.0, 4.0]))
    k = int(rng.choice([1, 2, 4, 5, 10]))
    bias = float(rng.choice([0.0, 0.5, 1.0, 1.5]))
    variance = noise / k
    total = noise + bias**2 + variance
    return {
        "prompt": (
            f"k-NN regression with k = {k}. The training inputs are fixed; only the label noise is random, with "
            f"variance σ² = {noise:g}. At a query point x₀, the average of the true function over the {k} nearest "
            f"neighbours differs from f(x₀) by {bias:g}. What is the expected squared error of the k-NN prediction "
            "for a new observation y at x₀?"
        ),
        "answer": total,
        "precision": {"decimals": 3},
        "explanation": (
            f"The prediction averages {k} noisy labels, so its variance is σ²/k = {noise:g} / {k} = {variance:g}. The "
            f"bias is {bias:g}, so bias² = {bias**2:g}. Adding the irreducible noise of the new observation: "
            f"{noise:g} + {bias**2:g} + {variance:g} = {total:g}. Raising k shrinks σ²/k but, with neighbours "
            "farther away, usually makes the bias larger."
        ),
    }


def interpolation_width(rng):
    inputs = int(rng.choice([20, 50, 100, 784]))
    classes = int(rng.choice([2, 5, 10]))
    samples = int(rng.choice([500, 1000, 2000, 4000]))
    target = samples * classes
    per_unit = inputs + 1 + classes  # each hidden unit: its weights and bias, plus one weight into each output
    width = -(-(target - classes) // per_unit)  # the smallest h with h·per_unit + classes >= target
    params = width * per_unit + classes
    return {
        "prompt": (
            f"A one-hidden-layer network maps {inputs} inputs to {classes} outputs through h hidden units, with "
            f"biases in both layers. Taking the interpolation threshold to be n · K parameters (n = {samples} "
            f"training samples, K = {classes} outputs, as in Belkin et al.'s experiments), what is the smallest "
            "width h at which the network has at least that many parameters?"
        ),
        "answer": width,
        "precision": {"decimals": 0},
        "explanation": (
            f"Parameters: h({inputs} + 1) in the first layer and {classes}(h + 1) in the second, so "
            f"h · {per_unit} + {classes}. The threshold is {samples} × {classes} = {target}. Solving h · {per_unit} "
            f"+ {classes} ≥ {target} gives h ≥ {(target - classes) / per_unit:.2f}, so h = {width} ({params} "
            "parameters). Test error tends to peak near this width when the labels are noisy, then falls again "
            "for wider networks."
        ),
    }
