import numpy as np


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
):
    """Batch normalisation of x, shape (N, D), with the semantics of torch.nn.functional.batch_norm.

    Returns (out, new_running_mean, new_running_var), of shapes (N, D), (D,) and (D,).
    Training normalises with the batch mean and biased batch variance, and moves the running
    statistics towards the batch mean and the unbiased batch variance by `momentum`. Evaluation
    normalises with the running statistics and returns them unchanged. Training with N == 1 raises
    ValueError. No input is modified in place.
    """
    raise NotImplementedError
