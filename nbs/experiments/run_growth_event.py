"""The runs behind growth_event.ipynb: at the `quick` scale (10,000 CIFAR-10 training images, 6 epochs,
ResNet-18 with stream 1/8 and interiors grown 1/64 → 1/8), the growth event's variants and the baselines,
one folder per seed and variant, skipped when already done (the script can be stopped and started again).

With --agreement, the statistics' sampling noise instead: two disjoint samples of the training set, of
each size, give TINY's neurons for the network of the first growth point; their λ and ωαᵀ are compared.
With --event-agreement, the neurons of the cheaper events (statistics from the training steps, 16 or 64 positions of
each image) against those of today's (a pass of their own at fixed weights, every position).

With --quick-preset NAME ..., the quick preset as it is now (what `make demo` runs, `own_insertion`) and its growth with zero
fan-outs at three schedules, in growth_event/quick_preset/NAME/seedS.

Usage: python nbs/experiments/run_growth_event.py [--seeds 0 1 2] [--only NAME ... | --quick-preset NAME ...] [--scale quick|smoke] [--agreement | --event-agreement [--lr LR] [--positions K ...]]"""
import argparse, copy, json, time
from pathlib import Path
import pandas as pd
import torch
from growing_nets.experiment import PRESETS, PRESERVING, GROWTH_OPTIONS, HISTORY_COLS, METHODS, check_config, run_one, run_experiment, make_dls, make_model, make_learner
from growing_nets.core import seed_everything
from growing_nets.growth import default_gammas, collect_stats
from growing_nets.callback import _take_images
from growing_nets.methods import TINY, GradMax
from growing_nets.step_stats import StatsWindow

HERE = Path(__file__).resolve().parent
# The quick preset as these runs have it: a growth point after each of the first 5 epochs, up to 12 neurons per layer,
# TINY's own insertion (amplitude by line search), statistics on 8,192 images (the preset now grows as `cpu` does)
SAMPLES = {k: GROWTH_OPTIONS[k] for k in ('stat_images', 'held_images')}   # the event's default sample sizes (8,192 and 1,024 images)
LATE = dict(every=1, phase=None, passes=None, method_options=None, **SAMPLES)

def preset(seed:int, **opts) -> dict:
    "The quick preset as it is now, at `seed`, with `opts`."
    return dict(PRESETS['quick'], preset='quick', policy='every', seed=seed, data=None, device='cpu', **opts)

def quick(seed:int, **opts) -> dict:
    "The configuration of these runs: the quick preset as they have it (`LATE`), with `opts`."
    return preset(seed, **{**LATE, **opts})
# The event of earlier versions: the last training batch for statistics and the next for the line search, neurons as the
# solver gives them, eval-mode BatchNorm, the narrow grid 16·4⁻ᵏ, one amplitude for all pairs, the smallest amplitude kept
# when none helps. Each change of the faithful event alone on top of it, then all together (= `tiny`).
OLD = dict(stat_images=None, stat_batches=1, held_batches=1, normalize=False, train_bn=False, gammas=default_gammas(),
           min_decrease=None, joint=True)
CHANGES = {'sample': {k: GROWTH_OPTIONS[k] for k in ('stat_images', 'held_images')}, 'normalize': dict(normalize=True),
           'search': dict(train_bn=True, gammas=None), 'threshold': dict(min_decrease=1e-3)}
VARIANTS = {'fixed': ('fixed', {}), 'random': ('random', {}), 'gradmax': ('gradmax', {}), 'tiny': ('tiny', {}),
            'tiny_old': ('tiny', OLD), **{f'tiny_old+{k}': ('tiny', {**OLD, **v}) for k, v in CHANGES.items()},
            # against the statistics' sampling noise (diagnostics, not the defaults): ¼ of the images, or a floor on S₂'s spectrum
            **{f'{m}+2048images': (m, dict(stat_images=2048)) for m in ('tiny', 'gradmax', 'random')},
            'tiny+s2floor': ('tiny', dict(stat_images=2048, method_options=dict(s2_rtol=1e-3))),
            # a cheaper event: today's (a pass of its own, every position) rerun with the current code, against statistics on at most
            # 16 positions of each image, from a pass of their own or from the training steps before each point
            'tiny+pass': ('tiny', {}), 'tiny+pass16': ('tiny', dict(positions=16)), 'tiny+steps16': ('tiny', dict(stats_from='steps', positions=16))}

def run(seed:int, name:str, scale:str='quick'):
    out = HERE / 'growth_event' / scale / f'seed{seed}' / name
    if (out / 'results.csv').exists(): print(f'done already: {out}'); return
    out.mkdir(parents=True, exist_ok=True)
    method, opts = VARIANTS[name]
    cfg = quick(seed, valid_images=1000, **opts)
    if scale == 'smoke': cfg.update(n_train=512, n_valid=256, epochs=2, stat_images=256, held_images=128, valid_images=128)
    check_config(cfg)
    t0 = time.perf_counter()
    summary, records = run_one(cfg, method, out, show_progress=False)
    pd.DataFrame(records, columns=HISTORY_COLS).to_csv(out / 'growth_history.csv', index=False)
    pd.DataFrame([dict(summary, variant=name, seed=seed)]).to_csv(out / 'results.csv', index=False)
    (out / 'config.json').write_text(json.dumps({k: v for k, v in cfg.items()}, indent=1, default=str))
    print(f"{name} seed {seed}: accuracy {summary['accuracy']:.4f}, {summary['params']:,} parameters, "
          f"{time.perf_counter() - t0:.0f} s (growth {summary['growth_seconds']:.0f} s)", flush=True)

# The quick preset as it is now (`make demo`), with statistics on 2,048 images, and its growth with zero fan-outs (the `cpu` preset's
# insertion) at three schedules
ZERO = dict(method_options=PRESERVING, stat_images=2048)
QUICK_PRESET = {'own_insertion': (METHODS, {}), 'own_insertion_2048': (METHODS, dict(stat_images=2048)), 'zero_fan_outs': (METHODS, ZERO),
                'zero_fan_outs_8192': (['tiny'], dict(ZERO, **SAMPLES)),
                'zero_fan_outs_half': (['tiny'], dict(ZERO, every=0.5, phase=2)),
                'zero_fan_outs_late': (['tiny'], dict(ZERO, every=1, phase=None, passes=None))}

def quick_preset(seed:int, name:str):
    "The runs of `QUICK_PRESET[name]` at one seed, in one folder as `growing_nets --preset quick` writes it (growth_event/quick_preset/NAME/seedS)."
    out = HERE / 'growth_event' / 'quick_preset' / name / f'seed{seed}'
    if (out / 'results.csv').exists(): print(f'done already: {out}'); return
    methods, opts = QUICK_PRESET[name]
    cfg = check_config(preset(seed, **opts), list(methods))
    results = run_experiment(cfg, list(methods), out, show_progress=False, earlier='overwrite')[0]
    print(name, f'seed {seed}:', ', '.join(f"{r.run} {100 * r.accuracy:.2f} % in {r.seconds:.0f} s" for r in results.itertuples()), flush=True)

def overlap(A, B) -> float:
    "Mean squared cosine of the principal angles between the column spaces of A and B (1: the same subspace)."
    Qa, Qb = torch.linalg.qr(A)[0], torch.linalg.qr(B)[0]
    return float((Qa.T @ Qb).square().sum() / A.shape[1])

def agreement(seed:int, sizes=(128, 512, 2048, 8192), scale:str='quick'):
    """λ and ωαᵀ of TINY's and GradMax's neurons from two disjoint training samples of each size, after the first epoch of the
    quick preset. The samples come from the whole training set (two disjoint samples of 8,192 do not fit in the quick subset)."""
    out = HERE / 'growth_event' / scale / f'agreement_seed{seed}.csv'
    if out.exists(): print(f'done already: {out}'); return
    cfg = quick(seed)
    if scale == 'smoke': cfg.update(n_train=512, n_valid=256); sizes = tuple(s // 16 for s in sizes)
    seed_everything(seed)
    dls = make_dls(cfg, 'cpu')
    learn = make_learner(cfg, dls, make_model(cfg, cfg['start']))
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, cfg['lr'])     # a network trained as far as the first growth point
    model, pairs, rows = learn.model, learn.model.pairs(), []
    pool = make_dls(dict(cfg, n_train=None if scale == 'quick' else 4 * cfg['n_train']), 'cpu').train.new(shuffle=True)
    batches = _take_images(pool, 2 * max(sizes))
    half = len(batches) // 2
    for n in sizes:
        k = max(1, n // cfg['bs'])
        samples = [batches[:half][:k], batches[half:][:k]]                   # disjoint
        stats = [collect_stats(model, pairs, learn.loss_func, b) for b in samples]
        for method in (TINY(), GradMax()):
            props = [[method.propose(sc.stats(p), max_neurons=cfg['neurons']) for p in pairs] for sc in stats]
            for p, a, b in zip(pairs, *props):
                K = min(a.n_neurons, b.n_neurons)
                la, lb = a.lambdas[:K].double(), b.lambdas[:K].double()
                Wa, Wb = (a.omega[:, :K] @ a.alpha[:K]).double(), (b.omega[:, :K] @ b.alpha[:K]).double()
                rows.append(dict(seed=seed, method=method.name, images=sum(len(x) for x, _ in samples[0]), pair=p.name, K=K,
                                 lambda1_a=float(la[0]), lambda1_b=float(lb[0]), lambda_rel_diff=float((la - lb).norm() / la.norm()),
                                 cos_omega_alpha=float((Wa * Wb).sum() / (Wa.norm() * Wb.norm())),
                                 out_overlap=overlap(a.omega[:, :K].double(), b.omega[:, :K].double()),
                                 in_overlap=overlap(a.alpha[:K].T.double(), b.alpha[:K].T.double()),
                                 out_chance=K / Wa.shape[0], in_chance=K / Wa.shape[1]))
    pd.DataFrame(rows).to_csv(out, index=False)
    print(pd.DataFrame(rows).groupby(['method', 'images'])[['lambda_rel_diff', 'cos_omega_alpha', 'out_overlap', 'in_overlap']].median())

def proposals(sc, pairs, neurons) -> list:
    return [TINY().propose(sc.stats(p), max_neurons=neurons) for p in pairs]

def compare(a, b, **kw) -> list[dict]:
    "λ and the subspaces of fan-outs and fan-ins of two lists of proposals, pair by pair."
    rows = []
    for x, y in zip(a, b):
        K = min(x.n_neurons, y.n_neurons)
        la, lb = x.lambdas[:K].double(), y.lambdas[:K].double()
        rows.append(dict(**kw, K=K, lambda_rel_diff=float((la - lb).norm() / la.norm()),
                         out_overlap=overlap(x.omega[:, :K].double(), y.omega[:, :K].double()),
                         in_overlap=overlap(x.alpha[:K].T.double(), y.alpha[:K].T.double())))
    return rows

def window_stats(learn, model0, batches, positions, lr:float=0.1):
    "Statistics collected by hooks on training steps over `batches`, from a copy of `model0` (SGD at rate `lr`, by default the preset's peak, momentum 0.9)."
    model = copy.deepcopy(model0).train()
    opt, w = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4), StatsWindow(1)
    pairs = model.pairs()
    w.start(pairs, [1] * len(pairs), positions=positions)
    for xb, yb in batches:
        learn.loss_func(model(xb), yb).backward(); opt.step(); opt.zero_grad()
    return w.take()

def event_agreement(seed:int, images:int=8192, scale:str='quick', positions=(16, 64), lr:float=0.1):
    """The neurons of the cheaper events against today's, for the network of the first growth point of the quick preset:
    two disjoint samples (A, B) of `images` images each; statistics from a pass at fixed weights (all positions, or at most
    k of each image for k in `positions`) or from training steps at rate `lr` over the same images (weights moving)."""
    out = HERE / 'growth_event' / scale / (f'event_agreement_seed{seed}.csv' if lr == 0.1 else f'event_agreement_lr{lr:g}_seed{seed}.csv')
    if out.exists(): print(f'done already: {out}'); return
    cfg = quick(seed)
    if scale == 'smoke': cfg.update(n_train=512, n_valid=256); images //= 16
    seed_everything(seed)
    dls = make_dls(cfg, 'cpu')
    learn = make_learner(cfg, dls, make_model(cfg, cfg['start']))
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, cfg['lr'])
    model0, pairs, k = learn.model, learn.model.pairs(), max(1, images // cfg['bs'])
    pool = make_dls(dict(cfg, n_train=None if scale == 'quick' else 4 * cfg['n_train']), 'cpu').train.new(shuffle=True)
    batches = _take_images(pool, 2 * images)
    samples = dict(A=batches[:k], B=batches[k:2 * k])
    props = {}
    for pos in (None, *positions):                        # every position, then at most `pos` of each image
        tag = '' if pos is None else str(pos)
        for s, b in samples.items():
            props[f'pass{tag} {s}'] = collect_stats(model0, pairs, learn.loss_func, b, positions=pos)
            props[f'steps{tag} {s}'] = window_stats(learn, model0, b, pos, lr)[1]
    props = {n: proposals(sc, [p for p in sc.pairs], cfg['neurons']) for n, sc in props.items()}
    names = [p.name for p in pairs]
    checks = [('pass A', 'pass B', "today's event, two disjoint samples"), ('steps A', 'steps B', 'steps, two disjoint samples'),
              ('pass A', 'steps A', 'moving weights alone, same images')]
    for pos in positions:
        checks += [(f'pass{pos} A', f'pass{pos} B', f'{pos} positions, two disjoint samples'),
                   (f'steps{pos} A', f'steps{pos} B', f'steps and {pos} positions, two disjoint samples'),
                   ('pass A', f'pass{pos} A', f'{pos} positions alone, same images'), ('pass A', f'steps{pos} A', f'steps and {pos} positions, same images')]
    rows = []
    for a, b, what in checks:
        rows += [dict(r, pair=n) for r, n in zip(compare(props[a], props[b], seed=seed, images=images, lr=lr, first=a, second=b, comparison=what), names)]
    df = pd.DataFrame(rows); df.to_csv(out, index=False)
    print(df.groupby('comparison', sort=False)[['lambda_rel_diff', 'out_overlap', 'in_overlap']].median())

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--only', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument('--quick-preset', nargs='+', choices=list(QUICK_PRESET))
    ap.add_argument('--scale', default='quick', choices=['quick', 'smoke'])
    ap.add_argument('--agreement', action='store_true')
    ap.add_argument('--event-agreement', action='store_true')
    ap.add_argument('--lr', type=float, default=0.1, help='the rate of the training steps in --event-agreement')
    ap.add_argument('--positions', type=int, nargs='*', default=[16, 64], help='the samples of positions in --event-agreement')
    a = ap.parse_args()
    if a.event_agreement:
        for seed in a.seeds: event_agreement(seed, scale=a.scale, positions=tuple(a.positions), lr=a.lr)
        raise SystemExit
    if a.agreement:
        for seed in a.seeds: agreement(seed, scale=a.scale)
        raise SystemExit
    if a.quick_preset:
        for name in a.quick_preset:
            for seed in a.seeds: quick_preset(seed, name)
        raise SystemExit
    for seed in a.seeds:
        for name in a.only: run(seed, name, a.scale)
