"""Deep Generative Replay, reference protocol (``dgr``, baselines.md section 3).

Shin, Lee, Kim, Kim, *Continual Learning with Deep Generative Replay*, NIPS 2017,
as the unofficial ``kuc2477/pytorch-deep-generative-replay`` runs it.  A scholar
(WGAN-GP generator + critic, CNN solver with one head over every class;
dgr_networks.py) is trained task after task; the math of a task is in
dgr_model.py.  Per task (3.1):

1. the generator for ``generator_iterations`` iterations, then the solver for
   ``solver_iterations``, inside one ``fit`` of ``iters`` = their sum, on the new
   data mixed with replay (``--replay_mode``): none; ``exact-replay``, the real
   training data of every earlier task as a second stream; or
   ``generative-replay``, samples of the previous scholar's generator labelled
   by its solver;
2. at the end, a frozen copy of the scholar becomes the previous scholar.

Unlike the other methods, the networks and the three Adams are created once
and continue across tasks (3.3).  The generator is trained in every replay
mode: the original trains it only for generative replay or with
``--sample-log``; here every run has samples and generation metrics.

Runs on the class-incremental benchmark (classify: the head restricted to the
seen classes) and on permuted MNIST (data/permuted.py).  The generator is
unconditional (``conditional = False``): ``sample(labels)`` keeps the generated
images the current solver assigns to each requested class, and raises
``ClassNotGenerated`` rather than substitute another class (4.2.5).
"""

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, make_train_dataset
from introgan_tf.data.scenario import Session
from introgan_tf.errors import InputError
from introgan_tf.evaluation.generation_metrics import ClassNotGenerated
from introgan_tf.methods.base import ContinualMethod, batched
from introgan_tf.methods.dgr_model import DGRModel, FrozenScholar
from introgan_tf.models.dgr_networks import (IMAGE_SIZE, DGRCritic, DGRGenerator, DGRSolver, frozen_copy,
                                             from_scholar_space, to_scholar_space)

RNG_SAMPLES = 3  # purpose of the sampling generator (see ContinualMethod.rng), as IntroGAN
CANDIDATES_PER_SAMPLE = 50  # sample(): at most 50 generated candidates per requested image
CANDIDATE_CHUNK = 1000
BUFFER_PER_CLASS = 20000  # noise vectors of surplus candidates kept per class between sample() calls
REPLAY_MODES = {"none": None, "exact-replay": "exact", "generative-replay": "generative"}


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


class DGR(ContinualMethod):
    """Scholar = unconditional WGAN-GP + CNN solver, trained with replay (baselines.md 3)."""

    experiments = ("class-incremental", "permutated-mnist")
    conditional = False  # one generator for every class; export.py exports generate(z) -> images, labels

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        base, train = config.baseline, config.train
        if train.mode != "wgan-gp":
            raise InputError(f"--mode={train.mode}: dgr trains a WGAN-GP (its only mode)")
        if base.generator_iterations + base.solver_iterations != train.iters:
            raise InputError(f"--iters={train.iters}: dgr needs --generator_iterations + --solver_iterations "
                             f"({base.generator_iterations} + {base.solver_iterations})")
        if base.replay_mode not in REPLAY_MODES:
            raise InputError(f"--replay_mode={base.replay_mode}: expected one of {', '.join(REPLAY_MODES)}")
        if max(info.image_shape[:2]) > IMAGE_SIZE:
            raise InputError(f"--dataset={info.name}: dgr's networks take images of at most {IMAGE_SIZE}x{IMAGE_SIZE}")
        self.replay_mode = REPLAY_MODES[base.replay_mode]
        self.networks = None     # (generator, critic, solver): the scholar, continued across tasks
        self.optimizers = None   # (g, d, s) Adams, created once (3.3)
        self.previous = None     # FrozenScholar of the previous task (generative replay)
        self.session = None
        self.replay_pool = None  # exact replay: the earlier tasks' real training data
        self.sample_rng = np.random.default_rng(config.seed)
        self._traced = (None, None)  # (model, (predict fn, images fn))
        self._classify_fn = (None, None)  # (model, its traced logits function)
        self._store = CandidateStore(None)  # sample()'s memory for the current scholar

    # ---------------------------------------------------------------------------------------- helpers
    def new_networks(self):
        channels = self.info.image_shape[-1]
        return DGRGenerator(channels), DGRCritic(channels), DGRSolver(self.info.num_classes, channels)

    def make_model(self, session: Session, replay) -> DGRModel:
        model = DGRModel(*self.networks, self.config.baseline, self.config.train, replay=replay,
                         previous=self.previous if replay == "generative" else None,
                         seed=self.config.seed + session.index)
        model.compile(*self.optimizers, jit_compile=self.use_xla())
        return model

    def start(self, session: Session, fresh: bool) -> None:
        """Creates the scholar and the optimisers (first task, or a model about to be restored)."""
        self.session = session
        if fresh or self.networks is None:
            self.networks = self.new_networks()
            self.optimizers = (self.adam(), self.adam(), self.adam())

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session: Session) -> None:
        self.timings = {}
        self.start(session, fresh=False)
        self.pool = make_pool([self.scenario.train_data(session)])
        self.replay_pool = None
        if self.replay_mode == "exact" and session.index > 1:
            earlier = self.scenario.sessions[:session.index - 1]
            self.replay_pool = make_pool([self.scenario.train_data(s) for s in earlier])
        self.model = self.make_model(session, self.replay_mode if session.index > 1 else None)

    def build_session_model(self, session: Session) -> None:
        # Only restored into (a later begin_session builds the model that trains): no replay needed.
        self.start(session, fresh=True)
        self.model = self.make_model(session, replay=None)

    def end_session(self, session: Session) -> None:
        self.session = session
        self.sample_rng = self.rng(session, RNG_SAMPLES)
        self.networks = (self.model.generator, self.model.critic, self.model.solver)
        if self.replay_mode == "generative":
            generator, _, solver = self.networks
            self.previous = FrozenScholar(frozen_copy(generator), frozen_copy(solver), session.num_seen)

    def train_dataset(self, session: Session, seed: int) -> tf.data.Dataset:
        """New batches; with exact replay each element also holds as many replay rows (dgr_model.py)."""
        new = super().train_dataset(session, seed)
        if self.replay_pool is None:
            return new
        replay = make_train_dataset(*self.replay_pool, self.elements_per_step(), seed + 7919)
        return tf.data.Dataset.zip(new, replay).map(
            lambda a, b: (tf.concat([a[0], b[0]], 0), tf.concat([a[1], b[1]], 0)))

    def elements_per_step(self) -> int:
        return self.config.train.critic_iters * self.config.train.batch_size

    def checkpoint_objects(self) -> dict:
        g_optimizer, d_optimizer, s_optimizer = self.optimizers
        objects = {"model": self.model, "g_optimizer": g_optimizer, "d_optimizer": d_optimizer,
                   "s_optimizer": s_optimizer}
        if self.previous is not None:  # generative replay after a task
            objects.update(previous_generator=self.previous.generator, previous_solver=self.previous.solver)
        return objects

    def summary(self) -> dict:
        return {"replay_mode": self.config.baseline.replay_mode,
                "replay": self.model.replay or "none",
                "pool_size": int(len(self.pool[0])) if self.pool is not None else 0,
                "replay_pool_size": int(len(self.replay_pool[0])) if self.replay_pool is not None else 0,
                "optimizer_steps": {name: int(optimizer.iterations.numpy())
                                    for name, optimizer in zip("gds", self.optimizers)}}

    # ---------------------------------------------------------------------------------------- inference
    def traced(self):
        """(predict(z) -> labels over the seen classes, images(z) -> [-1, 1] images), traced once per model."""
        model, functions = self._traced
        if model is not self.model:
            model, seen, shape = self.model, self.session.num_seen, self.info.image_shape

            def images_fn(z):
                return from_scholar_space(model.generator(z, training=False), shape)

            def predict_fn(z):  # the label a user of sample()/generate() would get: classify(images)
                logits = model.solver(to_scholar_space(images_fn(z)), training=False)[:, :seen]
                return tf.argmax(logits, axis=-1, output_type=tf.int32)

            signature = [tf.TensorSpec([None, self.z_dim], tf.float32)]  # one trace for every batch size
            functions = (tf.function(predict_fn, input_signature=signature),
                         tf.function(images_fn, input_signature=signature))
            self._traced = (model, functions)
        return functions

    def classify(self, images: np.ndarray) -> np.ndarray:
        model, fn = self._classify_fn
        if model is not self.model:  # trace once per task's model
            model, seen = self.model, self.session.num_seen
            fn = tf.function(lambda x: model(x, training=False)[:, :seen], reduce_retracing=True)
            self._classify_fn = (model, fn)
        return batched(fn, images)

    def candidate_noise(self, rng, budget: int, chunk: int, first=None):
        """Chunks of candidate noise: ``first`` (if given), then draws from ``rng``; ``budget`` vectors in all."""
        if first is not None:
            first = first[:budget]
            budget -= len(first)
            yield first
        while budget > 0:
            size = min(chunk, budget)
            budget -= size
            yield rng.standard_normal((size, self.z_dim)).astype(np.float32)

    def choose_noise(self, labels: np.ndarray, chunks, budget: int, store: "CandidateStore"):
        """For each requested label, noise whose image the current solver assigns to that label.

        Candidates are examined chunk by chunk, up to ``budget``.  A class is
        given up early when, at its frequency among every candidate examined for
        this scholar (add-one smoothed), the rest of the budget would not fill it:
        a class the generator (almost) never produces costs little to establish.

        Returns (noise [N, z_dim], filled [N] bool, candidates examined in this call).
        """
        predict, _ = self.traced()
        noise = np.zeros((len(labels), self.z_dim), np.float32)
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

    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        """Images in [-1, 1] that the current solver assigns to ``labels`` (an unconditional generator).

        Generated candidates are kept for the class the solver predicts for them,
        examining at most CANDIDATES_PER_SAMPLE per requested image (see
        choose_noise for the early give-up).  Without ``z`` (evaluation) the
        candidates come from the session's sampling generator, surplus ones are
        kept for later calls, and a class that cannot be filled raises
        ClassNotGenerated.  With ``z`` (the fixed-noise grid) the candidates are
        the distinct rows of ``z`` followed by draws seeded by the run seed, and
        cells of a class that cannot be filled stay blank (-1): another class is
        never shown in its place.
        """
        labels = np.asarray(labels, np.int32)
        if not len(labels):
            return np.zeros((0,) + tuple(self.info.image_shape), np.float32)
        budget = CANDIDATES_PER_SAMPLE * len(labels)
        chunk = min(CANDIDATE_CHUNK, 2 * len(labels))  # the solver is costly: stop soon after the request is met
        _, images_fn = self.traced()
        if z is None:
            key = (id(self.model), self.iteration)
            if self._store.key != key:  # the scholar changed: earlier predictions are stale
                self._store = CandidateStore(key)
            noise, filled, examined = self.choose_noise(
                labels, self.candidate_noise(self.sample_rng, budget, chunk), budget, self._store)
            if not filled.all():
                missing = int(labels[~filled][0])
                raise ClassNotGenerated(missing, int(np.sum(labels[filled] == missing)),
                                        int(np.sum(labels == missing)), examined)
        else:
            z = np.asarray(z, np.float32)
            _, first = np.unique(z, axis=0, return_index=True)
            chunks = self.candidate_noise(np.random.default_rng(self.config.seed), budget, chunk, z[np.sort(first)])
            noise, filled, _ = self.choose_noise(labels, chunks, budget, CandidateStore(None, keep=False))
        images = np.concatenate([np.asarray(images_fn(noise[i:i + CANDIDATE_CHUNK]))
                                 for i in range(0, len(noise), CANDIDATE_CHUNK)])
        images[~filled] = -1.0
        return images

    def export_functions(self):
        """(generate(z) -> images in [-1, 1], classify(images) -> logits over the seen classes)."""
        model, seen, shape = self.model, self.session.num_seen, self.info.image_shape
        return (lambda z: from_scholar_space(model.generator(z, training=False), shape),
                lambda images: model(images, training=False)[:, :seen])
