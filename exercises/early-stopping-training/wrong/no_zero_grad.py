# Mistake: never clears the gradients, so every step uses the sum of all gradients so far.
# Verdict: wrong_answer
# Fails: Each epoch: one SGD step on the training MSE, then the validation loss
import copy
import math

import torch
import torch.nn.functional as F


def fit(model, X_train, y_train, X_val, y_val, *, lr, max_epochs, patience, min_delta=0.0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    val_losses = []
    best_loss, best_epoch, wait = math.inf, None, 0
    best_state = copy.deepcopy(model.state_dict())
    stopped_epoch = max_epochs - 1
    for epoch in range(max_epochs):
        F.mse_loss(model(X_train), y_train).backward()
        optimizer.step()
        with torch.no_grad():
            val_loss = F.mse_loss(model(X_val), y_val).item()
        val_losses.append(val_loss)
        if val_loss < best_loss - min_delta:
            best_loss, best_epoch, wait = val_loss, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            wait += 1
            if wait >= patience:
                stopped_epoch = epoch
                break
    model.load_state_dict(best_state)
    return {"val_losses": val_losses, "best_epoch": best_epoch, "stopped_epoch": stopped_epoch}
