# Mistake: draws Xavier weights from a normal distribution (xavier_normal_) with the right variance, not from U(-a, a).
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
