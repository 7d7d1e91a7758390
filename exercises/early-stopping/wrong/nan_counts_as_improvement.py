# Mistake: tests 'not (metric >= best - min_delta)', which is True for NaN, so a NaN becomes the best score.
# Verdict: wrong_answer
# Fails: NaN never improves and counts towards patience; best stays None until the first real value
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
        if self.best_score is None:
            return True
        if self.mode == "min":
            return not metric >= self.best_score - self.min_delta
        return not metric <= self.best_score + self.min_delta

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
