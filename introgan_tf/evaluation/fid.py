"""Fréchet Inception Distance from statistics, and TA-FID.

FID (Heusel et al., *GANs Trained by a Two Time-Scale Update Rule Converge to a
Local Nash Equilibrium*, NeurIPS 2017) between two Gaussians fitted to
features:

    FID = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}).

The numerical recipe follows the original IntroGAN ``utils/fid.py``
(docs/evaluation.md#fid): if ``sqrtm`` is not finite, retry with 1e-6 I added to both
covariances; drop small imaginary parts; fail if an imaginary diagonal entry
exceeds 1e-3.  Features come from ``feature_extractor.py``; this module only does the math and the
``.npz`` files.
"""

import os
import warnings
import zipfile
from typing import Sequence, Tuple

import numpy as np
from scipy import linalg

from introgan_tf.errors import InputError

SQRTM_EPS = 1e-6
IMAG_TOLERANCE = 1e-3


def statistics_from_activations(activations: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance (divisor N - 1) of features [N, D], in float64."""
    activations = np.asarray(activations, np.float64)
    if activations.ndim != 2 or activations.shape[0] < 2:
        raise ValueError(f"need activations [N >= 2, D], got shape {activations.shape}")
    return activations.mean(axis=0), np.cov(activations, rowvar=False)


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """Principal square root; a failed factorisation is reported as non-finite so the caller retries."""
    try:
        # Singular products are expected (e.g. dead features); finiteness is checked by the caller.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            return np.asarray(linalg.sqrtm(matrix))
    except (linalg.LinAlgError, ValueError):
        return np.full(matrix.shape, np.nan)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """FID between N(mu1, sigma1) and N(mu2, sigma2) (Heusel et al. 2017).

    Raises:
      ValueError: on mismatched shapes, or if the square root has an imaginary
        diagonal entry larger than 1e-3 (the statistics are not covariances).
    """
    mu1 = np.atleast_1d(np.asarray(mu1, np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(f"shape mismatch: mu {mu1.shape} vs {mu2.shape}, sigma {sigma1.shape} vs {sigma2.shape}")
    diff = mu1 - mu2
    covmean = _sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        # Near-singular product: regularise both covariances, as the original does.
        offset = np.eye(sigma1.shape[0]) * SQRTM_EPS
        covmean = _sqrtm((sigma1 + offset).dot(sigma2 + offset))
        if not np.isfinite(covmean).all():
            raise ValueError("sqrtm is not finite even with 1e-6 I added to both covariances")
    if np.iscomplexobj(covmean):
        max_imag = np.max(np.abs(np.diagonal(covmean).imag))
        if max_imag > IMAG_TOLERANCE:
            raise ValueError(f"sqrtm has an imaginary diagonal component {max_imag:.3g} > {IMAG_TOLERANCE}")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def fid_from_activations(act1: np.ndarray, act2: np.ndarray) -> float:
    """FID between two feature sets [N1, D] and [N2, D]."""
    return frechet_distance(*statistics_from_activations(act1), *statistics_from_activations(act2))


def save_stats(path: str, mu: np.ndarray, sigma: np.ndarray, sigma_dtype=np.float32) -> None:
    """Writes ``mu`` (float64) and ``sigma`` (float32 by default, to keep shipped files small) to ``.npz``."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    np.savez(path, mu=np.asarray(mu, np.float64), sigma=np.asarray(sigma, sigma_dtype))


def load_stats(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Reads ``mu`` [D] and ``sigma`` [D, D] (as float64) from an ``.npz`` file, never unpickling.

    Raises:
      InputError: one line naming the file if it is missing, unreadable,
        lacks a key, or holds arrays of inconsistent shapes.
    """
    if not os.path.isfile(path):
        raise InputError(f"{path}: FID statistics file not found (see precalc_fids/README.md to regenerate it)")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in ("mu", "sigma") if key not in data.files]
            if missing:
                raise InputError(f"{path}: FID statistics file lacks key(s) {', '.join(missing)}")
            mu = np.asarray(data["mu"], np.float64)
            sigma = np.asarray(data["sigma"], np.float64)
    except InputError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, TypeError) as error:
        raise InputError(f"{path}: not a readable FID statistics .npz file ({type(error).__name__}: {error})")
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]) or not (
            np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise InputError(f"{path}: malformed FID statistics (mu {mu.shape}, sigma {sigma.shape}, "
                         f"or non-finite values)")
    return mu, sigma


def stats_filename(original_label: int) -> str:
    """File name of one class's statistics, keyed by the ORIGINAL label plus one (docs/evaluation.md#fid)."""
    return f"fid_stats_{int(original_label) + 1}.npz"


def prefix_fids(per_session_class_fids: Sequence[Sequence[float]], nb_cl: int) -> np.ndarray:
    """FID_k(s) = mean of F_c(s) over the first k * nb_cl classes (docs/evaluation.md#ta-fid).

    Args:
      per_session_class_fids: entry s-1 lists F_c(s) for the classes seen after
        session s, in training (relabelled) order c = 0, 1, ...
      nb_cl: classes per session.

    Returns:
      float64 [T, T] array M with M[k-1, s-1] = FID_k(s), NaN where s < k.
      Prefix k has min(k * nb_cl, classes seen after session k) classes, so a
      short last session (e.g. 10 classes in steps of 3) is handled.
    """
    sessions = [np.asarray(fids, np.float64) for fids in per_session_class_fids]
    num_sessions = len(sessions)
    if num_sessions == 0:
        raise ValueError("no sessions")
    if nb_cl < 1:
        raise ValueError(f"nb_cl must be >= 1, got {nb_cl}")
    matrix = np.full((num_sessions, num_sessions), np.nan)
    for k in range(1, num_sessions + 1):
        size = min(k * nb_cl, len(sessions[k - 1]))
        if size == 0:
            raise ValueError(f"session {k} has no class FIDs")
        for s in range(k, num_sessions + 1):
            if len(sessions[s - 1]) < size:
                raise ValueError(f"session {s} has {len(sessions[s - 1])} class FIDs, prefix {k} needs {size}")
            matrix[k - 1, s - 1] = sessions[s - 1][:size].mean()
    return matrix


def ta_fid(per_session_class_fids: Sequence[Sequence[float]], nb_cl: int) -> float:
    """Time-averaged FID (docs/evaluation.md#ta-fid).

    TA-FID = (1/T) sum_k [ 1/(T-k+1) sum_{s>=k} FID_k(s) ], with FID_k(s) the
    mean of F_c(s) over the classes of task prefix k (see :func:`prefix_fids`).

    Args:
      per_session_class_fids: entry s-1 lists F_c(s), c in training order.
      nb_cl: classes per session.
    """
    matrix = prefix_fids(per_session_class_fids, nb_cl)
    return float(np.mean([np.nanmean(matrix[k]) for k in range(matrix.shape[0])]))


def end_of_session_fids(per_session_class_fids: Sequence[Sequence[float]], nb_cl: int) -> list:
    """FID_s(s) for s = 1..T (the original's ``average_fid.txt``)."""
    matrix = prefix_fids(per_session_class_fids, nb_cl)
    return [float(matrix[s, s]) for s in range(matrix.shape[0])]
