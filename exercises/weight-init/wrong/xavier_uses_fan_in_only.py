# Mistake: uses a = gain * sqrt(3 / fan_in) (LeCun-style, forward pass only) instead of averaging fan_in and fan_out.
# Verdict: wrong_answer
# Fails: Xavier: every value lies in [-a, a], a = gain * sqrt(6 / (fan_in + fan_out))
# Fails: Xavier on new sizes and gains: values follow U(-a, a) (range, Kolmogorov-Smirnov, chi-square)
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(3.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
