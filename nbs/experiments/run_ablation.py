"""The runs behind the ablation of growth schedules and new neurons' training: the `cpu` preset's network and recipe (ResNet-18,
residual stream at 1/8, interiors grown 1/64 → 1/8 in 7 equal passes) at a smaller scale, `mid` (25,000 training images, 10 epochs),
where a run takes minutes instead of a quarter of an hour. Schedules are the `cpu` preset's, scaled to the epochs: `late` grows at
the end of each of the first epochs, a point every 1/16 of training until the end (as the `cpu` preset did: 44 % of training
spent growing), `early` a point every 1/64 of training during its first 10/64 (as the paper: growth a short phase at the start).
One folder per scale, seed and variant, skipped when already done (the script can be stopped and started again).

Usage: python nbs/experiments/run_ablation.py [--seeds 0 1 2] [--only NAME ...] [--scale mid|smoke]"""
import argparse
from pathlib import Path
from growing_nets.experiment import PRESETS, PRESERVING, check_config, run_in_folder

HERE = Path(__file__).resolve().parent
SCALES = {'mid': dict(n_train=25000, n_valid=None, epochs=10),
          'smoke': dict(n_train=512, n_valid=256, epochs=3, stat_images=256, held_images=128)}
SCHEDULES = {'late': lambda e: dict(every=e / 16, phase=None),          # the `cpu` preset before: a point after each epoch of 16
             'early': lambda e: dict(every=e / 64, phase=e * 10 / 64)}  # a point every quarter epoch of 16, during the first 2.5
# variant: (method, schedule, options of the growth event)
CATCH_UP = dict(new_lr=dict(factor='norm_ratio', epochs=None))   # the window: the first 1/8 of training (2 epochs of 16)
VARIANTS = {'fixed': ('fixed', None, {}),
            'tiny_late': ('tiny', 'late', {}), 'tiny_early': ('tiny', 'early', {}),
            'random_late': ('random', 'late', {}), 'random_early': ('random', 'early', {}),
            'tiny_early_always': ('tiny', 'early', dict(min_decrease=None)),    # no refusals: every proposal enters
            'tiny_early_lr': ('tiny', 'early', CATCH_UP), 'random_early_lr': ('random', 'early', CATCH_UP),
            # what separates TINY from random growth, one difference at a time (with tiny_early_always: no refusals)
            'tiny_early_zero_out': ('tiny', 'early', dict(method_options=dict(zero_fan_out=True))),   # TINY's fan-ins, zero fan-outs
            'random_early_layer': ('random', 'early', dict(method_options=dict(layer_scale=True))),   # random fan-ins at TINY's scale
            'tiny_early_default_scale': ('tiny', 'early', dict(method_options=dict(fan_in_scale='default'))),   # TINY's fan-ins at random's scale
            # all three at once: TINY's event differs from random growth only by the fan-ins' directions
            'tiny_early_like_random': ('tiny', 'early', dict(min_decrease=None, method_options=PRESERVING)),   # TINY's fan-ins at random's scale, zero fan-outs
            # the catch-up options on top of the insertion the `cpu` preset keeps: a learning rate of their own, the optimizer state they start from
            'tiny_early_like_random_lr': ('tiny', 'early', dict(min_decrease=None, method_options=PRESERVING, **CATCH_UP)),
            'tiny_early_like_random_state': ('tiny', 'early', dict(min_decrease=None, method_options=PRESERVING, new_state='mean'))}
ORDER = ['fixed', 'tiny_late', 'tiny_early', 'random_early', 'tiny_early_lr', 'random_early_lr', 'tiny_early_always',
         'tiny_early_zero_out', 'random_early_layer', 'tiny_early_default_scale', 'tiny_early_like_random', 'random_late',
         'tiny_early_like_random_lr', 'tiny_early_like_random_state']

def config(seed:int, name:str, scale:str='mid') -> dict:
    method, schedule, options = VARIANTS[name]
    cfg = dict(PRESETS['cpu'], preset='cpu', policy='every', seed=seed, data=None, device='cpu', valid_images=1000, **SCALES[scale],
               method_options=None)                  # TINY's own insertion (the preset's since this ablation) unless a variant says otherwise
    if schedule: cfg.update(SCHEDULES[schedule](cfg['epochs']))
    cfg.update(options)
    if cfg.get('new_lr'): cfg['new_lr'] = dict(cfg['new_lr'], epochs=cfg['epochs'] / 8)
    return check_config(cfg, [method])

def run(seed:int, name:str, scale:str='mid'):
    out = HERE / 'ablation' / scale / f'seed{seed}' / name
    cfg, method = config(seed, name, scale), VARIANTS[name][0]
    run_in_folder(cfg, method, out, name)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--only', nargs='+', default=ORDER, choices=list(VARIANTS))
    ap.add_argument('--scale', default='mid', choices=list(SCALES))
    a = ap.parse_args()
    for seed in a.seeds:
        for name in a.only: run(seed, name, a.scale)
