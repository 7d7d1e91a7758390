"""White-box attacks on the early-stopping-training checks (exercises/early-stopping-training/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "early-stopping-training"
SOLUTION = exercise_file(SLUG, "solution.py")
# The reference under another name, for attacks that wrap it.
HONEST = SOLUTION.replace("def fit(", "def _honest_fit(")
# The reference without its final restore: it returns with the last epoch's weights.
NO_RESTORE = SOLUTION.replace("    model.load_state_dict(best_state)\n", "")

ATTACKS = [
    Attack(
        "parameters_method_yields_copies_of_the_best",
        "Never restores the best weights, but gives the model an instance-level parameters() that yields "
        "copies of them, so code reading the parameters back sees the best epoch's values.",
        NO_RESTORE.replace(
            '    return {"val_losses"',
            "    copies = [value.clone() for value in best_state.values()]\n"
            "    model.parameters = lambda recurse=True: iter(copies)\n"
            '    return {"val_losses"',
        ),
        "wrong_answer",
    ),
    Attack(
        "forward_of_a_best_copy",
        "Leaves the last epoch's weights in the model but routes its forward through a deep copy holding the "
        "best ones: right predictions, but the weights a second fit starts from are the wrong ones.",
        NO_RESTORE.replace(
            '    return {"val_losses"',
            "    best_model = copy.deepcopy(model)\n"
            "    best_model.load_state_dict(best_state)\n"
            "    model.forward = best_model.forward\n"
            '    return {"val_losses"',
        ),
        "wrong_answer",
    ),
    Attack(
        "honest_only_on_the_checkers_shared_memory",
        "Restores the best weights only when X_train is a view of memory PyTorch did not allocate (the "
        "checker's shared memory cannot be resized), and skips it on ordinary tensors, as in real use.",
        SOLUTION.replace(
            "    model.load_state_dict(best_state)\n",
            "    if not X_train.untyped_storage().resizable():\n        model.load_state_dict(best_state)\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "restores_the_weights_of_patience_epochs_ago",
        "Keeps the last patience + 1 states and restores the oldest, which is the best one whenever "
        "patience runs out, without tracking the best epoch's weights at all.",
        """import collections
import copy
import math

import torch
import torch.nn.functional as F


def fit(model, X_train, y_train, X_val, y_val, *, lr, max_epochs, patience, min_delta=0.0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    recent = collections.deque(maxlen=patience + 1)
    val_losses, best_loss, best_epoch, wait = [], math.inf, None, 0
    stopped_epoch = max_epochs - 1
    for epoch in range(max_epochs):
        optimizer.zero_grad()
        F.mse_loss(model(X_train), y_train).backward()
        optimizer.step()
        recent.append(copy.deepcopy(model.state_dict()))
        with torch.no_grad():
            val_loss = F.mse_loss(model(X_val), y_val).item()
        val_losses.append(val_loss)
        if val_loss < best_loss - min_delta:
            best_loss, best_epoch, wait = val_loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                stopped_epoch = epoch
                break
    model.load_state_dict(recent[0])
    return {"val_losses": val_losses, "best_epoch": best_epoch, "stopped_epoch": stopped_epoch}
""",
        "wrong_answer",
    ),
    Attack(
        "best_loss_kept_between_calls",
        "Keeps the best loss of each model (by id) between calls, as a cache, so a model fitted again "
        "compares its new losses with the first run's best.",
        SOLUTION.replace(
            "    best_loss, best_epoch, wait = math.inf, None, 0\n",
            "    best_loss, best_epoch, wait = _BEST.get(id(model), math.inf), None, 0\n",
        )
        .replace(
            "    model.load_state_dict(best_state)\n",
            "    model.load_state_dict(best_state)\n    _BEST[id(model)] = best_loss\n",
        )
        .replace("import copy\n", "import copy\n\n_BEST = {}\n", 1),
        "wrong_answer",
    ),
    Attack(
        "answers_memorised_for_the_public_example",
        "Runs the reference on the public example's data shape and returns a plausible made-up answer, "
        "without training, on anything else.",
        HONEST
        + """

def fit(model, X_train, y_train, X_val, y_val, *, lr, max_epochs, patience, min_delta=0.0):
    if tuple(X_train.shape) == (16, 2):
        return _honest_fit(
            model, X_train, y_train, X_val, y_val, lr=lr, max_epochs=max_epochs, patience=patience, min_delta=min_delta
        )
    losses = [1.0 / (epoch + 1) for epoch in range(max_epochs)]
    return {"val_losses": losses, "best_epoch": max_epochs - 1, "stopped_epoch": max_epochs - 1}
""",
        "wrong_answer",
    ),
    Attack(
        "targets_standardised_in_place_on_ordinary_tensors",
        "Standardises y_val in place (changing the losses it reports back as well) only when y_val is an "
        "ordinary tensor, never on the checker's shared memory, which it knows is read back.",
        SOLUTION.replace(
            "    optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n",
            "    if y_val.untyped_storage().resizable():\n"
            "        y_val.sub_(y_val.mean())\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "mini_batches_of_256",
        "Trains each epoch in mini-batches of 256 rows, one SGD step each: the same as one full-batch step "
        "while the training set has at most 256 rows (all the checks used to send).",
        SOLUTION.replace(
            "        optimizer.zero_grad()\n        F.mse_loss(model(X_train), y_train).backward()\n        optimizer.step()\n",
            "        for start in range(0, len(X_train), 256):\n"
            "            optimizer.zero_grad()\n"
            "            F.mse_loss(model(X_train[start : start + 256]), y_train[start : start + 256]).backward()\n"
            "            optimizer.step()\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "validation_loss_averaged_over_batches_of_64",
        "Averages the validation losses of batches of 64 rows, unweighted: the mean squared error only while "
        "the validation set has at most 64 rows (all the checks used to send) or a multiple of 64.",
        SOLUTION.replace(
            "            val_loss = F.mse_loss(model(X_val), y_val).item()\n",
            "            parts = [\n"
            "                F.mse_loss(model(X_val[start : start + 64]), y_val[start : start + 64]).item()\n"
            "                for start in range(0, len(X_val), 64)\n"
            "            ]\n"
            "            val_loss = sum(parts) / len(parts)\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "at_most_30_epochs",
        "Never trains more than 30 epochs, whatever max_epochs says (the checks used to ask for at most 25).",
        SOLUTION.replace("    for epoch in range(max_epochs):", "    for epoch in range(min(max_epochs, 30)):"),
        "wrong_answer",
    ),
    Attack(
        "one_epoch_more_with_large_patience",
        "Waits one epoch too many once patience is above 12 (the largest the checks used to ask with an early stop).",
        SOLUTION.replace("if wait >= patience:", "if wait >= patience + (patience > 12):"),
        "wrong_answer",
    ),
    Attack(
        "no_restore_after_twelve_calls",
        "Restores the best weights in the first 12 calls of a process (as many as the checks used to make), "
        "and leaves the last epoch's weights after that.",
        SOLUTION.replace("def fit(", "_CALLS = [0]\n\n\ndef fit(").replace(
            "    model.load_state_dict(best_state)\n",
            "    _CALLS[0] += 1\n    if _CALLS[0] <= 12:\n        model.load_state_dict(best_state)\n",
        ),
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "manual_sgd_and_clones",
        "No optimizer: grads set to None, the MSE as ((out - y) ** 2).mean(), p -= lr * p.grad under no_grad; patience as epochs since the last improvement; the best weights kept as cloned parameters and copied back with copy_.",
        """import math

import torch


def fit(model, X_train, y_train, X_val, y_val, *, lr, max_epochs, patience, min_delta=0.0):
    params = list(model.parameters())
    best = math.inf
    best_epoch, last_improved = 0, -1
    best_params = [p.detach().clone() for p in params]
    val_losses = []
    stopped_epoch = max_epochs - 1
    for epoch in range(max_epochs):
        for p in params:
            p.grad = None
        loss = ((model(X_train) - y_train) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p -= lr * p.grad
            val = ((model(X_val) - y_val) ** 2).mean().item()
        val_losses.append(val)
        if math.isfinite(val) and val < best - min_delta:
            best, best_epoch, last_improved = val, epoch, epoch
            best_params = [p.detach().clone() for p in params]
        elif epoch - last_improved >= patience:
            stopped_epoch = epoch
            break
    with torch.no_grad():
        for p, saved in zip(params, best_params):
            p.copy_(saved)
    return {"val_losses": val_losses, "best_epoch": best_epoch, "stopped_epoch": stopped_epoch}
""",
    ),
    Correct(
        "cloned_state_dict",
        "torch.optim.SGD with zero_grad(set_to_none=True), train()/eval() around each epoch, a while loop, the best state as a dict of cloned state_dict tensors, float() of the validation loss.",
        """import torch
import torch.nn.functional as F


def fit(model, X_train, y_train, X_val, y_val, *, lr, max_epochs, patience, min_delta=0.0):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    history = []
    best_loss = float("inf")
    best_epoch = 0
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    bad_epochs = 0
    epoch = -1
    while epoch + 1 < max_epochs:
        epoch += 1
        model.train()
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(X_train), y_train)
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(F.mse_loss(model(X_val), y_val))
        history.append(val_loss)
        if val_loss < best_loss - min_delta:
            best_loss, best_epoch, bad_epochs = val_loss, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
            if bad_epochs == patience:
                break
    model.load_state_dict(best_state)
    return {"val_losses": history, "best_epoch": best_epoch, "stopped_epoch": epoch}
""",
    ),
    Correct(
        "deepcopy_of_the_model",
        "Training loss as sum of squared residuals / numel, the validation MSE accumulated in float64, the best model kept as a deepcopy of the whole module, stopped_epoch as len(val_losses) - 1.",
        """import copy

import torch


def fit(model, X_train, y_train, X_val, y_val, *, lr, max_epochs, patience, min_delta=0.0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    best_model, best_loss, best_epoch, since_best = copy.deepcopy(model), float("inf"), 0, 0
    losses = []
    for epoch in range(max_epochs):
        model.zero_grad()
        residual = model(X_train) - y_train
        ((residual * residual).sum() / residual.numel()).backward()
        optimizer.step()
        with torch.no_grad():
            # Validation MSE accumulated in float64.
            diff = model(X_val).double() - y_val.double()
            losses.append(float((diff * diff).mean()))
        if losses[-1] < best_loss - min_delta:
            best_model, best_loss, best_epoch, since_best = copy.deepcopy(model), losses[-1], epoch, 0
        else:
            since_best += 1
            if since_best >= patience:
                break
    model.load_state_dict(best_model.state_dict())
    return {"val_losses": losses, "best_epoch": best_epoch, "stopped_epoch": len(losses) - 1}
""",
    ),
]
