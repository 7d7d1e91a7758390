"""Generators for the overfitting/underfitting questions: trusted server code; each gets a seeded NumPy Generator."""

import numpy as np


def _loss_table(rng):
    """Training loss falls all the way; validation loss has a single minimum at epoch ``best``."""
    epochs = 10
    best = int(rng.integers(3, 8))  # 3..7
    floor = float(rng.choice([0.40, 0.45, 0.52]))
    rise = float(rng.choice([0.02, 0.03]))
    val = []
    for epoch in range(1, epochs + 1):
        if epoch <= best:
            val.append(round(floor + 0.15 * (best - epoch), 2))
        else:
            val.append(round(floor + rise * (epoch - best) ** 2, 2))
    train = [round(0.95 * val[0] * 0.75 ** (epoch - 1), 2) for epoch in range(1, epochs + 1)]
    return best, train, val


def best_epoch(rng):
    best, train, val = _loss_table(rng)
    rows = "\n".join(f"| {i + 1} | {t:.2f} | {v:.2f} |" for i, (t, v) in enumerate(zip(train, val, strict=True)))
    return {
        "prompt": (
            "A network is trained for 10 epochs and a checkpoint is saved after each one:\n\n"
            "| Epoch | Training loss | Validation loss |\n|---|---|---|\n"
            f"{rows}\n\n"
            "Which epoch's checkpoint should you keep to get the model that generalises best?"
        ),
        "answer": best,
        "precision": {"decimals": 0},
        "explanation": (
            f"Pick the lowest **validation** loss: {val[best - 1]:.2f} at epoch {best}. After it the validation loss "
            f"climbs to {val[-1]:.2f} while the training loss keeps falling to {train[-1]:.2f}, so the model is "
            "overfitting from there on. The lowest training loss (epoch 10) is the most overfitted checkpoint, "
            "not the best one."
        ),
    }


def _gaps(rng, kind):
    human = float(rng.choice([1.0, 2.0, 3.0, 5.0]))
    large = [4.0, 6.0, 7.5, 9.0, 12.0]
    small = [0.5, 1.0, 1.5]
    bias = float(rng.choice(large if kind in ("bias", "both") else small))
    variance = float(rng.choice(large if kind in ("variance", "both") else small))
    return human, human + bias, human + bias + variance


def avoidable_bias(rng):
    kind = str(rng.choice(["bias", "variance", "both"]))
    human, train, val = _gaps(rng, kind)
    bias, variance = train - human, val - train
    verdict = (
        "the larger problem is avoidable bias (underfitting)"
        if bias > variance
        else "the larger problem is variance (overfitting)"
        if variance > bias
        else "both problems are equally large"
    )
    return {
        "prompt": (
            f"On an image task, humans make {human:g}% error. Your model has {train:g}% training error and "
            f"{val:g}% validation error. Taking human error as the reference, what is the avoidable bias, in "
            "percentage points?"
        ),
        "answer": bias,
        "precision": {"decimals": 1},
        "explanation": (
            f"In percentage points, avoidable bias = training error - reference = {train:g} - {human:g} = {bias:g}. "
            f"For comparison, the variance (train-validation gap) is {val:g} - {train:g} = {variance:g}, so {verdict}. "
            "Note that the validation error is not used for the avoidable bias."
        ),
    }


_DIAGNOSES = [
    "Mainly underfitting (avoidable bias): use a larger model, better features or longer training",
    "Mainly overfitting (variance): add data or augmentation, or regularise",
    "Both are large: first fit the training set better, then reduce the gap",
    "Neither is large: the model is already close to the reference on both sets",
]


_VERDICTS = {
    "bias": (
        "The first gap ({bias:g}) is large and the second ({variance:g}) small, so the model underfits. More data "
        "or regularisation would target a train-validation gap that hardly exists."
    ),
    "variance": (
        "The first gap ({bias:g}) is small and the second ({variance:g}) large, so the model overfits. A bigger "
        "model or longer training would likely widen that gap further."
    ),
    "both": (
        "Both gaps ({bias:g} and {variance:g}) are large. Fit the training set better first, since a model that "
        "cannot fit its training data has little to generalise, then work on the gap."
    ),
    "neither": (
        "Both gaps ({bias:g} and {variance:g}) are small, so the model is already close to the reference; neither "
        "a much larger model nor heavy regularisation is called for."
    ),
}


def gap_diagnosis(rng):
    kind = str(rng.choice(["bias", "variance", "both", "neither"]))
    answer = {"bias": 0, "variance": 1, "both": 2, "neither": 3}[kind]
    human, train, val = _gaps(rng, kind)
    bias, variance = train - human, val - train
    return {
        "prompt": (
            f"Reference (human) error on a task is {human:g}%. A model has {train:g}% training error and {val:g}% "
            "validation error. Which diagnosis fits best?"
        ),
        "options": list(_DIAGNOSES),
        "answer": answer,
        "explanation": (
            f"In percentage points, avoidable bias = {train:g} - {human:g} = {bias:g} and variance = {val:g} - "
            f"{train:g} = {variance:g}. " + _VERDICTS[kind].format(bias=bias, variance=variance)
        ),
    }


def interpolating_degree(rng):
    n = int(rng.choice([4, 5, 6, 8, 10, 12]))
    return {
        "prompt": (
            f"You have {n} training points with distinct x values and fit a polynomial y = c0 + c1·x + ... + cd·x^d "
            "by least squares. What is the smallest degree d that is guaranteed to reach zero training error, "
            "whatever the y values are?"
        ),
        "answer": n - 1,
        "precision": {"decimals": 0},
        "explanation": (
            f"A polynomial of degree d has d + 1 coefficients. With d + 1 = {n}, that is d = {n - 1}, there are as "
            f"many coefficients as points, and because the x values are distinct there is exactly one such "
            f"polynomial through all {n} points (the Vandermonde system is invertible). A lower degree cannot fit "
            "arbitrary y values. Zero training error here says nothing about generalisation: the interpolating "
            "curve usually swings wildly between the points, a textbook case of overfitting."
        ),
    }


def _clear_of_tie(value, places):
    """True unless ``value`` sits within a hair of a rounding boundary at ``places`` decimals."""
    return abs(abs(value) * 10**places % 1 - 0.5) > 0.01


def smoothed_target(rng):
    value = 0.00005  # a tie: draw until the answer is clear of one
    while not _clear_of_tie(value, 4):
        classes = int(rng.choice([3, 5, 10, 100, 1000]))
        eps = float(rng.choice([0.05, 0.1, 0.15, 0.2]))
        true_class = bool(rng.integers(2))
        value = 1 - eps + eps / classes if true_class else eps / classes
    which = "the true class" if true_class else "one particular wrong class"
    return {
        "prompt": (
            f"A {classes}-class classifier is trained with `nn.CrossEntropyLoss(label_smoothing={eps:g})`. What "
            f"target probability does the loss assign to {which} of an example?"
        ),
        "answer": value,
        "precision": {"decimals": 4},
        "explanation": (
            f"PyTorch's smoothed target is (1 − ε) · one-hot + ε / K. The true class gets 1 − {eps:g} + {eps:g} / "
            f"{classes} = {1 - eps + eps / classes:.6g}; every other class gets {eps:g} / {classes} = "
            f"{eps / classes:.6g}. So {which} gets {value:.4f}. The ε / (K − 1) convention, used by some other "
            "code, would give different numbers."
        ),
    }


def smoothed_loss(rng):
    loss = 0.0005  # a tie: draw until the answer is clear of one
    while not _clear_of_tie(loss, 3):
        classes = int(rng.choice([3, 4]))
        cuts = np.sort(rng.choice(np.arange(5, 96, 5), size=classes - 1, replace=False))
        probs = np.diff(np.concatenate([[0], cuts, [100]])) / 100
        label = int(np.argmax(probs)) if rng.integers(2) else int(rng.integers(classes))
        eps = float(rng.choice([0.1, 0.2]))
        target = np.full(classes, eps / classes)
        target[label] += 1 - eps
        loss = float(-(target * np.log(probs)).sum())
    plain = float(-np.log(probs[label]))
    listed = ", ".join(f"{p:.2f}" for p in probs)
    terms = " + ".join(f"{t:.4g} × {-np.log(p):.4f}" for t, p in zip(target, probs, strict=True))
    return {
        "prompt": (
            f"A {classes}-class model outputs the softmax probabilities [{listed}] for an example of class "
            f"{label + 1}. What is its loss under `nn.CrossEntropyLoss(label_smoothing={eps:g})` (natural "
            "logarithm)?"
        ),
        "answer": loss,
        "precision": {"decimals": 3},
        "explanation": (
            f"The smoothed target puts 1 − {eps:g} + {eps:g}/{classes} = {1 - eps + eps / classes:.4g} on class "
            f"{label + 1} and {eps / classes:.4g} on each other class. The loss is −Σ target · ln p = {terms} = "
            f"{loss:.3f}. Without smoothing it would be −ln {probs[label]:.2f} = {plain:.3f}: the smoothed loss "
            "also penalises a very small probability on any wrong class."
        ),
    }


def expected_calibration_error(rng):
    ece = 0.0005  # a tie: draw until the answer is clear of one
    while not _clear_of_tie(ece, 3):
        bins = [(0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0)]
        counts = [int(c) for c in rng.integers(1, 9, size=len(bins)) * 50]
        confidences = [round(low + float(rng.integers(2, 9)) / 100, 2) for low, _ in bins]
        accuracies = [round(min(c - float(rng.integers(-4, 15)) / 100, 1.0), 2) for c in confidences]
        total = sum(counts)
        ece = sum(n / total * abs(a - c) for n, a, c in zip(counts, accuracies, confidences, strict=True))
    rows = "\n".join(
        f"| {low:.1f}–{high:.1f} | {n} | {c:.2f} | {a:.2f} |"
        for (low, high), n, c, a in zip(bins, counts, confidences, accuracies, strict=True)
    )
    terms = " + ".join(
        f"{n}/{total} × {abs(a - c):.2f}" for n, a, c in zip(counts, accuracies, confidences, strict=True)
    )
    return {
        "prompt": (
            f"A classifier's {total} test predictions are binned by confidence (the top softmax probability):\n\n"
            "| bin | predictions | mean confidence | accuracy |\n|---|---|---|---|\n"
            f"{rows}\n\nWhat is its expected calibration error (ECE)?"
        ),
        "answer": ece,
        "precision": {"decimals": 3},
        "explanation": (
            "ECE = Σ over bins of (share of predictions in the bin) × |accuracy − mean confidence| = "
            f"{terms} = {ece:.3f}. Weighting by the bin share matters: an unweighted average of the gaps would "
            "let a nearly empty bin count as much as a full one. Bins whose accuracy is below their confidence "
            "show over-confidence."
        ),
    }
