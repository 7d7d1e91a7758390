# Mistake: accepts gain but never uses it, so e.g. the tanh gain 5/3 has no effect.
# Verdict: wrong_answer
# Fails: Xavier on new sizes and gains: values follow U(-a, a) (range, Kolmogorov-Smirnov, chi-square)
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
