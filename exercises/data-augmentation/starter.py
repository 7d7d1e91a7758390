import numpy as np


def random_horizontal_flip(images: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """images has shape (N, H, W, C), any dtype. Flip each image along W independently with probability p.

    Every function here draws its randomness from rng, keeps the input's dtype and leaves its inputs unchanged.
    """
    raise NotImplementedError


def random_crop(images: np.ndarray, size: tuple[int, int], padding: int, rng: np.random.Generator) -> np.ndarray:
    """Zero-pad H and W by `padding` on each side, then cut an (h, w) = size window from each image
    at its own uniformly random offset. Returns shape (N, h, w, C)."""
    raise NotImplementedError


def augment_dataset(
    images: np.ndarray, labels: np.ndarray, copies: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return (images, labels) with N * (copies + 1) items: the originals, then augmented copy 1 of
    every image, then copy 2, ... Each copy: flip with p=0.5, then crop back to (H, W), padding 2."""
    raise NotImplementedError


def jitter(series: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Add independent N(0, sigma^2) noise to every value."""
    raise NotImplementedError


def magnitude_scale(series: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """series has shape (n_series, length). Multiply each row by its own factor drawn from N(1, sigma^2)."""
    raise NotImplementedError
