# Mistake: trains on the summed squared error instead of its mean, so every step is N * outputs times too large.
# Verdict: wrong_answer
# Fails: Each epoch: one SGD step on the training MSE, then the validation loss
import copy
import math

import torch
import torch.nn.functional as F


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
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    val_losses = []
    best_loss, best_epoch, wait = math.inf, None, 0
    best_state = copy.deepcopy(model.state_dict())
    stopped_epoch = max_epochs - 1
    for epoch in range(max_epochs):
        optimizer.zero_grad()
        F.mse_loss(model(X_train), y_train, reduction="sum").backward()
        optimizer.step()
        with torch.no_grad():
            val_loss = F.mse_loss(model(X_val), y_val).item()
        val_losses.append(val_loss)
        # A NaN fails this comparison, so it never counts as an improvement.
        if val_loss < best_loss - min_delta:
            best_loss, best_epoch, wait = val_loss, epoch, 0
            # A deep copy: state_dict() returns views that the next optimizer steps would overwrite.
            best_state = copy.deepcopy(model.state_dict())
        else:
            wait += 1
            if wait >= patience:
                stopped_epoch = epoch
                break
    model.load_state_dict(best_state)
    return {"val_losses": val_losses, "best_epoch": best_epoch, "stopped_epoch": stopped_epoch}
