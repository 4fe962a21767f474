"""Per-class samples of an unconditional generator, chosen by its own solver (DGR; docs/methods.md#dgr).

DGR's generator has no class input.  For FID and accuracy on generated samples of class c, generated
candidates are kept when the current solver assigns them to c, examining a bounded number of candidates per
requested image; a class the solver (almost) never predicts is given up early and reported rather than
substituted by another class's samples.
"""

import numpy as np

from introgan_tf.evaluation.generation_metrics import ClassNotGenerated
from introgan_tf.methods.common.inference import batched

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


class SolverSampler:
    """``sample(labels)`` for an unconditional generator whose own solver names the class of each image.

    Used by DGR and DGR-ig.  ``predict(z) -> labels`` (the solver's class of the generated image) and
    ``generate(z) -> images`` are the current scholar's, traced once per model by the caller.

    Args:
      z_dim: the generator's noise size.
      image_shape: of the dataset (the shape of an empty result).
      seed: the run seed (the candidates after a fixed grid's noise are drawn from it).
    """

    def __init__(self, z_dim: int, image_shape, seed: int):
        self.z_dim, self.image_shape, self.seed = z_dim, tuple(image_shape), seed
        self.store = CandidateStore(None)  # what sample() learnt about the current scholar

    def sample(self, predict, generate, key, labels: np.ndarray, rng: np.random.Generator,
               z: np.ndarray = None) -> np.ndarray:
        """Images in [-1, 1] that the current solver assigns to ``labels``.

        Generated candidates are kept for the class the solver predicts for them, examining at most
        CANDIDATES_PER_SAMPLE per requested image (see choose_noise for the early give-up).  Without ``z``
        (evaluation) the candidates come from ``rng``, surplus ones are kept for later calls with the same
        ``key`` (the scholar's state), and a class that cannot be filled raises ClassNotGenerated.  With ``z``
        (the fixed-noise grid) the candidates are the distinct rows of ``z`` followed by draws seeded by the run
        seed, and cells of a class that cannot be filled stay blank (-1): another class is never shown in its
        place.
        """
        labels = np.asarray(labels, np.int32)
        if not len(labels):
            return np.zeros((0,) + self.image_shape, np.float32)
        budget = CANDIDATES_PER_SAMPLE * len(labels)
        chunk = min(CANDIDATE_CHUNK, 2 * len(labels))  # the solver is costly: stop soon after the request is met
        if z is None:
            if self.store.key != key:  # the scholar changed: earlier predictions are stale
                self.store = CandidateStore(key)
            noise, filled, examined = choose_noise(
                predict, self.z_dim, labels, candidate_noise(rng, self.z_dim, budget, chunk), budget, self.store)
            if not filled.all():
                missing = int(labels[~filled][0])
                raise ClassNotGenerated(missing, int(np.sum(labels[filled] == missing)),
                                        int(np.sum(labels == missing)), examined)
        else:
            z = np.asarray(z, np.float32)
            _, first = np.unique(z, axis=0, return_index=True)
            chunks = candidate_noise(np.random.default_rng(self.seed), self.z_dim, budget, chunk, z[np.sort(first)])
            noise, filled, _ = choose_noise(predict, self.z_dim, labels, chunks, budget,
                                            CandidateStore(None, keep=False))
        images = batched(generate, noise, batch_size=CANDIDATE_CHUNK)
        images[~filled] = -1.0
        return images
