# Mistake: counts the wait as epoch - best_epoch, which raises TypeError while best_epoch is None (NaNs before the first real value).
# Verdict: runtime_error
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

    def step(self, metric) -> bool:
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        if not math.isnan(metric) and (
            self.best_score is None
            or (self.mode == "min" and metric < self.best_score - self.min_delta)
            or (self.mode == "max" and metric > self.best_score + self.min_delta)
        ):
            self.best_score = metric
            self.best_epoch = epoch
        # Epochs since the best one: best_epoch is None while only NaNs have been seen.
        if epoch - self.best_epoch >= self.patience:
            self.should_stop = True
        return self.should_stop
