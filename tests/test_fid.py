"""FID math, statistics files and TA-FID (introgan_tf/evaluation/fid.py)."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from introgan_tf.errors import InputError  # noqa: E402
from introgan_tf.evaluation import fid  # noqa: E402


def _random_spd(rng, dim):
    a = rng.normal(size=(dim, 3 * dim))
    return a @ a.T / (3 * dim) + 0.1 * np.eye(dim)


def _reference_fid(mu1, s1, mu2, s2):
    """Independent reference: Tr (S1 S2)^{1/2} = sum of sqrt of the eigenvalues of S1 S2 (real, >= 0 for SPD)."""
    eig = np.linalg.eigvals(s1 @ s2)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.sum(np.sqrt(np.abs(eig.real))))


def test_frechet_distance_matches_eigenvalue_reference():
    rng = np.random.default_rng(0)
    for dim in (1, 4, 16):
        mu1, mu2 = rng.normal(size=dim), rng.normal(size=dim)
        s1, s2 = _random_spd(rng, dim), _random_spd(rng, dim)
        assert fid.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_reference_fid(mu1, s1, mu2, s2),
                                                                       rel=1e-8, abs=1e-8)


def test_frechet_distance_diagonal_closed_form_and_zero():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert fid.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)
    assert fid.frechet_distance(mu1, np.diag(a), mu1, np.diag(a)) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def test_non_finite_sqrtm_retries_with_offset(monkeypatch):
    real_sqrtm = fid._sqrtm
    calls = []

    def flaky(matrix):
        calls.append(matrix.copy())
        return np.full(matrix.shape, np.nan) if len(calls) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(fid, "_sqrtm", flaky)
    value = fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))
    assert len(calls) == 2
    np.testing.assert_allclose(calls[1], (1 + fid.SQRTM_EPS) ** 2 * np.eye(2))
    assert value == pytest.approx(0.0, abs=1e-5)


def test_large_imaginary_diagonal_fails(monkeypatch):
    monkeypatch.setattr(fid, "_sqrtm", lambda m: np.eye(len(m)) * (1 + 0.01j))
    with pytest.raises(ValueError, match="imaginary"):
        fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))
    # A tiny imaginary part is dropped.
    monkeypatch.setattr(fid, "_sqrtm", lambda m: np.eye(len(m)) * (1 + 1e-6j))
    assert fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2)) == pytest.approx(0.0)


def test_singular_covariances_give_finite_value():
    sigma = np.diag([1.0, 0.0, 0.0])
    assert np.isfinite(fid.frechet_distance(np.zeros(3), sigma, np.ones(3), sigma))


def test_statistics_are_unbiased_and_fid_from_activations():
    rng = np.random.default_rng(1)
    act = rng.normal(size=(50, 5))
    mu, sigma = fid.statistics_from_activations(act)
    centred = act - act.mean(axis=0)
    np.testing.assert_allclose(mu, act.mean(axis=0))
    np.testing.assert_allclose(sigma, centred.T @ centred / 49)
    assert fid.fid_from_activations(act, act) == pytest.approx(0.0, abs=1e-8)
    assert fid.fid_from_activations(act, act + 2.0) == pytest.approx(5 * 4.0, rel=1e-6)
    with pytest.raises(ValueError):
        fid.statistics_from_activations(act[:1])


def test_stats_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    mu, sigma = rng.normal(size=4), _random_spd(rng, 4)
    path = str(tmp_path / "sub" / fid.stats_filename(0))
    assert path.endswith("fid_stats_1.npz")
    fid.save_stats(path, mu, sigma)
    mu2, sigma2 = fid.load_stats(path)
    assert mu2.dtype == np.float64 and sigma2.dtype == np.float64
    np.testing.assert_allclose(mu2, mu)
    np.testing.assert_allclose(sigma2, sigma, rtol=1e-6)  # sigma is shipped as float32


@pytest.mark.parametrize("kind", ["missing", "not_npz", "no_sigma", "bad_shape", "pickled", "nan"])
def test_stats_errors_are_one_line_input_errors(tmp_path, kind):
    path = tmp_path / "fid_stats_3.npz"
    if kind == "not_npz":
        path.write_text("hello")
    elif kind == "no_sigma":
        np.savez(path, mu=np.zeros(3))
    elif kind == "bad_shape":
        np.savez(path, mu=np.zeros(3), sigma=np.zeros((2, 2)))
    elif kind == "pickled":
        np.savez(path, mu=np.array([{"a": 1}], dtype=object), sigma=np.eye(1))
    elif kind == "nan":
        np.savez(path, mu=np.full(2, np.nan), sigma=np.eye(2))
    with pytest.raises(InputError) as info:
        fid.load_stats(str(path))
    message = str(info.value)
    assert str(path) in message and "\n" not in message


def test_ta_fid_hand_example():
    # nb_cl = 1: FID_1(1) = 10, FID_1(2) = 20, FID_2(2) = (20 + 40) / 2 = 30.
    # TA-FID = mean(mean(10, 20), 30) = 22.5.
    per_session = [[10.0], [20.0, 40.0]]
    assert fid.ta_fid(per_session, nb_cl=1) == pytest.approx(22.5)
    assert fid.end_of_session_fids(per_session, nb_cl=1) == [10.0, 30.0]
    # nb_cl = 2, three sessions.
    per_session = [[1, 3], [2, 4, 6, 8], [3, 5, 7, 9, 11, 13]]
    k1 = np.mean([2, 3, 4])        # FID_1(1..3) = 2, 3, 4
    k2 = np.mean([5, 6])           # FID_2(2) = 5, FID_2(3) = 6
    k3 = 8.0                       # FID_3(3)
    assert fid.ta_fid(per_session, nb_cl=2) == pytest.approx(np.mean([k1, k2, k3]))
    matrix = fid.prefix_fids(per_session, nb_cl=2)
    assert np.isnan(matrix[1, 0]) and matrix[0, 2] == pytest.approx(4.0)


def test_ta_fid_rejects_short_sessions():
    with pytest.raises(ValueError):
        fid.ta_fid([[1.0, 2.0], [3.0]], nb_cl=2)
    with pytest.raises(ValueError):
        fid.ta_fid([], nb_cl=2)
