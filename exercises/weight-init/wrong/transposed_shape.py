# Mistake: returns shape (fan_in, fan_out), the transpose of torch.nn.Linear.weight's (out_features, in_features).
# Verdict: wrong_answer
# Fails: Both return a float array of shape (fan_out, fan_in), like torch.nn.Linear.weight
# Fails: Xavier on new sizes and gains: values follow U(-a, a) (range, Kolmogorov-Smirnov, chi-square)
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
