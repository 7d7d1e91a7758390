# Mistake: ignores rng and draws from NumPy's global generator, so a seed does not reproduce the weights.
# Verdict: wrong_answer
# Fails: Randomness comes from rng alone: the same seed gives the same weights in a fresh process
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    return np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
