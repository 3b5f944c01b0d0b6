"""A whole growth event against one training epoch, at the quick preset's defaults, measured in one run.

Trains the quick preset's starting network (ResNet-18, stream 1/8, interiors 1/64, CIFAR-10 subset) for
one epoch without growth, then times one growth event of the GrowthCallback (statistics, proposals,
line search, resize, optimizer rebuild, Ψ measured again) and prints its share of the epoch, with the
time of each phase."""
import cProfile, pstats, sys, time
import torch
from growing_nets.cli import PRESETS, check_config, make_model, make_dls, target_widths
from growing_nets.callback import GrowthCallback, EveryPair
from growing_nets.methods import TINY
from fastai.learner import Learner
from fastai.losses import CrossEntropyLossFlat
from fastai.optimizer import SGD
import fastai.callback.progress  # noqa

def main(preset='quick'):
    cfg = check_config(dict(PRESETS[preset], policy='every', seed=0))
    dls = make_dls(cfg, 'cpu')
    model = make_model(cfg, cfg['start'])
    cb = GrowthCallback(TINY(), EveryPair(every=1, start=10**9, neurons=cfg['neurons'], max_width=target_widths(cfg)),
                        stat_batches=cfg['stat_batches'], held_batches=cfg['held_batches'], measure_after=cfg['measure_after'])
    learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), opt_func=SGD, lr=cfg['lr'], cbs=cb)
    with learn.no_bar(), learn.no_logging():
        learn.fit(1)                                  # warm-up
        t = time.perf_counter(); learn.fit(1); epoch = time.perf_counter() - t
        learn('before_fit'); learn.training = True      # the callback's state, as during fit
        for b in list(dls.train)[:cb.stat_batches + cb.held_batches]: learn.xb, learn.yb = b[:1], b[1:]; cb.before_batch()
        learn.epoch, learn.train_iter = 0, 0
        prof = cProfile.Profile()
        t = time.perf_counter(); prof.enable(); cb.grow(); prof.disable(); event = time.perf_counter() - t
    print(f"preset {preset}: {len(dls.train)} training batches of {cfg['bs']}, {len(dls.valid)} validation batches")
    print(f"one training epoch (no growth): {epoch:.2f} s")
    print(f"one growth event ({len(cb.records)} layers grown): {event:.2f} s = {event / epoch:.1%} of the epoch   (target ≤ 10%)")
    st = pstats.Stats(prof)
    phases = {'statistics passes': '_collect', 'proposals (solver)': 'propose', 'line search': 'line_search',
              'resize': 'commit_growth', 'optimizer rebuild': 'rebuild_optimizer', 'FLOP count': 'count_flops'}
    for name, fn in phases.items():
        tot = sum(v[3] for k, v in st.stats.items() if k[2] == fn)
        print(f"  {name:20s} {tot:6.2f} s")

if __name__ == '__main__': main(*sys.argv[1:])
