import numpy as np


def mixup(
    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if not alpha > 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    x64 = x.astype(np.float64)
    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]
    return x_mixed, y_mixed
