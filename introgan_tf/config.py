"""Frozen experiment configuration, grouped by concept.

``flags/config_builder.py`` is the only place that reads absl flags; it builds an
:class:`ExperimentConfig` with keyword arguments.  The library only ever sees this object, so it can be used
from Python without absl.  Fields whose default differs between methods are ``None`` here ("the method's
default"); :func:`introgan_tf.methods.resolve_config` fills them from the method's declared defaults
(``methods/<name>/options.py``) and checks the combination, for the CLI and for Python users alike.  The
resolved config is written to ``results.json`` (``config``) and to TensorBoard.

Groups: ``train`` (schedule, optimiser, adversarial loss), ``growth`` (fine-tuning and growth by copy: IntroGAN,
MeRGAN-ig, the bounds), ``replay`` (pool replay), ``introgan`` (IntroGAN's prototype classifier), ``aux``
(the auxiliary-classifier terms of the AC-GAN family), ``mergan``, ``dgr``, ``acgan``, ``gan_memory`` and ``eval``.
"""

import dataclasses
from typing import Optional

from introgan_tf.data.dataset_info import DataOptions
from introgan_tf.errors import InputError

# How datasets are read (SVHN labels and extra split, LSUN categories, image size, ...): data/dataset_info.py.
DataConfig = DataOptions


# --mixed_precision -> Keras dtype policy, and the --strategy names (introgan_tf/runtime.py).
MIXED_PRECISION_POLICIES = {"off": "float32", "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
STRATEGIES = ("default", "mirrored", "multi_worker")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Optimisation and schedule (docs/methods.md, "Shared schedule")."""

    iters: Optional[int] = None           # per session; per-method default
    batch_size: Optional[int] = None      # per-method default
    test_interval: int = 500
    save_interval: int = 5000
    sample_interval: int = 2000
    adam_lr: Optional[float] = None       # per-method default
    adam_beta1: Optional[float] = None    # per-method default
    adam_beta2: Optional[float] = None    # per-method default
    adam_epsilon: float = 1e-8            # TF1's Adam, which the originals ran
    mode: Optional[str] = None            # dcgan | wgan-gp; per-method default
    critic_iters: Optional[int] = None    # per-method default
    z_dim: Optional[int] = None           # generator noise size; per-method (and image-shape) default
    dim: Optional[int] = None             # network width (the originals' `dim`); per-method default
    lambda_gp: float = 10.0
    classification_only: bool = False     # ablation of IntroGAN and MeRGAN-ig: only the classifier trains
    jit_compile: str = "auto"
    log_every: int = 1
    mixed_precision: str = "off"          # off | bf16 | fp16 (introgan_tf/runtime.py)
    strategy: str = "default"             # default | mirrored | multi_worker (tf.distribute)


@dataclasses.dataclass(frozen=True)
class GrowthConfig:
    """Fine-tuning across sessions and growth by copy with noise (IntroGAN, MeRGAN-ig, the bounds)."""

    finetune: Optional[bool] = None       # per-method default (False for the joint upper bounds)
    improved_finetune: bool = True
    improved_finetune_type: str = "v2"
    improved_finetune_noise: bool = True
    improved_finetune_noise_level: float = 0.5


@dataclasses.dataclass(frozen=True)
class ReplayConfig:
    """Pool replay: generated images of every old class join the session's training pool (IntroGAN, MeRGAN-ig)."""

    replay_per_class: Optional[int] = None  # default: the dataset's N_rep (6000 for MNIST / Fashion-MNIST)


@dataclasses.dataclass(frozen=True)
class IntroGANConfig:
    """IntroGAN's prototype classifier, its losses and its exemplars (docs/methods.md#introgan)."""

    proto_num: int = 20
    dist_func: str = "squared_l2"
    gamma: float = 0.01
    protogan_scale: float = 1.0
    protogan_scale_g: float = 0.1
    proto_weight_real: float = 0.0
    proto_weight_fake: float = 0.0
    margin: float = 0.0
    center_type: str = "rel_center"
    fixed_center_idx: int = 0
    rigorous: str = "min"
    train_rel_center: bool = False
    proto_importance: int = 1
    exemplars_dual_use: bool = True
    anti_imbalance: str = "none"


@dataclasses.dataclass(frozen=True)
class AuxClassifierConfig:
    """The auxiliary-classifier terms of the AC-GAN family (mergan_ig, mergan, acgan)."""

    class_iters: int = 1                  # mergan_ig: class steps per iteration
    acgan_scale: float = 1.0
    acgan_scale_g: Optional[float] = None  # per-method default
    use_softmax: bool = True              # mergan_ig
    diversity_promoting_weight: float = 0.0  # mergan_ig


@dataclasses.dataclass(frozen=True)
class MeRGANConfig:
    """MeRGAN, official protocol (docs/methods.md#mergan)."""

    mergan_mode: str = "ra"               # sft | jtr | ra | joint
    ra_factor: Optional[float] = None     # per-dataset default


@dataclasses.dataclass(frozen=True)
class DGRConfig:
    """Deep Generative Replay, reference protocol (docs/methods.md#dgr)."""

    replay_mode: str = "generative-replay"  # none | exact-replay | generative-replay
    importance_of_new_task: Optional[float] = None  # per-experiment default (0.3; 0.4 on mnist-svhn / svhn-mnist)
    generator_iterations: Optional[int] = None
    solver_iterations: Optional[int] = None
    weight_decay: Optional[float] = None
    dgr_ratio: float = 0.5                 # dgr_ig: weight r of the new classes' real images, 1 - r of the replay
    solver_adam_lr: Optional[float] = None  # dgr_ig: the solver's Adam (default: --adam_lr)


@dataclasses.dataclass(frozen=True)
class ACGANConfig:
    """AC-GAN as a continual baseline (docs/methods.md#acgan)."""

    joint: bool = False                   # train on every seen class (upper bound) instead of the new ones


@dataclasses.dataclass(frozen=True)
class GANMemoryConfig:
    """GAN Memory and its source GAN (docs/methods.md#gan_memory)."""

    source_checkpoint: Optional[str] = None  # gan_memory: a source directory, or random:<seed>
    width: int = 64                        # nf of the ResNet G and D (16 / 32 / 64)
    r1_gamma: float = 10.0                 # R1 weight, the original's convention (no 1/2)
    r1_every: int = 1                      # R1 every this many D steps
    ema_beta: float = 0.999
    gan_iterations: Optional[int] = None   # gan_memory: GAN iterations per task, before the classifier's
    classifier_iterations: Optional[int] = None  # gan_memory: classifier steps per task
    classifier_batch: int = 36             # real images per classifier step
    replay_batch_per_task: int = 36        # generated images per earlier task per classifier step
    classifier_lr: float = 1e-4
    # Low-rank compression of the G style (the original's compression script); None: the method's default.
    lowrank: Optional[bool] = None         # gan_memory: --gm_lowrank
    lowrank_weight: Optional[float] = None  # weight of the singular-value penalty in the G loss
    lowrank_every: Optional[int] = None    # the penalty every this many G steps
    lowrank_energy: Optional[float] = None  # one energy fraction for every G block conv (None: by layer width)


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Evaluation beyond accuracy (FID and friends); see introgan_tf/evaluation."""

    skip_fid: bool = False
    fid_samples_per_class: int = 10000
    fid_extractor: str = "domain"
    inception_weights: Optional[str] = None
    precalc_fid_dir: Optional[str] = None
    gen_eval_interval: int = 0            # also every this many iterations within a session (0: session end only)
    gen_eval_fid: bool = False            # FID at those points too (costly)


GROUPS = {"train": TrainConfig, "growth": GrowthConfig, "replay": ReplayConfig, "introgan": IntroGANConfig,
          "aux": AuxClassifierConfig, "mergan": MeRGANConfig, "dgr": DGRConfig, "acgan": ACGANConfig,
          "gan_memory": GANMemoryConfig, "eval": EvalConfig, "data": DataConfig}


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """Everything one run needs.  Built by ``flags/config_builder.py`` or by hand."""

    dataset: str = "fashion-mnist"
    method: str = "introgan"
    result_dir: str = "result/introgan/fashion-mnist_order_1"
    data_dir: Optional[str] = None
    data_source: str = "idx"
    tfds_data_dir: Optional[str] = None
    tfds_download: bool = False
    order_idx: int = 1
    nb_cl: Optional[int] = None           # per-method default
    # class-incremental, or the domain-incremental permuted MNIST of DGR (docs/design.md#scenarios).
    experiment: str = "class-incremental"
    mnist_permutation_number: int = 5
    mnist_permutation_seed: int = 0
    num_sessions: Optional[int] = None
    seed: int = 1993
    resume: bool = False
    # What a run does about faults (docs/faults.md); neither changes the numbers of a run that has none.
    nan_policy: str = "stop"              # stop | ignore: a non-finite loss ends the run (exit 3) or is ignored
    keep_checkpoints: int = 2             # checkpoints kept per session, so a corrupt one has a fallback
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
    growth: GrowthConfig = dataclasses.field(default_factory=GrowthConfig)
    replay: ReplayConfig = dataclasses.field(default_factory=ReplayConfig)
    introgan: IntroGANConfig = dataclasses.field(default_factory=IntroGANConfig)
    aux: AuxClassifierConfig = dataclasses.field(default_factory=AuxClassifierConfig)
    mergan: MeRGANConfig = dataclasses.field(default_factory=MeRGANConfig)
    dgr: DGRConfig = dataclasses.field(default_factory=DGRConfig)
    acgan: ACGANConfig = dataclasses.field(default_factory=ACGANConfig)
    gan_memory: GANMemoryConfig = dataclasses.field(default_factory=GANMemoryConfig)
    eval: EvalConfig = dataclasses.field(default_factory=EvalConfig)
    data: DataConfig = dataclasses.field(default_factory=DataConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ExperimentConfig":
        """The inverse of :meth:`to_dict`; also reads the layout of results.json files written before 0.2.

        Raises:
          InputError: naming the setting that is not one of ours.
        """
        values = _upgrade_legacy_layout(dict(values))
        try:
            for key, klass in GROUPS.items():
                if key in values:
                    values[key] = klass(**values[key])
            return cls(**values)
        except TypeError as error:  # an unknown keyword: a config of another program or version
            raise InputError(f"config: {str(error).replace('.__init__()', '')}") from None

    def replace(self, **changes) -> "ExperimentConfig":
        return dataclasses.replace(self, **changes)

    def get(self, path: str):
        """A field by its dotted path, e.g. ``"train.iters"`` or ``"nb_cl"``."""
        value = self
        for part in path.split("."):
            value = getattr(value, part)
        return value

    def replace_path(self, path: str, value) -> "ExperimentConfig":
        """A copy with the field at the dotted ``path`` set to ``value``."""
        group, _, field = path.rpartition(".")
        if not group:
            return self.replace(**{field: value})
        return self.replace(**{group: dataclasses.replace(getattr(self, group), **{field: value})})


def _upgrade_legacy_layout(values: dict) -> dict:
    """Before 0.2 the config had two catch-all groups, ``introgan`` and ``baseline``: move each field home."""
    if "baseline" not in values:
        return values
    owner = {field.name: group for group, klass in GROUPS.items() for field in dataclasses.fields(klass)}
    legacy = {**values.pop("baseline"), **values.pop("introgan", {})}
    for name, value in legacy.items():
        if name not in owner:
            raise InputError(f"config: unknown setting {name!r} in a results.json of an older version")
        values.setdefault(owner[name], {})[name] = value
    return values
