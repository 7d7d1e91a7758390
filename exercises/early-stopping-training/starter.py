import torch


def fit(
    model: torch.nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_val: torch.Tensor,
    y_val: torch.Tensor,
    *,
    lr: float,
    max_epochs: int,
    patience: int,
    min_delta: float = 0.0,
) -> dict:
    """Train `model` by full-batch SGD on the MSE loss, with early stopping on the validation loss.

    Each epoch: one step of torch.optim.SGD(model.parameters(), lr=lr) on
    torch.nn.functional.mse_loss(model(X_train), y_train), then the validation loss computed under
    torch.no_grad(). An epoch improves when val_loss < best - min_delta (a NaN never improves);
    stop once `patience` epochs in a row brought no improvement. On return the model holds the
    parameters it had after its best epoch.

    Returns {"val_losses": [one float per epoch run], "best_epoch": int, "stopped_epoch": int},
    epochs counted from 0; stopped_epoch is the last epoch run (max_epochs - 1 without an early stop).
    """
    raise NotImplementedError
