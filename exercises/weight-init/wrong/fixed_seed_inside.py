# Mistake: creates its own generator with a fixed seed, so every call returns the same weights whatever rng is passed.
# Verdict: wrong_answer
# Fails: Entries are independent within a matrix and from one call to the next
# Fails: Randomness comes from rng alone: the same seed gives the same weights in a fresh process
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    rng = np.random.default_rng(0)
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    rng = np.random.default_rng(0)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
