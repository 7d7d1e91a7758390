import numpy as np


def random_horizontal_flip(images: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    flip = rng.random(images.shape[0]) < p
    out = images.copy()
    out[flip] = images[flip, :, ::-1, :]
    return out


def random_crop(images: np.ndarray, size: tuple[int, int], padding: int, rng: np.random.Generator) -> np.ndarray:
    h, w = size
    n, height, width, _ = images.shape
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    tops = rng.integers(0, height + 2 * padding - h + 1, size=n)
    lefts = rng.integers(0, width + 2 * padding - w + 1, size=n)
    out = np.empty((n, h, w, images.shape[3]), dtype=images.dtype)
    for i, (top, left) in enumerate(zip(tops, lefts, strict=True)):
        out[i] = padded[i, top : top + h, left : left + w]
    return out


def augment_dataset(
    images: np.ndarray, labels: np.ndarray, copies: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    height, width = images.shape[1:3]
    batches = [images.copy()]
    for _ in range(copies):
        flipped = random_horizontal_flip(images, 0.5, rng)
        batches.append(random_crop(flipped, (height, width), 2, rng))
    return np.concatenate(batches), np.tile(labels, copies + 1)


def jitter(series: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    # Noise drawn in float64, then the result in the input's dtype.
    return (series + rng.normal(0.0, sigma, size=series.shape)).astype(series.dtype, copy=False)


def magnitude_scale(series: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    factors = rng.normal(1.0, sigma, size=(series.shape[0], 1))
    return (series * factors).astype(series.dtype, copy=False)
