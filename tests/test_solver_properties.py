"""Randomised checks of the bottleneck and the neuron solver over many shapes, against independent computations."""
import numpy as np
import pytest
import torch
from growing_nets.bottleneck import best_update, expressivity_bottleneck
from growing_nets.solver import optimal_neurons
from growing_nets.methods import TINY, GradMax, RandomGrowth
from growing_nets.statistics import PairStats

CASES = [(n, d0, d1, d_out, singular, seed)
         for seed, (n, d0, d1, d_out, singular) in enumerate([(40, 3, 2, 1, False), (300, 12, 5, 7, False), (9, 15, 4, 3, False),
                                                              (200, 10, 6, 4, True), (120, 1, 1, 5, False), (500, 30, 0, 2, False)])]

def problem(n, d0, d1, d_out, singular, seed):
    "Samples B₂ (inputs of layer l−1, bias column), B₁ (inputs of layer l), V, and their statistics, in float64."
    rng = np.random.default_rng(seed)
    B2 = np.concatenate([rng.normal(size=(n, d0)), np.ones((n, 1))], 1)
    if singular and d0 > 2: B2[:, 2] = B2[:, 0] + B2[:, 1]
    B1 = np.concatenate([np.tanh(B2 @ rng.normal(size=(d0 + 1, d1))), np.ones((n, 1))], 1)
    V = np.sin(B2 @ rng.normal(size=(d0 + 1, d_out))) + 0.1 * rng.normal(size=(n, d_out))
    t = lambda a: torch.tensor(a, dtype=torch.float64)
    st = PairStats(S=t(B1.T @ B1 / n), M=t(B1.T @ V / n), trace_E=float((V**2).sum() / n),
                   S2=t(B2.T @ B2 / n), M2=t(B2.T @ V / n), P=t(B2.T @ B1 / n), n=n)
    return B2, B1, V, st

@pytest.mark.parametrize('case', CASES, ids=[f"n{c[0]}-d{c[1]}-{c[2]}-{c[3]}{'-singular' if c[4] else ''}" for c in CASES])
def test_bottleneck_and_neurons(case):
    B2, B1, V, st = problem(*case)
    n = len(V)
    dW, gain = best_update(st.S, st.M)
    ls = np.linalg.lstsq(B1, V, rcond=None)[0]                     # minimum-norm least squares (numpy)
    np.testing.assert_allclose(dW.numpy().T, ls, atol=1e-8)
    Vp = V - B1 @ ls
    psi = expressivity_bottleneck(st.S, st.M, st.trace_E)
    assert abs(psi - (Vp**2).sum() / n) < 1e-9
    N = B2.T @ Vp / n
    np.testing.assert_allclose(st.N.numpy(), N, atol=1e-10)
    alpha, omega, lam = optimal_neurons(st.S2, torch.tensor(N), rel_threshold=0)
    # λ: singular values of S₂^{-1/2} N, with S₂^{-1/2} from numpy's eigen-decomposition (pseudo-inverse on its range)
    e, Q = np.linalg.eigh(B2.T @ B2 / n)
    keep = e > e.max() * 1e-10
    Z = (Q[:, keep] / np.sqrt(e[keep])) @ Q[:, keep].T @ N
    sv = np.linalg.svd(Z, compute_uv=False)
    sv = sv[sv > sv[0] * 1e-10]
    np.testing.assert_allclose(lam.numpy(), sv[:len(lam)], rtol=1e-7, atol=1e-12)
    for K in range(len(lam) + 1):                                   # the residual identity, neuron by neuron
        res = ((Vp - B2 @ alpha[:K].numpy().T @ omega[:, :K].numpy().T)**2).sum() / n
        assert abs(res - (psi - float((lam[:K]**2).sum()))) < 1e-9
    assert len(lam) <= min(B2.shape[1], V.shape[1])

@pytest.mark.parametrize('case', CASES[:4])
def test_tiny_gain_bounds_baselines(case):
    *_, st = problem(*case)
    for K in (1, 2):
        t = TINY(rel_threshold=0).propose(st, max_neurons=K)
        for other in (GradMax(rel_threshold=0).propose(st, max_neurons=K), RandomGrowth(seed=case[-1]).propose(st, max_neurons=K)):
            assert other.gain <= t.gain + 1e-12

def test_thresholds_and_cap():
    *_, st = problem(300, 12, 5, 7, False, 1)
    N = st.N
    _, _, lam = optimal_neurons(st.S2, N, rel_threshold=0)
    for cap in (0, 1, 3, 100):
        assert len(optimal_neurons(st.S2, N, max_neurons=cap, rel_threshold=0)[2]) == min(cap, len(lam))
    for rel in (0.05, 0.3, 0.9):
        got = optimal_neurons(st.S2, N, rel_threshold=rel)[2]
        assert len(got) == int((lam >= rel * lam[0]).sum()) and len(got) >= 1
    with pytest.raises(ValueError, match='max_neurons'): optimal_neurons(st.S2, N, max_neurons=-1)
    with pytest.raises(ValueError, match='NaN'): optimal_neurons(st.S2, N * float('nan'))

def test_solver_is_deterministic():
    "Same statistics, same neurons: subspace iteration starts from a fixed seed."
    g = torch.Generator().manual_seed(0)
    X = torch.randn(2000, 200, generator=g)
    S2, N = X.T @ X / 2000, X.T @ torch.randn(2000, 150, generator=g) / 2000
    torch.manual_seed(1); a1 = optimal_neurons(S2, N, max_neurons=5)
    torch.manual_seed(2); a2 = optimal_neurons(S2, N, max_neurons=5)
    for x, y in zip(a1, a2): assert torch.equal(x, y)
