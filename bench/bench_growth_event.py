"""What a growth event costs, against one training epoch, at a preset's defaults, measured in one run.

Trains the preset's starting network (ResNet-18, stream 1/8, interiors 1/64) for one epoch without growth, then
grows copies of that network once for each way of collecting the statistics, and prints each event's share of
the epoch with the time of its phases:

- `pass`: a pass of their own over `stat_images` images drawn afresh (forward and backward, hooks collecting);
- `steps`: hooks on the training steps of the last `stat_images` images before the point (`stats_from='steps'`).
  The event's cost is then its own time plus every extra second the hooks add to those training steps, measured
  as the same number of training steps timed with and without the hooks;
- each with every position of the feature maps, or at most `--positions` of each image (`StatsCollector`'s `positions`;
  several values: one set of events each);
- TINY as the paper has it (amplitude by line search), and TINY with zero fan-outs (function-preserving: no line search).

Also printed: the floor of any separate statistics pass (the same images forward, and backward to the
activations only, nothing collected); the arithmetic of the statistics themselves (their GFLOP over the event's
images, counted by torch's FlopCounterMode on one batch of them, the floor's subtracted) and the least time it
takes at the throughput of a float32 matmul timed in the same run; and the spread of the held loss that decides
the line search.
Usage: python bench/bench_growth_event.py [quick|cpu] [--positions 16 64] [--device cuda]"""
import argparse, copy, cProfile, math, pstats, time
import torch
from growing_nets.experiment import PRESETS, GROWTH_OPTIONS, check_config, make_model, make_dls, make_learner, target_widths
from growing_nets.callback import GrowthCallback, _take_images
from growing_nets.growth import collect_stats
from growing_nets.modes import forward_mode, weights_frozen
from growing_nets.step_stats import StatsWindow
from growing_nets.policies import EveryPair
from growing_nets.methods import TINY
import fastai.callback.progress  # noqa
from _common import gflop, matmul_gflops

PHASES = {'drawing the samples': '_event_batches', 'statistics passes': 'collect_stats', 'proposals (solver)': 'propose',
          'normalisation': 'normalise_proposal', 'line search': 'line_search', 'line search and pairs kept': 'virtual_loss',
          'resize': 'commit_growth', 'BatchNorm calibration': 'calibrate_grown', 'optimizer rebuild': 'rebuild_optimizer'}

def plain_pass(learn, batches) -> float:
    "Seconds of a forward pass over `batches` in training mode and a backward pass to the activations (no weight gradient): the least a statistics pass costs."
    model = learn.model
    with weights_frozen(model), forward_mode(model, train_bn=True):
        t = time.perf_counter()
        for xb, yb in batches: learn.loss_func(model(xb.requires_grad_()), yb).backward()
        return time.perf_counter() - t

def train_steps(learn, batches) -> float:
    "Seconds of plain training steps (forward, backward, optimizer step) over `batches`."
    learn.model.train()
    t = time.perf_counter()
    for xb, yb in batches:
        learn.loss_func(learn.model(xb), yb).backward(); learn.opt.step(); learn.opt.zero_grad()
    return time.perf_counter() - t

def event(learn, cb, model0, stats_from:str, positions, method) -> tuple[float, float, pstats.Stats, torch.nn.Module]:
    "Seconds of the event's own work and of the extra its statistics add to training steps, on a copy of `model0`, with its profile and the network it grew from."
    learn.model = copy.deepcopy(model0); learn.create_opt()
    cb.stats_from, cb.event_options['positions'], cb.method = stats_from, positions, method
    window, extra = None, 0.0
    if stats_from == 'steps':                             # the window's training steps, with and without the hooks
        batches = _take_images(learn.dls.train, cb.stat_images)
        plain = train_steps(learn, batches)
        w, pairs = StatsWindow(cb.stat_images), learn.model.pairs()
        w.start(pairs, cb.policy.room(pairs), cb.red, positions=positions)
        extra = train_steps(learn, batches) - plain
        window = w.take()
    prof, before = cProfile.Profile(), copy.deepcopy(learn.model)
    t = time.perf_counter(); prof.enable(); cb.grow(window); prof.disable()
    return time.perf_counter() - t, extra, pstats.Stats(prof), before

def held_spread(learn, cb, model0) -> str:
    "What the line search compares: the change of each held image's loss from the network before the event to the grown one, its spread and standard error."
    held = cb._event_batches(False)[1]
    def losses(model):
        with torch.no_grad(), forward_mode(model, train_bn=True):
            return torch.cat([torch.nn.functional.cross_entropy(model(x), y, reduction='none') for x, y in held])
    before, after = losses(model0), losses(learn.model)
    d, thr = after - before, cb.event_options['min_decrease'] * float(before.mean())
    return (f"held loss on {len(d)} images: {float(before.mean()):.4f} before the last event, per-image sd {float(before.std()):.3f}; "
            f"change at growth {float(d.mean()):+.4f}, per-image sd of the change {float(d.std()):.4f}, standard error "
            f"{float(d.std()) / math.sqrt(len(d)):.4f} on {len(d)} images, {float(d.std()) / math.sqrt(len(d) / 2):.4f} on {len(d) // 2}; "
            f"the decrease the event must bring: {thr:.4f}")

def stats_arithmetic(learn, batches, positions) -> dict:
    """GFLOP of the statistics over `batches` (from one of them) beyond the floor's forward and backward, for every position (None) and each
    of `positions`; the weights frozen throughout (M from its explicit product, no weight gradient counted: the training steps have those)."""
    model, per = learn.model, len(batches)
    floor = gflop(lambda: plain_pass(learn, batches[:1]))
    return {k: (gflop(lambda: collect_stats(model, model.pairs(), learn.loss_func, batches[:1], positions=k, frozen=True)) - floor) * per
            for k in (None, *positions)}

def main(preset='quick', device='cpu', positions=(16,)):
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
        floor = plain_pass(learn, stat_batches := cb._event_batches()[0])
        arithmetic, peak = stats_arithmetic(learn, stat_batches, positions), max(matmul_gflops(device) for _ in range(3))
        model0, rows = copy.deepcopy(learn.model), []
        preserving = TINY(zero_fan_out=True, fan_in_scale='default')       # TINY's fan-ins, zero fan-outs: no line search
        events = [('pass', None, TINY()), ('steps', None, TINY()), ('pass', None, preserving), ('steps', None, preserving)]
        for k in positions: events += [('steps', k, TINY()), ('pass', k, TINY()), ('pass', k, preserving), ('steps', k, preserving)]
        for stats_from, pos, method in events:
            own, extra, st, before = event(learn, cb, model0, stats_from, pos, method)
            rows.append((f"{stats_from}, positions {pos or 'all'}, {'TINY' if method is not preserving else 'TINY with zero fan-outs'}",
                         own, extra, st, sum(r['neurons_added'] for r in cb.records[-8:])))
            if len(rows) == 1: spread = held_spread(learn, cb, before)    # today's event
    print(f"preset {preset}: {len(dls.train)} training batches of {cfg['bs']}; statistics on {opts['stat_images']} images, "
          f"line search on {opts['held_images']}")
    print(f"one training epoch (no growth): {epoch:.2f} s")
    print(f"  a separate pass over the statistics images, forward and backward to the activations, nothing collected: {floor:.2f} s = "
          f"{floor / epoch:.1%} of the epoch")
    print(f"  the statistics' own arithmetic over those images (the floor's subtracted), and its least time at a float32 matmul's "
          f"{peak:.0f} GFLOP/s on this machine:")
    for k, g in arithmetic.items():
        print(f"    positions {k or 'all'}: {g:.0f} GFLOP, ≥ {g / peak:.2f} s = {g / peak / epoch:.1%} of the epoch; "
              f"with the floor ≥ {(floor + g / peak) / epoch:.1%}")
    for name, own, extra, st, added in rows:
        print(f"growth event, statistics from {name} ({added} neurons added): {own + extra:.2f} s = {(own + extra) / epoch:.1%} of the epoch "
              f"(target ≤ 20%)")
        if extra: print(f"  {'hooks on the training steps':28s} {extra:6.2f} s")
        for phase, fn in PHASES.items():
            print(f"  {phase:28s} {sum(v[3] for k, v in st.stats.items() if k[2] == fn):6.2f} s")
    print(spread)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('preset', nargs='?', default='quick', choices=['quick', 'cpu'])
    ap.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    ap.add_argument('--positions', type=int, nargs='+', default=[16], help='positions of each image read by the sampled variants')
    args = ap.parse_args()
    main(args.preset, args.device, args.positions)
