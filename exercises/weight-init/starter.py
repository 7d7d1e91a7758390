import numpy as np


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Weights of shape (fan_out, fan_in) drawn from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    raise NotImplementedError


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Weights of shape (fan_out, fan_in) drawn from N(0, std**2), std = sqrt(2 / fan_in)."""
    raise NotImplementedError
