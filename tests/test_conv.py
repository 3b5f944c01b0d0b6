"Randomised checks of the convolution rows and pairs against PyTorch's own convolutions, over many geometries."
import random
import pytest
import torch
from torch import nn
import torch.nn.functional as F
from growing_nets.conv import (ConvPair, ConvPairFull, conv_geometry, conv_rows, conv_grad_rows, unfold_patches, patch_rows,
                               centre_tap_rows, offset_rows)
from growing_nets.statistics import StatsCollector

torch.set_num_threads(1)


def random_conv(rng, c_in, c_out, odd=False):
    "A Conv2d with a random geometry (kernel 1-5, possibly rectangular, stride 1-3, padding 0-2, dilation 1-2, bias or not)."
    ks = [1, 3, 5] if odd else [1, 2, 3, 4, 5]
    k = (rng.choice(ks), rng.choice(ks))
    return nn.Conv2d(c_in, c_out, k, stride=(rng.randint(1, 3), rng.randint(1, 2)), padding=(rng.randint(0, 2), rng.randint(0, 2)),
                     dilation=(rng.randint(1, 2), rng.randint(1, 2)), bias=rng.random() < 0.5).double()


@pytest.mark.parametrize('seed', range(30))
def test_rows_match_unfold_and_conv(seed):
    "Rows equal F.unfold's patches, and rows × weights is the convolution, for random geometries."
    rng, g = random.Random(seed), torch.Generator().manual_seed(seed)
    conv = random_conv(rng, 2, 3)
    x = torch.randn(2, 2, rng.randint(9, 13), rng.randint(9, 13), generator=g, dtype=torch.float64)
    k, s, p, d = conv_geometry(conv)
    ref = F.unfold(x, k, d, p, s)
    rows = conv_rows(conv, x)
    assert torch.equal(rows[:, :ref.shape[1]], ref.transpose(1, 2).reshape(-1, ref.shape[1]))
    W = conv.weight.reshape(3, -1)
    if conv.bias is not None: W = torch.cat([W, conv.bias[:, None]], 1)
    torch.testing.assert_close(rows @ W.T, conv_grad_rows(conv(x)))


@pytest.mark.parametrize('seed', range(30))
def test_new_channel_rows(seed):
    "Centre-tap rows (restricted) and offset rows (full) reproduce what new channels add when the convolutions are run."
    rng, g = random.Random(seed), torch.Generator().manual_seed(seed)
    first, second = random_conv(rng, 2, 3), random_conv(rng, 3, 4, odd=True)
    x = torch.randn(2, 2, rng.randint(27, 31), rng.randint(27, 31), generator=g, dtype=torch.float64)
    k1, s1, p1, d1 = conv_geometry(first); k2, s2, p2, d2 = conv_geometry(second)
    K, D1 = 2, 2 * k1[0] * k1[1]
    alpha = torch.randn(K, D1 + 1, generator=g, dtype=torch.float64)
    h = F.conv2d(x, alpha[:, :-1].reshape(K, 2, *k1), alpha[:, -1], s1, p1, d1)
    patches = unfold_patches(x, k1, s1, p1, d1, bias=True)
    omega = torch.randn(4, K, generator=g, dtype=torch.float64)
    centre = torch.zeros(4, K, *k2, dtype=torch.float64); centre[:, :, k2[0] // 2, k2[1] // 2] = omega
    torch.testing.assert_close(centre_tap_rows(patches, second) @ alpha.T @ omega.T, conv_grad_rows(F.conv2d(h, centre, None, s2, p2, d2)))
    full = torch.randn(4, K, *k2, generator=g, dtype=torch.float64)
    coef = torch.einsum('ki,okt->ito', alpha, full.reshape(4, K, -1)).reshape(-1, 4)
    torch.testing.assert_close(offset_rows(patches, second) @ coef, conv_grad_rows(F.conv2d(h, full, None, s2, p2, d2)))


@pytest.mark.parametrize('seed', range(10))
@pytest.mark.parametrize('Pair', [ConvPair, ConvPairFull])
def test_collector_matches_rows(seed, Pair):
    "Collected statistics equal the products of the pair's rows over the whole batch, for random geometries."
    rng, g = random.Random(seed), torch.Generator().manual_seed(seed)
    first, second = random_conv(rng, 2, 3), random_conv(rng, 3, 4, odd=True)
    net = nn.Sequential(first, nn.Tanh(), second)
    x = torch.randn(5, 2, rng.randint(27, 31), rng.randint(27, 31), generator=g, dtype=torch.float64)
    out = net(x)
    y = torch.randn(out.shape, generator=g, dtype=torch.float64)
    pair = Pair(first, second, torch.tanh)
    with StatsCollector([pair], reduction='sum', dtype=torch.float64) as sc:
        for sl in (slice(0, 2), slice(2, 5)): ((net(x[sl]) - y[sl])**2).sum().backward()
    h = torch.tanh(first(x)).detach()
    out = second(h); out.retain_grad(); ((out - y)**2).sum().backward()
    B2, B1, V = pair.first_rows(x), pair.second_rows(h), -conv_grad_rows(out.grad)
    st = sc.stats(pair)
    for got, ref in ((st.S, B1.T @ B1), (st.M, B1.T @ V), (st.S2, B2.T @ B2), (st.M2, B2.T @ V), (st.P, B2.T @ B1)):
        torch.testing.assert_close(got, ref / 5)
    torch.testing.assert_close(st.trace_E, float((V**2).sum()) / 5)
