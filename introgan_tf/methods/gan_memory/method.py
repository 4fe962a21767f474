"""GAN Memory (``gan_memory``) and its source GAN (``gan_memory_source``); docs/methods.md#gan_memory.

Cong, Zhao, Li, Wang, Carin, *GAN Memory with No Forgetting*, NeurIPS 2020 (reference code
MiaoyunZhao/GANmemory_LifelongLearning, on LMescheder/GAN_stability).

``gan_memory_source`` trains the unconditional ResNet GAN (networks.py) on every seen class of its dataset
(``--nb_cl`` defaults to all classes: one session, the full training set) with GAN_stability's recipe
(model.py), and after every session writes ``<result_dir>/source/`` (source.py): the final non-EMA G and D
that GAN Memory modulates, the EMA G, and a manifest.

``gan_memory`` loads such a source (``--source_checkpoint``; ``random:<seed>`` for mechanism tests), normalises
its kernels once (modulation.py: W^ = (W - mu) / sigma), freezes it, and per task t:

1. builds a fresh style bank for G (Gamma = sigma, B = mu, b_t = 0, class bias 0: G_t starts equal to the
   source for every class), its EMA copy, a style bank for D and a fresh D head with one logit per class of the
   task; only these train (fresh Adams);
2. trains the memory for ``--gm_gan_iterations`` on the task's real images, then the lifelong classifier for
   ``--gm_classifier_iterations`` by pseudo-rehearsal from the memories of tasks 1..t-1 (model.py);
3. keeps the EMA bank as task t's memory, for good: no later step writes it, and sampling task t uses exactly
   it (the no-forgetting guarantee, by construction).  The trained bank, D's bank and head are dropped.

Per-class samples of class c come from the memory of c's task; the classifier is the export's ``classify``.

With ``--gm_lowrank`` (lowrank.py) the G step adds the singular-value penalty, and step 3 stores the SVD-compressed
EMA instead (its ranks also in ``<result_dir>/gan_memory_lowrank.json``, which a resume needs to rebuild the stored
memories' shapes); task t+1 starts at task t's compressed memory and reuses its bases.
"""

import hashlib
import json
import os

import keras
import numpy as np
import tensorflow as tf

from introgan_tf import runtime
from introgan_tf.data.pipeline import make_pool
from introgan_tf.errors import InputError
from introgan_tf.evaluation.feature_extractor import get_feature_extractor
from introgan_tf.methods.base import ContinualMethod
from introgan_tf.methods.common.inference import PerModel
from introgan_tf.methods.dgr.class_sampling import SolverSampler
from introgan_tf.methods.gan_memory import lowrank
from introgan_tf.methods.gan_memory.modulation import StyleBank, normalise_network, style_count
from introgan_tf.methods.gan_memory.model import MemoryModel, SourceModel
from introgan_tf.methods.gan_memory.networks import MemoryClassifier, ResNetDiscriminator, ResNetGenerator
from introgan_tf.methods.gan_memory.source import load_source, write_source

BYTES_PER_PARAMETER = 4  # float32
RANKS_FILE = "gan_memory_lowrank.json"
RANKS_FORMAT = "introgan_tf.gan_memory_lowrank/1"


def network_size(image_shape) -> int:
    """32 for images up to 32x32 (28x28 are padded), 64 for 64x64 images."""
    return 32 if max(image_shape[:2]) <= 32 else 64


def variables_sha256(variables) -> str:
    """sha256 over the bytes of ``variables``, in order (the no-forgetting checks compare these)."""
    digest = hashlib.sha256()
    for variable in variables:
        digest.update(np.ascontiguousarray(np.asarray(variable)).tobytes())
    return digest.hexdigest()


class GANMemorySource(ContinualMethod):
    """Pretrains the unconditional source GAN; the domain classifier names its samples' classes."""

    conditional = False  # export.py: generate(z) -> images and the domain classifier's labels

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.recipe = config.gan_memory
        self.size = network_size(info.image_shape)
        self.domain = get_feature_extractor("domain", config.dataset, config.eval.precalc_fid_dir).model
        self.networks = None  # (G, D, G_ema) of the previous session
        self.sampler = SolverSampler(ResNetGenerator.z_dim, info.image_shape, config.seed)

        def traced(name):
            return PerModel(lambda model: tf.function(getattr(model, name), input_signature=[
                tf.TensorSpec([None, ResNetGenerator.z_dim], tf.float32)]))
        self._images, self._predict = traced("generate"), traced("predict_generated")

    def fresh_networks(self):
        channels = self.info.image_shape[-1]
        generator = ResNetGenerator(self.recipe.width, channels, self.size)
        ema = ResNetGenerator(self.recipe.width, channels, self.size)
        ema.set_weights(generator.get_weights())
        return generator, ResNetDiscriminator(self.recipe.width, channels, self.size, n_out=1), ema

    def make_model(self, session, networks) -> SourceModel:
        generator, discriminator, ema = networks
        model = SourceModel(generator, discriminator, ema, self.domain, self.scenario.class_order, session.num_seen,
                            self.info.image_shape, self.config.train.batch_size, self.recipe,
                            seed=self.session_seed(session))
        model.compile(g_optimizer=self.adam(), d_optimizer=self.adam(), jit_compile=self.use_xla())
        return model

    def begin_session(self, session) -> None:
        self.timings = {}
        self.pool = make_pool([self.scenario.train_data(s) for s in self.scenario.sessions[:session.index]])
        self.model = self.make_model(session, self.networks or self.fresh_networks())

    def build_session_model(self, session) -> None:
        self.model = self.make_model(session, self.fresh_networks())

    def end_session(self, session) -> None:
        super().end_session(session)
        model = self.model
        self.networks = (model.generator, model.discriminator, model.generator_ema)
        self.source_dir = write_source(
            f"{self.config.result_dir}/source", model.generator, model.discriminator, model.generator_ema,
            dataset=self.config.dataset, width=self.recipe.width, channels=int(self.info.image_shape[-1]),
            image_size=self.size, iterations=session.index * self.config.train.iters,
            batch_size=self.config.train.batch_size, seed=self.config.seed,
            classes=[int(c) for c in session.seen_original])

    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        """EMA samples that the domain classifier assigns to ``labels`` (never another class's)."""
        return self.sampler.sample(self._predict(self.model), self._images(self.model),
                                   (id(self.model), self.iteration), labels, self.sample_rng, z)

    def summary(self) -> dict:
        return {"pool_size": self.pool_size(), "source_parameters": int(self.model.generator.count_params()),
                "source_dir": getattr(self, "source_dir", None),
                "accuracy_is": "the shipped domain classifier's (the source has no classifier)"}


class GANMemory(ContinualMethod):
    """A frozen source GAN, one AdaFM style memory per task, a classifier trained by pseudo-rehearsal."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.recipe = config.gan_memory
        self.nb_cl = config.nb_cl
        self.size = network_size(info.image_shape)
        generator, discriminator, self.source_info = load_source(
            self.recipe.source_checkpoint, self.recipe.width, int(info.image_shape[-1]), self.size, config.dataset)
        self.g_stats = normalise_network(generator)
        self.d_stats = normalise_network(discriminator)
        generator.trainable = discriminator.trainable = False
        self.generator, self.discriminator = generator, discriminator
        self.source_sha256 = self.frozen_sha256()
        self.memories = []      # StyleBank (LowRankBank with --gm_lowrank) of every finished task, in task order
        self.memory_sha256 = []  # their hashes when they were stored
        self.classifier = None
        self.lowrank = bool(self.recipe.lowrank)
        self.g_shapes = {name: sigma.shape for name, (sigma, _) in self.g_stats.items()}
        # {compressed layer: energy fraction}, and per finished task {layer: {part: basis vectors it added}}.
        self.fractions = lowrank.layer_fractions(self.g_shapes, self.recipe.lowrank_energy) if self.lowrank else {}
        self.lowrank_added = []

    def frozen_sha256(self) -> str:
        """Hash of every variable of the normalised source G and D (never written after normalisation)."""
        return variables_sha256(self.generator.weights + self.discriminator.weights)

    def new_bank(self, task: int, kind: str) -> StyleBank:
        if kind == "d":
            return StyleBank({n: s.shape for n, (s, _) in self.d_stats.items()}, initial=self.d_stats,
                             name=f"task{task}_d_style")
        if self.lowrank:  # task 1 at the source, task t at task t-1's compressed memory
            previous = self.memories[task - 2] if task > 1 else None
            bank = lowrank.training_bank(self.g_stats, self.fractions, previous, self.nb_cl, "fc",
                                         name=f"task{task}_{kind}_style")
        else:
            bank = StyleBank(self.g_shapes, self.nb_cl, "fc", initial=self.g_stats, name=f"task{task}_{kind}_style")
        if kind == "ema":
            bank.trainable = False
        return bank

    def per_task_count(self) -> int:
        """G style + class bias: sum over convs of 2 C_in C_out + C_out, 3 F for the FC, n_labels F."""
        return style_count(self.g_stats, self.nb_cl, self.g_stats["fc"][0].shape[-1])

    def make_model(self, session) -> MemoryModel:
        task = session.index
        d_head = keras.layers.Dense(self.nb_cl, name=f"task{task}_d_head")
        d_head.build((None, self.discriminator.feature_dim))
        bank, ema = self.new_bank(task, "g"), self.new_bank(task, "ema")
        if self.classifier is None:
            self.classifier = MemoryClassifier(self.info.num_classes, self.info.image_shape)
        model = MemoryModel(self.generator, self.discriminator, self.memories[:task - 1], bank, ema,
                            self.new_bank(task, "d"), d_head, self.classifier, self.nb_cl, self.info.image_shape,
                            self.recipe, self.config.train.batch_size, seed=self.session_seed(session))
        model.compile(g_optimizer=self.adam(), d_optimizer=self.adam(),
                      c_optimizer=keras.optimizers.Adam(self.recipe.classifier_lr, epsilon=1e-8),
                      jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        if len(self.memories) != session.index - 1:
            raise RuntimeError(f"task {session.index} needs {session.index - 1} stored memories, "
                               f"have {len(self.memories)}")
        self.timings = {}
        self.pool = self.scenario.train_data(session)
        self.model = self.make_model(session)

    def build_session_model(self, session) -> None:
        """Placeholders of the earlier tasks' memories and a fresh classifier, filled by the checkpoint."""
        if self.lowrank:
            self.lowrank_added = self.read_ranks(session.index - 1)
            self.memories = [lowrank.placeholder(self.g_shapes, self.lowrank_added[:t], self.nb_cl, "fc",
                                                 name=f"task{t}_memory") for t in range(1, session.index)]
        else:
            self.memories = [self.new_bank(t, "ema") for t in range(1, session.index)]
        self.memory_sha256 = []
        self.classifier = None
        self.model = self.make_model(session)

    def end_session(self, session) -> None:
        super().end_session(session)
        memory = self.model.ema_bank
        if self.lowrank:
            # Recomputed from the checkpointed EMA on a resume (the SVD is deterministic for the same values).
            memory, added = lowrank.compress(memory, self.fractions, name=f"task{session.index}_memory")
            self.lowrank_added = self.lowrank_added[:session.index - 1] + [added]
            self.write_ranks()
            self.model.store(memory)
            self._generate.model = None  # the traced generate read the EMA: trace again with the stored memory
        self.memories = self.memories[:session.index - 1] + [memory]
        self.memory_sha256 = [variables_sha256(m.weights) for m in self.memories]
        self.classifier = self.model.classifier

    def evaluates_at(self, iteration: int) -> bool:
        """Accuracy during the classifier phase only (and at the session end): the GAN phase leaves it alone."""
        return iteration > self.recipe.gan_iterations or iteration == self.config.train.iters

    # ---------------------------------------------------------------------------------------- --gm_lowrank ranks
    def ranks_path(self) -> str:
        return os.path.join(self.config.result_dir, RANKS_FILE)

    def write_ranks(self) -> None:
        """The basis vectors every finished task added, per layer (atomically: a resume reads them).

        Only the chief writes: under --strategy multi_worker every worker computes the same ranks, and the
        others read the chief's file on a resume.
        """
        if not runtime.is_chief(tf.distribute.get_strategy()):
            return
        path = self.ranks_path()
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path + ".tmp", "w") as handle:
            json.dump({"format": RANKS_FORMAT, "fractions": self.fractions, "tasks": self.lowrank_added}, handle,
                      indent=1, sort_keys=True)
        os.replace(path + ".tmp", path)

    def read_ranks(self, tasks: int) -> list:
        """The ranks of tasks 1..``tasks`` as ``write_ranks`` wrote them (InputError in one line otherwise)."""
        if tasks == 0:
            return []
        path = self.ranks_path()
        try:
            with open(path) as handle:
                data = json.load(handle)
            added = data["tasks"][:tasks]
            ok = data.get("format") == RANKS_FORMAT and len(added) == tasks and all(
                set(task) == set(self.fractions) and all(set(parts) == set(lowrank.PARTS) for parts in task.values())
                for task in added)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise InputError(f"{path}: cannot read the ranks of the compressed memories, which --resume needs "
                             f"({type(error).__name__}: {error})") from None
        if not ok:
            raise InputError(f"{path}: does not hold the ranks of tasks 1..{tasks} for the compressed layers "
                             f"{sorted(self.fractions)}; --resume needs them (resume with the same flags)")
        return [{layer: {part: int(k) for part, k in parts.items()} for layer, parts in task.items()}
                for task in added]

    def checkpoint_objects(self) -> dict:
        return dict(super().checkpoint_objects(), c_optimizer=self.model.c_optimizer)

    def summary(self) -> dict:
        """Memory per task (no compression), the source's size, and the no-forgetting hashes (results.json)."""
        stored = self.per_task_count()
        source = int(self.generator.count_params())
        banks = self.memories
        return {
            "source": self.source_info,
            "memory_per_task": {"parameters": stored, "bytes": stored * BYTES_PER_PARAMETER,
                                "source_parameters": source, "ratio_to_source": stored / source,
                                "stored_parameters_measured": int(banks[-1].parameter_count()) if banks else None},
            "memories_total_bytes": sum(b.parameter_count() for b in banks) * BYTES_PER_PARAMETER,
            "frozen_source_sha256": self.frozen_sha256(),
            "frozen_source_unchanged": self.frozen_sha256() == self.source_sha256,
            "memory_sha256": list(self.memory_sha256),
            "classifier_replay_images_per_step": self.recipe.replay_batch_per_task * (len(banks) - 1),
            **(self.lowrank_summary() if self.lowrank else {}),
        }

    def lowrank_summary(self) -> dict:
        """--gm_lowrank: the stored memory's size by the formula (it replaces ``parameters``), the uncompressed
        size, and the ranks; every memory's size (the shared basis is counted in the task that added it)."""
        units = self.g_shapes["fc"][-1]
        counts = [lowrank.stored_count(m.shapes, m.lowrank, self.nb_cl, units) for m in self.memories]
        uncompressed = self.per_task_count()
        source = int(self.generator.count_params())
        memory = {"parameters": counts[-1], "bytes": counts[-1] * BYTES_PER_PARAMETER, "source_parameters": source,
                  "ratio_to_source": counts[-1] / source, "uncompressed_parameters": uncompressed,
                  "ratio_to_uncompressed": counts[-1] / uncompressed,
                  "stored_parameters_measured": int(self.memories[-1].parameter_count())}
        last = self.memories[-1]
        return {"memory_per_task": memory, "lowrank": {
            "compressed_layers": dict(self.fractions), "weight": self.recipe.lowrank_weight,
            "every": self.recipe.lowrank_every, "added_per_task": self.lowrank_added,
            "basis_size": {layer: {part: k for part, (k, _) in parts.items()} for layer, parts in last.lowrank.items()},
            "parameters_per_task": counts}}
