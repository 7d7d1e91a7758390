# Mistake: draws Xavier weights from a normal distribution (xavier_normal_) with the right variance, not from U(-a, a).
# Verdict: wrong_answer
# Fails: Xavier: every value lies in [-a, a], a = gain * sqrt(6 / (fan_in + fan_out))
# Fails: Xavier on new sizes and gains: values follow U(-a, a) (range, Kolmogorov-Smirnov, chi-square)
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
