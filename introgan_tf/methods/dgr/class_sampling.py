"""Per-class samples of an unconditional generator, chosen by its own solver (DGR; docs/methods.md#dgr).

DGR's generator has no class input.  For FID and accuracy on generated samples of class c, generated
candidates are kept when the current solver assigns them to c, examining a bounded number of candidates per
requested image; a class the solver (almost) never predicts is given up early and reported rather than
substituted by another class's samples.
"""

import numpy as np

CANDIDATES_PER_SAMPLE = 50  # at most 50 generated candidates per requested image
CANDIDATE_CHUNK = 1000
BUFFER_PER_CLASS = 20000  # noise vectors of surplus candidates kept per class between calls


class CandidateStore:
    """What sample() has learnt about one scholar: surplus noise per predicted class and class frequencies.

    Args:
      key: identifies the scholar state (model, iteration) the predictions belong to.
      keep: whether surplus candidates are kept for later calls.
    """

    def __init__(self, key, keep: bool = True):
        self.key, self.keep_surplus = key, keep
        self.noise = {}    # class -> list of noise vectors the solver assigns to it, not handed out yet
        self.counts = {}   # class -> candidates predicted as that class
        self.examined = 0  # candidates examined

    def take(self, label: int, count: int) -> np.ndarray:
        stored = self.noise.get(label, [])
        taken, self.noise[label] = stored[:count], stored[count:]
        return np.stack(taken) if taken else np.zeros((0,))

    def keep(self, label: int, rows: np.ndarray) -> None:
        if self.keep_surplus:
            stored = self.noise.setdefault(label, [])
            stored.extend(rows[:max(0, BUFFER_PER_CLASS - len(stored))])



def candidate_noise(rng, z_dim: int, budget: int, chunk: int, first=None):
    """Chunks of candidate noise: ``first`` (if given), then draws from ``rng``; ``budget`` vectors in all."""
    if first is not None:
        first = first[:budget]
        budget -= len(first)
        yield first
    while budget > 0:
        size = min(chunk, budget)
        budget -= size
        yield rng.standard_normal((size, z_dim)).astype(np.float32)

def choose_noise(predict, z_dim: int, labels: np.ndarray, chunks, budget: int, store: CandidateStore):
    """For each requested label, noise whose image the current solver assigns to that label.

    ``predict(z) -> labels`` is the solver's prediction for the generated images of ``z``.

    Candidates are examined chunk by chunk, up to ``budget``.  A class is
    given up early when, at its frequency among every candidate examined for
    this scholar (add-one smoothed), the rest of the budget would not fill it:
    a class the generator (almost) never produces costs little to establish.

    Returns (noise [N, z_dim], filled [N] bool, candidates examined in this call).
    """
    noise = np.zeros((len(labels), z_dim), np.float32)
    pending = {int(c): list(np.flatnonzero(labels == c)) for c in np.unique(labels)}
    for label, positions in pending.items():
        take = store.take(label, len(positions))
        if len(take):
            noise[positions[:len(take)]] = take
            del positions[:len(take)]
    examined = 0
    for z in chunks:
        remaining = budget - examined
        hopeful = [label for label, positions in pending.items() if positions and
                   len(positions) <= remaining * (store.counts.get(label, 0) + 1) / max(store.examined, 1)]
        if not hopeful:
            break
        predicted = np.asarray(predict(z))
        examined += len(z)
        store.examined += len(z)
        for label in np.unique(predicted):
            rows = z[predicted == label]
            store.counts[int(label)] = store.counts.get(int(label), 0) + len(rows)
            positions = pending.get(int(label), [])
            take = min(len(rows), len(positions))
            noise[positions[:take]] = rows[:take]
            del positions[:take]
            store.keep(int(label), rows[take:])
    filled = np.ones(len(labels), bool)
    for positions in pending.values():
        filled[positions] = False
    return noise, filled, examined

