"""Growth across processes: two processes of a gloo group on this CPU.

Each test starts its processes with `run_distributed`; the workers write what they computed to files,
which the test compares with an independent single-process computation."""
import os, time
from functools import partial
import pytest
import torch
from torch import nn
import torch.distributed as dist
from growing_nets.core import run_distributed, seed_everything
from growing_nets.test_utils import synth_regression, synth_images
from growing_nets.models import GrowingMLP, GrowingResNet
from growing_nets.statistics import StatsCollector
from growing_nets.growth import collect_stats, grow_step
from growing_nets.methods import TINY

pytestmark = pytest.mark.skipif(not dist.is_available(), reason='torch.distributed is not available')

def mlp():
    torch.manual_seed(0)
    return GrowingMLP(6, [3, 2], 3, act='tanh')

def resnet():
    torch.manual_seed(0)
    return GrowingResNet([4, 4, 4, 4], [1] * 8, n_classes=4)

STAT_KEYS = ('S', 'M', 'S2', 'M2', 'P')

def widths(model): return [p.width for p in model.pairs()]

def _stats_worker(out):
    rank = dist.get_rank()
    x, y = synth_regression(96, d_in=6, d_out=3)
    model = mlp()
    pairs = model.pairs()
    sc = collect_stats(model, pairs, nn.MSELoss(), [(x[rank * 48:(rank + 1) * 48], y[rank * 48:(rank + 1) * 48])])
    torch.save([{**{k: getattr(sc.stats(p), k) for k in STAT_KEYS}, 'trace_E': sc.stats(p).trace_E, 'n': sc.stats(p).n} for p in pairs],
               os.path.join(out, f'stats{rank}.pt'))

def test_all_reduced_statistics_are_those_of_the_union(tmp_path):
    "(a) Statistics all-reduced over two processes, each on half the batch, equal one process's statistics of both halves (1e-6 relative)."
    run_distributed(_stats_worker, 2, str(tmp_path))
    x, y = synth_regression(96, d_in=6, d_out=3)
    model = mlp()
    pairs = model.pairs()
    sc = collect_stats(model, pairs, nn.MSELoss(), [(x[:48], y[:48]), (x[48:], y[48:])])   # one process, both shards
    for rank in (0, 1):
        got = torch.load(tmp_path / f'stats{rank}.pt')
        for p, g in zip(pairs, got):
            ref = sc.stats(p)
            assert g['n'] == ref.n == 96
            assert abs(g['trace_E'] - ref.trace_E) <= 1e-6 * ref.trace_E
            for k in STAT_KEYS:
                torch.testing.assert_close(g[k], getattr(ref, k), rtol=1e-6, atol=1e-6 * float(getattr(ref, k).abs().max()))


def _growth_worker(out):
    rank = dist.get_rank()
    x, y = synth_images(128, size=8, n_classes=4)
    shard = slice(rank * 64, (rank + 1) * 64)
    xs, ys = x[shard], y[shard]
    model = resnet()
    model.train()
    with torch.no_grad(): model(xs)                  # BatchNorm running statistics differ between the processes' shards ...
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d): torch.distributed.all_reduce(m.running_mean); m.running_mean /= 2; torch.distributed.all_reduce(m.running_var); m.running_var /= 2
    ev = grow_step(model, model.pairs(), TINY(), nn.CrossEntropyLoss(), [(xs[:48], ys[:48])], [(xs[48:], ys[48:])],
                   room=[2] * 8, min_decrease=None)  # ... and are made equal, as DistributedDataParallel keeps them
    torch.save(dict(state=model.state_dict(), widths=widths(model), records=ev['records']), os.path.join(out, f'grown{rank}.pt'))

def test_growth_leaves_the_processes_with_identical_models(tmp_path):
    "(b) After a growth event on two shards, the two processes' models are identical, parameter by parameter and buffer by buffer."
    run_distributed(_growth_worker, 2, str(tmp_path))
    a, b = (torch.load(tmp_path / f'grown{r}.pt', weights_only=False) for r in (0, 1))
    assert a['widths'] == b['widths'] and a['widths'] != [1] * 8, a['widths']      # grown, the same way
    assert a['state'].keys() == b['state'].keys()
    for k in a['state']: assert torch.equal(a['state'][k], b['state'][k]), k
    assert [r['gamma'] for r in a['records']] == [r['gamma'] for r in b['records']]


def _fit_worker(out):
    from fastai.basics import Learner, SGD, accuracy
    import fastai.distributed  # noqa: adds `Learner.distrib_ctx`
    from fastai.losses import CrossEntropyLossFlat
    from growing_nets.data import synth_dls
    from growing_nets.callback import GrowthCallback, EveryPair, save_grown, main_process
    rank = dist.get_rank()
    seed_everything(0)
    dls = synth_dls(*synth_images(256, size=8, n_classes=4), bs=32, seed=0, device='cpu')
    learn = Learner(dls, resnet(), loss_func=CrossEntropyLossFlat(), opt_func=partial(SGD, mom=0.9), lr=0.05, metrics=accuracy,
                    cbs=GrowthCallback(TINY(), EveryPair(every=1, neurons=1), stat_images=64, held_images=32, min_decrease=None))
    with learn.no_bar(), learn.no_logging(), learn.distrib_ctx(sync_bn=False, cpu=True): learn.fit(3)
    assert not isinstance(learn.model, nn.parallel.DistributedDataParallel)
    xb = synth_images(8, size=8, n_classes=4, seed=5)[0]
    learn.model.eval()
    with torch.no_grad(): yb = learn.model(xb)
    torch.save(dict(widths=widths(learn.model), out=yb, events=len(learn.growth.history)), os.path.join(out, f'fit{rank}.pt'))
    if main_process(): save_grown(learn, os.path.join(out, 'grown.pth'))

def test_two_process_fit_grows_and_reloads_in_one_process(tmp_path):
    "(c) A 2-process `fit` with growth inside fastai's `distrib_ctx` runs end to end; its grown model reloads in one process and computes the same outputs."
    from growing_nets.callback import load_grown
    from fastai.basics import Learner
    run_distributed(_fit_worker, 2, str(tmp_path))
    a, b = (torch.load(tmp_path / f'fit{r}.pt', weights_only=False) for r in (0, 1))
    assert a['widths'] == b['widths'] and sum(a['widths']) > 8 and a['events'] > 0, a
    torch.testing.assert_close(a['out'], b['out'], rtol=0, atol=0)
    learn = Learner(None, resnet(), loss_func=nn.CrossEntropyLoss())   # a fresh 1-neuron model, one process
    load_grown(learn, tmp_path / 'grown.pth')
    assert widths(learn.model) == a['widths']
    learn.model.eval()
    with torch.no_grad(): out = learn.model(synth_images(8, size=8, n_classes=4, seed=5)[0])
    torch.testing.assert_close(out, a['out'], rtol=0, atol=0)


def _failing_worker():
    if dist.get_rank() == 1: raise RuntimeError('rank 1 fails before the growth event')
    model = mlp()
    collect_stats(model, model.pairs(), nn.MSELoss(), [synth_regression(16, d_in=6, d_out=3)])   # waits for rank 1 in all_reduce
    time.sleep(600)

def test_a_failing_process_stops_the_others(tmp_path):
    "(d) When one process fails, the other, waiting in a collective, is stopped and the error is raised: within seconds, not a hang."
    t0 = time.perf_counter()
    # its error, or the other's: gloo words a vanished peer as 'remote worker crashing' or '... hanging' ('Connection reset by peer')
    with pytest.raises(Exception, match='rank 1 fails before the growth event|remote worker (crashing|hanging)'):
        run_distributed(_failing_worker, 2, timeout=60)
    assert time.perf_counter() - t0 < 60
