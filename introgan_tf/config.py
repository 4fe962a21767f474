"""Frozen experiment configuration.

``flags/config_builder.py`` is the only place that reads absl flags; it builds
an :class:`ExperimentConfig` with keyword arguments.  The library only ever
sees this object, so it can be used from Python without absl.  The whole
config is written to ``results.json`` (``config``) and to TensorBoard.
"""

import dataclasses
from typing import Optional


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Optimisation and schedule (introgan.md sections 5.2, 6, 11.2)."""

    iters: int = 10000
    batch_size: int = 100
    test_interval: int = 500
    save_interval: int = 5000
    sample_interval: int = 2000
    adam_lr: float = 2e-4
    adam_beta1: float = 0.5
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    mode: str = "dcgan"
    critic_iters: int = 1
    lambda_gp: float = 10.0
    jit_compile: str = "auto"
    log_every: int = 1


@dataclasses.dataclass(frozen=True)
class IntroGANConfig:
    """Prototype classifier, growth and replay (introgan.md sections 4, 5, 7, 8, 11.3-11.5)."""

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
    replay_per_class: Optional[int] = None  # None: the dataset's N_rep
    proto_importance: int = 1
    exemplars_dual_use: bool = True
    finetune: bool = True
    improved_finetune: bool = True
    improved_finetune_type: str = "v2"
    improved_finetune_noise: bool = True
    improved_finetune_noise_level: float = 0.5
    classification_only: bool = False
    anti_imbalance: str = "none"


@dataclasses.dataclass(frozen=True)
class BaselineConfig:
    """Hyperparameters of the baselines that IntroGAN does not have (baselines.md sections 1-4, 7).

    Values here are already resolved per method by ``flags/config_builder.py``
    (baselines.md 8.1); the dataclass defaults are those of ``mergan_ig``.
    """

    # MeRGAN-ig (2.5) and the AC-GAN terms shared by mergan / acgan.
    class_iters: int = 1
    acgan_scale: float = 1.0
    acgan_scale_g: float = 0.1
    use_softmax: bool = True
    diversity_promoting_weight: float = 0.0
    # MeRGAN, official protocol (1.3, 1.7).
    mergan_mode: str = "ra"          # sft | jtr | ra | joint
    ra_factor: float = 1e-3          # train.sh: 1e-3 MNIST/LSUN, 1e-2 SVHN (script default 1e-4)
    # Deep Generative Replay, reference protocol (3.1, 3.5).
    replay_mode: str = "generative-replay"  # none | exact-replay | generative-replay
    importance_of_new_task: float = 0.3
    generator_iterations: int = 3000
    solver_iterations: int = 1000
    weight_decay: float = 0.0       # dgr resolves to 1e-5 (its --weight-decay)
    # AC-GAN (7): train on every seen class (upper bound) instead of the new ones only.
    joint: bool = False


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Evaluation beyond accuracy (FID and friends); see introgan_tf/evaluation."""

    skip_fid: bool = True
    fid_samples_per_class: int = 10000
    fid_extractor: str = "domain"
    inception_weights: Optional[str] = None
    precalc_fid_dir: Optional[str] = None


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
    nb_cl: int = 2
    # class-incremental (introgan.md 2.2) or the domain-incremental permuted MNIST of DGR (baselines.md 3.2).
    experiment: str = "class-incremental"
    mnist_permutation_number: int = 5
    mnist_permutation_seed: int = 0
    num_sessions: Optional[int] = None
    seed: int = 1993
    resume: bool = False
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
    introgan: IntroGANConfig = dataclasses.field(default_factory=IntroGANConfig)
    eval: EvalConfig = dataclasses.field(default_factory=EvalConfig)
    baseline: BaselineConfig = dataclasses.field(default_factory=BaselineConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ExperimentConfig":
        values = dict(values)
        nested = {"train": TrainConfig, "introgan": IntroGANConfig, "eval": EvalConfig, "baseline": BaselineConfig}
        for key, klass in nested.items():
            if key in values:
                values[key] = klass(**values[key])
        return cls(**values)

    def replace(self, **changes) -> "ExperimentConfig":
        return dataclasses.replace(self, **changes)
