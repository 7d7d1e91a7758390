"""Hidden checks for inverted dropout.

Random behaviour is tested by properties and distributions with fixed seeds, never by comparing
with the reference's own draws: any valid way of drawing the mask passes. Each statistical test
states its bound; together their false-rejection rate for a correct solution is below 1e-6.
"""

import math

import numpy as np

from grader.harness import CheckFailed, LearnerError, Seed, assert_array, assert_close, binomial_bounds, check

X_SMALL = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
# Per-test false-rejection budget: 5 statistical tests below, each at most 1e-7 (5e-7 in all).
ALPHA = 1e-7


def _forward(learner, x, p, training, seed):
    result = learner.dropout_forward(x, p, training, Seed(seed))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(
            f"dropout_forward(x, p={p}, training={training}, rng) must return a tuple (out, mask); "
            f"got {type(result).__name__}"
        )
    return result


def _training_mask(learner, x, p, seed):
    out, mask = _forward(learner, x, p, True, seed)
    what = f"dropout_forward(x of shape {x.shape}, p={p}, training=True)"
    assert_array(out, what=f"{what}: out", shape=x.shape)
    assert_array(mask, what=f"{what}: mask", shape=x.shape)
    return out, mask


@check("Evaluation mode returns the input unchanged and no mask", points=1, public=True)
def evaluation_is_identity(learner):
    out, mask = _forward(learner, X_SMALL, 0.5, False, 0)
    if mask is not None:
        raise CheckFailed(f"with training=False the mask must be None; got {type(mask).__name__}")
    assert_close(out, X_SMALL, what="dropout_forward(x, p=0.5, training=False): out", rtol=0, atol=0)


@check("Mask holds only 0 or 1/(1-p), and out = x * mask", points=1, public=True)
def mask_values_and_scaling(learner):
    x = np.arange(1.0, 41.0).reshape(5, 8)
    for p in (0.2, 0.5, 0.75):
        out, mask = _training_mask(learner, x, p, seed=11)
        scale = 1.0 / (1.0 - p)
        valid = np.isclose(mask, 0.0, atol=0) | np.isclose(mask, scale, rtol=1e-12, atol=0)
        if not valid.all():
            index = tuple(int(i) for i in np.argwhere(~valid)[0])
            raise CheckFailed(
                f"with p={p} every mask entry must be 0 or 1/(1-p) = {scale:g}; mask{list(index)} = {mask[index]!r}"
            )
        assert_close(out, x * mask, what=f"p={p}: out compared with x * mask", rtol=1e-12, atol=0)


@check("Invalid p raises ValueError in both modes", points=1)
def invalid_p_raises(learner):
    for p in (-0.1, 1.5):
        for training in (True, False):
            try:
                _forward(learner, X_SMALL, p, training, 0)
            except LearnerError as error:
                if error.type != "ValueError":
                    raise CheckFailed(
                        f"dropout_forward(x, p={p}, training={training}) should raise ValueError, "
                        f"but raised {error.type}: {error.message}"
                    ) from None
                continue
            raise CheckFailed(f"dropout_forward(x, p={p}, training={training}) should raise ValueError, but returned")


@check("Drop rate matches p (binomial test)", points=2)
def drop_rate_matches_p(learner):
    x = np.ones((200, 500))
    for p, seed in ((0.1, 1), (0.5, 2), (0.8, 3)):
        _, mask = _training_mask(learner, x, p, seed)
        dropped = int(np.count_nonzero(mask == 0))
        low, high = binomial_bounds(x.size, p, ALPHA)
        if not low <= dropped <= high:
            raise CheckFailed(
                f"with p={p} on {x.size} entries, {dropped} were dropped ({dropped / x.size:.4f}); "
                f"a correct dropout drops between {low} and {high} (Hoeffding bound, false-rejection rate {ALPHA:g})"
            )


@check("Expected output equals the input (inverted scaling)", points=2)
def expectation_is_kept(learner):
    x = np.full((400, 250), 3.0)
    for p, seed in ((0.3, 5), (0.6, 6)):
        out, _ = _training_mask(learner, x, p, seed)
        # Each entry lies in [0, 3 / (1 - p)]; Hoeffding: P(|mean - 3| >= t) <= 2 exp(-2 n t^2 / range^2).
        value_range = 3.0 / (1.0 - p)
        tolerance = value_range * math.sqrt(math.log(2 / ALPHA) / (2 * x.size))
        mean = float(out.mean())
        if abs(mean - 3.0) > tolerance:
            raise CheckFailed(
                f"with p={p} and every x = 3, the mean of out over {x.size} entries should be 3 "
                f"(within {tolerance:.4f}), got {mean:.4f}; kept values must be scaled by 1/(1-p)"
            )


@check("p = 0 keeps everything, p = 1 drops everything", points=1)
def extreme_rates(learner):
    out, mask = _training_mask(learner, X_SMALL, 0.0, seed=3)
    assert_close(out, X_SMALL, what="p=0: out", rtol=0, atol=0)
    assert_close(mask, np.ones_like(X_SMALL), what="p=0: mask", rtol=0, atol=0)
    out, mask = _training_mask(learner, X_SMALL, 1.0, seed=3)
    assert_close(out, np.zeros_like(X_SMALL), what="p=1: out (must be zeros, not NaN)", rtol=0, atol=0)
    assert_close(mask, np.zeros_like(X_SMALL), what="p=1: mask", rtol=0, atol=0)


@check("Same seed gives the same mask; a new seed a new mask", points=1)
def rng_drives_the_mask(learner):
    x = np.ones((50, 40))
    _, first = _training_mask(learner, x, 0.5, seed=21)
    _, again = _training_mask(learner, x, 0.5, seed=21)
    if not np.array_equal(first, again):
        raise CheckFailed(
            "two calls with generators made from the same seed gave different masks: "
            "draw the mask from the rng argument, not from np.random or the random module"
        )
    _, other = _training_mask(learner, x, 0.5, seed=22)
    if np.array_equal(first, other):
        raise CheckFailed(
            "calls with different seeds gave the identical mask over 2000 entries: "
            "a fresh mask must be drawn on every call (is a mask cached between calls?)"
        )


@check("Backward multiplies the gradient by the forward mask", points=1, public=True)
def backward_uses_forward_mask(learner):
    x = np.linspace(-2.0, 2.0, 60).reshape(6, 10)
    grad = np.linspace(0.5, 3.0, 60).reshape(6, 10)
    _, mask = _training_mask(learner, x, 0.4, seed=8)
    grad_in = learner.dropout_backward(grad, mask)
    assert_close(grad_in, grad * mask, what="dropout_backward(grad_out, mask)", rtol=1e-12, atol=0)
    grad_eval = learner.dropout_backward(grad, None)
    assert_close(grad_eval, grad, what="dropout_backward(grad_out, None)", rtol=0, atol=0)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    x = np.linspace(-1.0, 1.0, 24).reshape(4, 6)
    for training in (True, False):
        _, args = learner.call_echo("dropout_forward", x.copy(), 0.5, training, Seed(4))
        assert_close(args[0], x, what=f"x after dropout_forward(x, p=0.5, training={training})", rtol=0, atol=0)
    _, mask = _training_mask(learner, x, 0.5, seed=4)
    _, args = learner.call_echo("dropout_backward", x.copy(), mask)
    assert_close(args[0], x, what="grad_out after dropout_backward(grad_out, mask)", rtol=0, atol=0)


@check("Works for any shape", points=1)
def any_shape(learner):
    for shape in ((7,), (2, 3, 4), (1, 1)):
        x = np.ones(shape)
        out, mask = _training_mask(learner, x, 0.5, seed=9)
        assert_close(out, x * mask, what=f"shape {shape}: out compared with x * mask", rtol=1e-12, atol=0)
