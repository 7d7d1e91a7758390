# Mistake: copies Keras's HeNormal, a normal truncated at two standard deviations (rescaled by 1/0.8796), not torch's untruncated kaiming_normal_.
# Verdict: wrong_answer
# Fails: He on new sizes: values follow N(0, 2 / fan_in) (Kolmogorov-Smirnov, chi-square, variance, mean)
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in) / 0.87962566103423978
    w = rng.normal(0.0, std, size=(fan_out, fan_in))
    outside = np.abs(w) > 2 * std
    while outside.any():
        w[outside] = rng.normal(0.0, std, size=int(outside.sum()))
        outside = np.abs(w) > 2 * std
    return w
