# Mistake: never resets the count after an improvement, so it stops after patience bad epochs in total, not in a row.
# Verdict: wrong_answer
# Fails: mode='max' for metrics where higher is better
import math


class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.best_score = None
        self.best_epoch = None
        self.should_stop = False
        self._epoch = 0
        self._bad_epochs = 0

    def _improves(self, metric):
        if math.isnan(metric):
            return False
        if self.best_score is None:
            return True
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
        else:
            self._bad_epochs += 1
            if self._bad_epochs >= self.patience:
                self.should_stop = True
        return self.should_stop
