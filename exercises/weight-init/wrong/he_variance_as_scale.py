# Mistake: passes the variance 2 / fan_in as the scale (standard deviation) of rng.normal.
# Verdict: wrong_answer
# Fails: He on new sizes: values follow N(0, 2 / fan_in) (Kolmogorov-Smirnov, chi-square, variance, mean)
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_out, fan_in))
