# Mistake: starts best_score at 0.0 instead of None, so a positive loss can never improve on it.
# Verdict: wrong_answer
# Fails: The worked example: patience 2 on a loss that turns back up
# Fails: Starts with best_score, best_epoch None and should_stop False; defaults 3, 0.0, 'min'
import math


class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.best_score = 0.0
        self.best_epoch = None
        self.should_stop = False
        self._epoch = 0
        self._bad_epochs = 0

    def _improves(self, metric):
        if math.isnan(metric):
            return False
        if self.mode == "min":
            return metric < self.best_score - self.min_delta
        return metric > self.best_score + self.min_delta

    def step(self, metric) -> bool:
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        if self._improves(metric):
            self.best_score = metric
            self.best_epoch = epoch
            self._bad_epochs = 0
        else:
            self._bad_epochs += 1
            if self._bad_epochs >= self.patience:
                self.should_stop = True
        return self.should_stop
