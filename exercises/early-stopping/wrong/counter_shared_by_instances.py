# Mistake: keeps the count of epochs without improvement on the class (EarlyStopping._bad_epochs), so instances used at the same time share it.
# Verdict: wrong_answer
# Fails: Several instances used at once keep separate state, whatever the order of calls
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
        EarlyStopping._bad_epochs = 0

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
            EarlyStopping._bad_epochs = 0
        else:
            EarlyStopping._bad_epochs += 1
            if EarlyStopping._bad_epochs >= self.patience:
                self.should_stop = True
        return self.should_stop
