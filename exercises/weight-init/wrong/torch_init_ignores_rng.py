# Mistake: calls torch.nn.init on a fresh tensor without a generator, so torch's global generator decides the weights and rng is ignored.
# Verdict: wrong_answer
# Fails: Randomness comes from rng alone: the same seed gives the same weights in a fresh process
import torch


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    return torch.nn.init.xavier_uniform_(torch.empty(fan_out, fan_in), gain=gain).numpy()


def he_normal(fan_in, fan_out, rng):
    return torch.nn.init.kaiming_normal_(torch.empty(fan_out, fan_in), mode="fan_in", nonlinearity="relu").numpy()
