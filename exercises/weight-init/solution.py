import numpy as np


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    std = np.sqrt(2.0) / np.sqrt(fan_in)  # gain sqrt(2) for ReLU, mode "fan_in"
    return rng.normal(0.0, std, size=(fan_out, fan_in))
