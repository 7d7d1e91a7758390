# Mistake: draws He weights from U(-sqrt(6 / fan_in), sqrt(6 / fan_in)) (kaiming_uniform_): right variance, wrong distribution.
# Verdict: wrong_answer
# Fails: He on new sizes: values follow N(0, 2 / fan_in) (Kolmogorov-Smirnov, chi-square, variance, mean)
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))
