"""Property-based checks (hypothesis, derandomized: the same cases at every run) of the math against independent float64
computations, of convolution statistics against an explicit loop over output positions, and of saving and loading grown models."""
import math
import numpy as np
import pytest
import torch
from torch import nn
import torch.nn.functional as F
from hypothesis import assume, given, settings, strategies as st
from growing_nets.bottleneck import best_update, expressivity_bottleneck
from growing_nets.solver import optimal_neurons
from growing_nets.conv import ConvPair, rows_products
from growing_nets.statistics import StatsCollector
from growing_nets.models import GrowingMLP
from growing_nets.methods import Proposal
from growing_nets.growth import commit_growth
from growing_nets.callback import keep_resizable

torch.set_num_threads(1)
SEEDED = dict(derandomize=True, deadline=None, database=None)


def problem(seed:int, n:int, d:int, d_out:int, rank:int, dtype):
    "Rows B (n, d) of rank ≤ `rank` and targets V (n, d_out), from a seed, in float64 and in `dtype`."
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, d)) * rng.uniform(0.1, 10)
    V = rng.standard_normal((n, d_out))
    return B, V, (torch.tensor(B / n**0.5, dtype=dtype), torch.tensor(V / n**0.5, dtype=dtype))


@settings(max_examples=200, **SEEDED)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 40), d=st.integers(1, 10), d_out=st.integers(1, 5), rank=st.integers(1, 10),
       dtype=st.sampled_from([torch.float64, torch.float32]))
def test_bottleneck_is_the_least_squares_residual(seed, n, d, d_out, rank, dtype):
    "Ψ is the mean squared residual of the least-squares fit of V by B, and B δW*ᵀ its projection (NumPy's lstsq, float64)."
    B, V, (Bs, Vs) = problem(seed, n, d, d_out, min(rank, n, d), dtype)
    S, M, trE = Bs.T @ Bs, Bs.T @ Vs, float((Vs.double()**2).sum())
    dW, gain = best_update(S, M)
    sol = np.linalg.lstsq(B, V, rcond=None)[0]
    proj, psi = B @ sol, float(((V - B @ sol)**2).sum()) / n
    tol = 1e-8 if dtype == torch.float64 else 2e-3
    assert abs(expressivity_bottleneck(S, M, trE) - psi) <= tol * max(trE, 1e-12) + 1e-12
    assert abs(gain - (trE - psi)) <= tol * max(trE, 1e-12) + 1e-12
    fit = (torch.tensor(B, dtype=torch.float64) @ dW.double().T).numpy()     # B δW*ᵀ, unique even where δW* is not
    assert np.abs(fit - proj).max() <= tol * 10 * max(np.abs(V).max(), 1.0)


@settings(max_examples=200, **SEEDED)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 50), d=st.integers(1, 9), d_out=st.integers(1, 6), rank=st.integers(1, 9),
       cap=st.one_of(st.none(), st.integers(0, 6)), dtype=st.sampled_from([torch.float64, torch.float32]))
def test_optimal_neurons_identities(seed, n, d, d_out, rank, cap, dtype):
    "λ are the leading singular values of S₂^(-1/2) N (NumPy, float64); αS₂αᵀ = ΩᵀΩ = diag(λ) and αNΩ = diag(λ²)."
    B2, V, (Bs, Vs) = problem(seed, n, d, d_out, min(rank, n, d), dtype)
    S2, N = Bs.T @ Bs, Bs.T @ Vs
    alpha, omega, lam = optimal_neurons(S2, N, cap, rel_threshold=0.0)
    e, Q = np.linalg.eigh(S2.double().numpy())
    keep = e > 1e-5 * e.max()                    # the stated floor on S₂'s eigenvalues, the same in both dtypes
    sv = np.linalg.svd((Q[:, keep] / np.sqrt(e[keep])).T @ N.double().numpy(), compute_uv=False)
    tol = 1e-7 if dtype == torch.float64 else 3e-3   # float32: eigenvalues near the floor carry ~eps₃₂·e_max / (1e-5·e_max) ≈ 1e-2 relative error
    K = len(lam)
    assert K <= (min(d, d_out) if cap is None else cap)
    np.testing.assert_allclose(lam.double().numpy(), sv[:K], rtol=tol, atol=tol * sv.max(initial=0.0))
    if K == 0: return
    a, w, S64, N64 = alpha.double(), omega.double(), S2.double(), N.double()
    scale = float(lam[0])
    np.testing.assert_allclose((a @ S64 @ a.T).numpy(), np.diag(lam.double().numpy()), atol=tol * 10 * scale)
    np.testing.assert_allclose((w.T @ w).numpy(), np.diag(lam.double().numpy()), atol=tol * 10 * scale)
    np.testing.assert_allclose((a @ N64 @ w).numpy(), np.diag(lam.double().numpy()**2), atol=tol * 10 * scale**2)


def rows_by_loop(x, first, second, h):
    "B_{l-2} (centre tap of `second` reading `first`'s patches), B_{l-1} (`second`'s patches) by an explicit loop over positions."
    (k1, s1, p1, d1), (k2, s2, p2, d2) = [(m.kernel_size, m.stride, m.padding, m.dilation) for m in (first, second)]
    xp, hp = F.pad(x, (p1[1], p1[1], p1[0], p1[0])), F.pad(h, (p2[1], p2[1], p2[0], p2[0]))
    H1, W1 = h.shape[2:]
    H2 = (H1 + 2 * p2[0] - d2[0] * (k2[0] - 1) - 1) // s2[0] + 1
    W2 = (W1 + 2 * p2[1] - d2[1] * (k2[1] - 1) - 1) // s2[1] + 1
    c2 = (d2[0] * (k2[0] - 1) // 2, d2[1] * (k2[1] - 1) // 2)
    patch = lambda t, i, r, q, k, d: t[i, :, r:r + d[0] * (k[0] - 1) + 1:d[0], q:q + d[1] * (k[1] - 1) + 1:d[1]].reshape(-1)
    one = lambda m: [torch.ones(1, dtype=x.dtype)] if m.bias is not None else []
    B2, B1 = [], []
    for i in range(x.shape[0]):
        for r in range(H2):
            for q in range(W2):
                hr, hq = r * s2[0] - p2[0] + c2[0], q * s2[1] - p2[1] + c2[1]       # the position of h the centre tap reads
                if 0 <= hr < H1 and 0 <= hq < W1: B2.append(torch.cat([patch(xp, i, hr * s1[0], hq * s1[1], k1, d1), *one(first)]))
                else: B2.append(torch.zeros(first.in_channels * k1[0] * k1[1] + (first.bias is not None), dtype=x.dtype))
                B1.append(torch.cat([patch(hp, i, r * s2[0], q * s2[1], k2, d2), *one(second)]))
    return torch.stack(B2), torch.stack(B1)


@settings(max_examples=60, **SEEDED)
@given(seed=st.integers(0, 2**31), k1=st.sampled_from([1, 3, 5]), k2=st.sampled_from([1, 3, 5]), s1=st.integers(1, 2), s2=st.integers(1, 2),
       p1=st.integers(0, 2), p2=st.integers(0, 2), d1=st.integers(1, 2), d2=st.integers(1, 2), bias1=st.booleans(), bias2=st.booleans(),
       size=st.integers(6, 11), shortcut=st.booleans())
def test_conv_statistics_match_an_explicit_loop(seed, k1, k2, s1, s2, p1, p2, d1, d2, bias1, bias2, size, shortcut):
    "Every statistic of a `ConvPair`, collected in two batches from correlations or from rows, equals the products of rows built position by position."
    g = torch.Generator().manual_seed(seed)
    first = nn.Conv2d(2, 3, k1, s1, p1, d1, bias=bias1).double()
    second = nn.Conv2d(3, 4, k2, s2, p2, d2, bias=bias2).double()
    x = torch.randn(3, 2, size, size, generator=g, dtype=torch.float64)
    H1 = (size + 2 * p1 - d1 * (k1 - 1) - 1) // s1 + 1
    assume(H1 >= 1 and (H1 + 2 * p2 - d2 * (k2 - 1) - 1) // s2 + 1 >= 1)
    net = nn.Sequential(first, nn.Tanh(), second)
    y = torch.randn(net(x).shape, generator=g, dtype=torch.float64)
    pair = ConvPair(first, second, torch.tanh, shortcut_positions=0 if shortcut else 10**9, shortcut_channels=0)
    with StatsCollector([pair], reduction='sum', dtype=torch.float64) as sc:
        for sl in (slice(0, 1), slice(1, 3)): ((net(x[sl]) - y[sl])**2).sum().backward()
    h = torch.tanh(first(x)).detach()
    out = second(h); out.retain_grad(); ((out - y)**2).sum().backward()
    B2, B1 = rows_by_loop(x, first, second, h)
    V = -out.grad.permute(0, 2, 3, 1).reshape(-1, 4)                         # rows in the loop's order: image, row, column
    got = sc.stats(pair)
    for name, ref in (('S', B1.T @ B1), ('M', B1.T @ V), ('S2', B2.T @ B2), ('M2', B2.T @ V), ('P', B2.T @ B1)):
        torch.testing.assert_close(getattr(got, name), ref / 3, msg=name)
    assert math.isclose(got.trace_E, float((V**2).sum()) / 3, rel_tol=1e-10)


def unfold_rows(x, k, s, p, d, bias):
    "Rows of `x`'s patches from torch's own F.unfold (one row per image and position), a column of ones last when `bias`."
    B = F.unfold(x, k, d, p, s).transpose(1, 2).reshape(-1, x.shape[1] * k[0] * k[1])
    return torch.cat([B, torch.ones(len(B), 1, dtype=x.dtype)], 1) if bias else B


@settings(max_examples=80, **SEEDED)
@given(seed=st.integers(0, 2**31), k=st.tuples(st.sampled_from([1, 2, 3, 5]), st.sampled_from([1, 3])), s=st.tuples(st.integers(1, 3), st.integers(1, 2)),
       d=st.tuples(st.integers(1, 2), st.integers(1, 2)), p=st.tuples(st.integers(0, 3), st.integers(0, 2)), size=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       k2=st.sampled_from([1, 3, 5]), s2=st.integers(1, 2), extra=st.integers(0, 1), bx=st.booleans(), by=st.booleans(), same=st.booleans())
def test_patch_products_match_unfold(seed, k, s, d, p, size, k2, s2, extra, bx, by, same):
    "Products of patch rows formed without them (`rows_products`, from correlations and by positions) equal those of F.unfold's rows, for two geometries over the same positions."
    g = torch.Generator().manual_seed(seed)
    out = [(size[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in range(2)]
    assume(min(out) >= 1)
    x = torch.randn(2, 2, *size, generator=g, dtype=torch.float64)
    gx = (k, s, p, d)
    if same: y, gy, by = x, gx, bx                                           # a Gram matrix
    else:                                                                    # stride s2, 'same'-like padding, sized to give the same positions
        gy = ((k2, k2), (s2, s2), (k2 // 2, k2 // 2), (1, 1))
        y = torch.randn(2, 3, *[(o - 1) * s2 + 1 + min(extra, s2 - 1) for o in out], generator=g, dtype=torch.float64)
    ref = unfold_rows(x, *gx, bx).T @ unfold_rows(y, *gy, by)
    for how in ('correlations', 'positions'):
        got = rows_products(x, gx, bx, y, gy, by, how)
        torch.testing.assert_close(got, ref, rtol=1e-12, atol=1e-12 * float(x.norm() * y.norm() + 1), msg=lambda m: f"{how}: {m}")


@settings(max_examples=50, **SEEDED)
@given(seed=st.integers(0, 2**31), hidden=st.lists(st.integers(0, 4), min_size=1, max_size=3), added=st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_grown_model_saves_and_loads(seed, hidden, added):
    "A GrowingMLP grown by random neurons, saved, loads into the model as first built (its layers resized) and computes the same."
    torch.manual_seed(seed)
    net, x = GrowingMLP(5, hidden, 3), torch.randn(7, 5)
    for pair, k in zip(net.pairs(), added):
        d_in = pair.first.in_features + 1
        commit_growth(pair, Proposal(torch.randn(k, d_in), torch.randn(pair.second.out_features, k), torch.ones(k), 'tiny', 1., 1., 1.), 1.0)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    fresh = keep_resizable(GrowingMLP(5, hidden, 3))
    fresh.load_state_dict(state)
    assert fresh.widths == net.widths == [h + a for h, a in zip(hidden, added)]
    torch.testing.assert_close(fresh(x), net(x), rtol=0, atol=0)
