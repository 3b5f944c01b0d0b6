"""The runs behind cifar10_cpu.ipynb: the `cpu` preset (full CIFAR-10, 16 epochs of the recipe, ResNet-18 with the residual
stream at 1/8) — block interiors grown 1/64 → 1/8 in 7 equal passes by TINY, GradMax and random growth; the fixed 1/8 network;
the 1/64 starting network trained alone; the grid of fixed widths (interiors 1/64, 1/32, 1/16, 1/8, 1/4); and the run that
replaces a width search: TINY with no width caps and a parameter budget (the 1/8 network's size), growing every block by the
same increments (its start width per pass) until the budget is spent, its neurons ranked by λ² (`budget`) or by λ² per parameter
they cost (`budget_per_param`), also with TINY's neurons as in `tiny_preserving` (`budget_preserving`,
`budget_per_param_preserving`); and TINY with zero fan-outs (`tiny_preserving`: its fan-ins at PyTorch's default scale, the
function preserved at insertion). One folder per seed and variant, skipped when already done (the script can be stopped and
started again; a run cut short starts over).

Usage: python nbs/experiments/run_cifar10.py [--seeds 0 1 2] [--only NAME ...] [--scale cpu|smoke] [--schedule late|early|fifth|delayed]"""
import argparse
from pathlib import Path
from growing_nets.experiment import PRESETS, PRESERVING as TINY_PRESERVING, check_config, run_in_folder, make_model
from growing_nets.core import count_params

HERE = Path(__file__).resolve().parent
# variant: (method, interior width of the fixed network or None for the preset's growth from 1/64 to 1/8)
VARIANTS = {'tiny': ('tiny', None), 'gradmax': ('gradmax', None), 'random': ('random', None), 'fixed': ('fixed', 1/8),
            'start': ('fixed', 1/64), 'width_1_32': ('fixed', 1/32), 'width_1_16': ('fixed', 1/16), 'width_1_4': ('fixed', 1/4),
            'budget': ('tiny', None), 'budget_per_param': ('tiny', None), 'tiny_preserving': ('tiny', None),
            'budget_preserving': ('tiny', None), 'budget_per_param_preserving': ('tiny', None)}
ORDER = ['tiny', 'gradmax', 'random', 'fixed', 'start', 'width_1_32', 'width_1_16', 'width_1_4', 'budget', 'budget_per_param', 'tiny_preserving',
         'budget_preserving', 'budget_per_param_preserving']
# TINY's fan-ins (the bottleneck's directions, at the norm of PyTorch's default initialisation) with zero fan-outs: the function
# preserved at insertion, as random growth does (the growth-schedule ablation: `tiny_early_like_random`)
# (the `cpu` preset's own since these runs: under `--schedule early`, `tiny` and `budget` are these runs again)
PRESERVING = dict(method_options=TINY_PRESERVING)

# growth schedules: `late`, a point after each of the first epochs until the end, TINY's own insertion (the runs under cifar10/cpu);
# `early`, the `cpu` preset's: points every quarter epoch during the first 2.5 epochs, as the paper grows (the runs under cifar10/cpu_early)
# `fifth`, the `cpu` preset's insertion with points every 1.1 epochs during the first 7.7: the slowest growth whose training FLOPs fit in
# 1/5 of the width grid's (a point every e epochs costs 42.56 − 8.98·e TFLOPs; the grid 166.5), for the budget run (cifar10/cpu_fifth)
SCHEDULES = {'late': dict(every=1, phase=None, method_options=None), 'early': {k: PRESETS['cpu'][k] for k in ('every', 'phase')},
             'fifth': dict(every=1.1, phase=7.7),
             # `delayed`: the same 7 passes a quarter epoch apart, from epoch 3.5 (0.198 of the grid's FLOPs: 40.88 − 2.24·3.5 TFLOPs)
             'delayed': dict(every=0.25, grow_from=3.5, phase=5.25)}

def config(seed:int, name:str, scale:str='cpu', schedule:str='late') -> dict:
    "The configuration of one run: the `cpu` preset with the growth `schedule`, the loss drop at insertion measured on 1,000 test images."
    method, width = VARIANTS[name]
    cfg = dict(PRESETS['cpu'], preset='cpu', policy='every', seed=seed, data=None, device='cpu', valid_images=1000, **SCHEDULES[schedule])
    if width is not None: cfg.update(target=width, start=min(width, cfg['start']))
    if name.startswith('budget'): cfg['max_params'] = count_params(make_model(cfg, cfg['target']))
    if name.startswith('budget_per_param'): cfg['budget_by'] = 'gain_per_param'     # the budget spent by λ² per parameter a neuron costs
    if name.endswith('preserving'): cfg.update(PRESERVING)
    if scale == 'smoke':
        cfg.update(n_train=512, n_valid=256, epochs=3, passes=2, stat_images=256, held_images=128, valid_images=128)
        if cfg.get('phase') and cfg['phase'] > cfg['epochs']:   # the schedule's shape in the smoke run's epochs
            cfg.update({k: cfg[k] * cfg['epochs'] / PRESETS['cpu']['epochs'] for k in ('every', 'phase', 'grow_from') if cfg.get(k)})
    return check_config(cfg)

def run(seed:int, name:str, scale:str='cpu', schedule:str='late'):
    out = HERE / 'cifar10' / (scale if schedule == 'late' else f'{scale}_{schedule}') / f'seed{seed}' / name
    cfg, method = config(seed, name, scale, schedule), VARIANTS[name][0]
    run_in_folder(cfg, method, out, name)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--only', nargs='+', default=ORDER, choices=list(VARIANTS))
    ap.add_argument('--scale', default='cpu', choices=['cpu', 'smoke'])
    ap.add_argument('--schedule', default='late', choices=list(SCHEDULES))
    a = ap.parse_args()
    for seed in a.seeds:
        for name in a.only: run(seed, name, a.scale, a.schedule)
