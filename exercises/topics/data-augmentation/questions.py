"""Generators for the data-augmentation questions: trusted server code; each gets a seeded NumPy Generator."""

import math


def crop_positions(rng):
    size = int(rng.choice([28, 32, 64, 96]))
    pad = int(rng.choice([2, 3, 4, 6, 8]))
    flip = bool(rng.integers(2))
    per_axis = 2 * pad + 1
    placements = per_axis**2
    answer = placements * (2 if flip else 1)
    flip_text = " followed by a random horizontal flip" if flip else ""
    flip_step = f" A horizontal flip (on or off) doubles this: {placements} × 2 = {answer}." if flip else ""
    return {
        "prompt": (
            f"Training images are {size}×{size}. The pipeline pads {pad} pixels on every side and takes a random "
            f"{size}×{size} crop{flip_text}. How many distinct augmented versions of one image can it produce?"
        ),
        "answer": answer,
        "precision": {"decimals": 0},
        "explanation": (
            f"After padding the image is {size + 2 * pad}×{size + 2 * pad}. A {size}-pixel crop can start at "
            f"{size + 2 * pad} - {size} + 1 = {per_axis} positions along each axis, so there are "
            f"{per_axis} × {per_axis} = {placements} placements.{flip_step}"
        ),
    }


def offline_steps_per_epoch(rng):
    n = int(rng.choice([2000, 3000, 5000, 12000, 25000]))
    copies = int(rng.choice([1, 2, 3, 4, 9]))
    batch = int(rng.choice([32, 64, 128, 256]))
    stored = n * (copies + 1)
    steps = math.ceil(stored / batch)
    return {
        "prompt": (
            f"You augment a training set of {n} images *offline*: each image gets {copies} transformed copies "
            f"written to disk, and the originals are kept. With batch size {batch} and the last partial batch "
            "kept, how many optimisation steps does one epoch over the stored set take?"
        ),
        "answer": steps,
        "precision": {"decimals": 0},
        "explanation": (
            f"The stored set has {n} × ({copies} + 1) = {stored} images. One epoch is "
            f"ceil({stored} / {batch}) = ceil({stored / batch:.4g}) = {steps} steps. With online augmentation "
            f"instead, an epoch would stay at ceil({n} / {batch}) = {math.ceil(n / batch)} steps, each image "
            "transformed afresh every time it is loaded."
        ),
    }


def random_deletion_expected_words(rng):
    length = int(rng.choice([12, 15, 18, 20, 24, 30, 40]))
    p = float(rng.choice([0.05, 0.1, 0.15, 0.2, 0.25]))
    kept = length * (1 - p)
    return {
        "prompt": (
            f"Random deletion removes each word of a sentence independently with probability p = {p:g}. For a "
            f"{length}-word sentence, what is the expected number of words left?"
        ),
        "answer": kept,
        "precision": {"decimals": 2},
        "explanation": (
            f"Each word survives with probability 1 - {p:g} = {1 - p:g}, so by linearity of expectation the "
            f"expected count is {length} × {1 - p:g} = {kept:g}. On average {length * p:g} words are "
            "deleted. (Some implementations keep one random word if every word is drawn for deletion.)"
        ),
    }


def brightness_pixel(rng):
    value = float(rng.choice([0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]))
    factor = float(rng.choice([0.6, 0.7, 0.8, 1.2, 1.3, 1.4, 1.5]))
    product = value * factor
    answer = round(min(1.0, product), 2)
    if product > 1.0:
        clip_text = " That is above the valid range, so it is clipped to 1.00."
    else:
        clip_text = " It lies within [0, 1], so no clipping is needed."
    return {
        "prompt": (
            "`ColorJitter(brightness=0.5)` draws a brightness factor uniformly from [0.5, 1.5] and multiplies "
            f"every pixel by it; results are clipped to [0, 1]. The factor drawn is {factor:g}. What does a pixel "
            f"with value {value:g} become?"
        ),
        "answer": answer,
        "precision": {"decimals": 2},
        "explanation": (
            f"{value:g} × {factor:g} = {product:.2f}.{clip_text} Brightness jitter scales all pixels by the same "
            "factor, so bright regions saturate first when the factor is above 1."
        ),
    }


def window_slice_count(rng):
    window = int(rng.choice([50, 64, 90, 100, 128]))
    stride = int(rng.choice([5, 10, 16, 25]))
    steps = int(rng.integers(4, 21))
    length = window + steps * stride + int(rng.integers(0, stride))
    count = (length - window) // stride + 1
    return {
        "prompt": (
            f"A time series has {length} points. Window slicing cuts it into sub-windows of {window} points, "
            f"starting at point 0 and moving the start by {stride} points each time; a window must fit entirely "
            "inside the series. How many windows do you get?"
        ),
        "answer": count,
        "precision": {"decimals": 0},
        "explanation": (
            f"The last allowed start is {length} - {window} = {length - window}. The starts 0, {stride}, "
            f"{2 * stride}, ... that do not pass it number floor({length - window} / {stride}) + 1 = "
            f"{(length - window) // stride} + 1 = {count}."
        ),
    }


def tta_average_probability(rng):
    views = int(rng.choice([2, 4, 5]))
    probs = [float(p) for p in rng.choice([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], size=views)]
    mean = sum(probs) / views
    listed = ", ".join(f"{p:g}" for p in probs)
    return {
        "prompt": (
            f"With test-time augmentation over {views} views of one image, the model gives the class 'cat' the "
            f"probabilities {listed}. What probability does TTA report for 'cat' (mean over views)?"
        ),
        "answer": round(mean, 3),
        "precision": {"decimals": 3},
        "explanation": (
            f"TTA averages the per-view probabilities: ({' + '.join(f'{p:g}' for p in probs)}) / {views} = "
            f"{sum(probs):g} / {views} = {mean:.3f}. The weights are unchanged; the average smooths out errors "
            "that depend on one particular crop or flip."
        ),
    }


def _clear_of_tie(value, places):
    """True unless ``value`` sits within a hair of a rounding boundary at ``places`` decimals."""
    return abs(abs(value) * 10**places % 1 - 0.5) > 0.01


def mixup_loss(rng):
    loss = 0.0005  # a tie: draw until the answer is clear of one
    while not _clear_of_tie(loss, 3):
        lam = float(rng.choice([0.6, 0.7, 0.75, 0.8, 0.9]))
        p_a = float(rng.choice([0.3, 0.4, 0.5, 0.6, 0.7]))
        p_b = float(rng.choice([0.05, 0.1, 0.15, 0.2, 0.25]))
        loss = -lam * math.log(p_a) - (1 - lam) * math.log(p_b)
    return {
        "prompt": (
            f"A mixup step blends a cat image (weight λ = {lam:g}) with a dog image (weight {1 - lam:g}). The "
            f"network's softmax gives p(cat) = {p_a:g} and p(dog) = {p_b:g} for the mixed image. What is the "
            "cross-entropy loss of this example against the mixed target (natural logarithm)?"
        ),
        "answer": loss,
        "precision": {"decimals": 3},
        "explanation": (
            f"The target puts {lam:g} on cat and {1 - lam:g} on dog, and cross-entropy is linear in the target: "
            f"loss = −{lam:g} · ln {p_a:g} − {1 - lam:g} · ln {p_b:g} = {lam:g} × {-math.log(p_a):.4f} + "
            f"{1 - lam:g} × {-math.log(p_b):.4f} = {loss:.3f}. This equals λ · CE(cat) + (1 − λ) · CE(dog), which "
            "is how most implementations compute it. Other classes contribute nothing, because their target "
            "weight is 0."
        ),
    }


def cutmix_clipped_lambda(rng):
    lam = 0.00005  # a tie: draw until the answer is clear of one
    while not _clear_of_tie(lam, 4):
        side = int(rng.choice([32, 64, 224]))
        box_w = int(rng.choice([8, 12, 16])) * side // 32
        box_h = int(rng.choice([8, 10, 16])) * side // 32
        cx = int(rng.integers(0, box_w // 2))  # near the left edge, so the box is clipped
        cy = int(rng.integers(box_h // 2, side - box_h // 2 + 1))
        x1, x2 = max(cx - box_w // 2, 0), min(cx + box_w // 2, side)
        y1, y2 = max(cy - box_h // 2, 0), min(cy + box_h // 2, side)
        area = (x2 - x1) * (y2 - y1)
        lam = 1 - area / (side * side)
    return {
        "prompt": (
            f"CutMix on {side} × {side} images: a box of width {box_w} and height {box_h} (even sizes) is centred at "
            f"column {cx}, row {cy} of image A and filled with the same pixels of image B. The box spans columns "
            f"cx − w/2 to cx + w/2 and rows cy − h/2 to cy + h/2, clipped to the image. What weight does image "
            "A's label get in the target?"
        ),
        "answer": lam,
        "precision": {"decimals": 4},
        "explanation": (
            f"Clipped, the box runs from x = {x1} to {x2} and from y = {y1} to {y2}: {x2 - x1} × {y2 - y1} = {area} "
            f"pixels of B. A keeps 1 − {area} / {side * side} = {lam:.4f} of the image, and that is its label "
            f"weight (B gets {1 - lam:.4f}). Using the unclipped area {box_w} × {box_h} = {box_w * box_h} would "
            f"give {1 - box_w * box_h / side**2:.4f}: the reference implementation recomputes λ from the clipped "
            "box for exactly this reason."
        ),
    }
