class EarlyStopping:
    """Tells a training loop when the validation metric has stopped improving."""

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        """mode "min" (lower is better, e.g. a loss) or "max" (higher is better, e.g. accuracy);
        anything else raises ValueError. best_score and best_epoch start as None, should_stop as False."""
        raise NotImplementedError

    def step(self, metric) -> bool:
        """Record one epoch's validation metric; return True once training should stop."""
        raise NotImplementedError
