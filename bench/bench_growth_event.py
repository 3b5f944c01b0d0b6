"""A whole growth event against one training epoch, at a preset's defaults, measured in one run.

Trains the preset's starting network (ResNet-18, stream 1/8, interiors 1/64) for one epoch without growth,
then times one growth event of the GrowthCallback at the preset's statistics sample size (statistics,
proposals, normalisation, line search, resize, calibration, optimizer rebuild) and prints its share of the
epoch, with the time of each phase; then the floor of any statistics pass at that sample size: the same
statistics images through a forward pass, and a backward pass to the activations only (the gradients v every
pair needs), no weight gradient and nothing collected.
Usage: python bench/bench_growth_event.py [quick|cpu] [--device cuda]"""
import argparse, cProfile, pstats, time
import torch
from growing_nets.experiment import PRESETS, GROWTH_OPTIONS, check_config, make_model, make_dls, make_learner, target_widths
from growing_nets.callback import GrowthCallback
from growing_nets.growth import forward_mode
from growing_nets.policies import EveryPair
from growing_nets.methods import TINY
import fastai.callback.progress  # noqa

def plain_pass(learn, batches) -> float:
    "Seconds of a forward pass over `batches` in training mode and a backward pass to the activations (no weight gradient): the least a statistics pass costs."
    model, params = learn.model, [p for p in learn.model.parameters() if p.requires_grad]
    for p in params: p.requires_grad_(False)
    try:
        with forward_mode(model, train_bn=True):
            t = time.perf_counter()
            for xb, yb in batches: learn.loss_func(model(xb.requires_grad_()), yb).backward()
            return time.perf_counter() - t
    finally:
        for p in params: p.requires_grad_(True)

def main(preset='quick', device='cpu'):
    cfg = check_config(dict(PRESETS[preset], policy='every', seed=0, device=device))
    dls = make_dls(cfg, device)
    model = make_model(cfg, cfg['start'])
    opts = {k: cfg.get(k, v) for k, v in GROWTH_OPTIONS.items()}
    cb = GrowthCallback(TINY(), EveryPair(every=1, start=10**9, neurons=cfg['neurons'], max_width=target_widths(cfg)), **opts)
    learn = make_learner(cfg, dls, model, cbs=cb)
    with learn.no_bar(), learn.no_logging():
        learn.fit(1)                                  # warm-up, and a trained network to grow
        t = time.perf_counter(); learn.fit(1); epoch = time.perf_counter() - t
        learn('before_fit'); learn.training = True      # the callback's state, as during fit
        learn.epoch, learn.train_iter = 0, 0
        floor = plain_pass(learn, cb._event_batches()[0])
        prof = cProfile.Profile()
        t = time.perf_counter(); prof.enable(); cb.grow(); prof.disable(); event = time.perf_counter() - t
    print(f"preset {preset}: {len(dls.train)} training batches of {cfg['bs']}; statistics on {opts['stat_images']} images, "
          f"line search on {opts['held_images']}")
    print(f"one training epoch (no growth): {epoch:.2f} s")
    added = sum(r['neurons_added'] for r in cb.records)
    print(f"one growth event ({len(cb.records)} layers, {added} neurons added): {event:.2f} s = {event / epoch:.1%} of the epoch   (target ≤ 10%)")
    print(f"  the same images forward, and backward to the activations (no weight gradient, nothing collected): {floor:.2f} s = "
          f"{floor / epoch:.1%} of the epoch, the least a statistics pass over them can cost")
    st = pstats.Stats(prof)
    phases = {'drawing the samples': '_event_batches', 'statistics passes': 'collect_stats', 'proposals (solver)': 'propose',
              'normalisation': 'normalise_proposal', 'line search': 'line_search', 'line search and pairs kept': 'virtual_loss',
              'resize': 'commit_growth', 'BatchNorm calibration': 'calibrate_grown', 'optimizer rebuild': 'rebuild_optimizer'}
    for name, fn in phases.items():
        tot = sum(v[3] for k, v in st.stats.items() if k[2] == fn)
        print(f"  {name:24s} {tot:6.2f} s")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('preset', nargs='?', default='quick', choices=['quick', 'cpu'])
    ap.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    args = ap.parse_args()
    main(args.preset, args.device)
