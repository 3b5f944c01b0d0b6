"""The fan-ins of the grown networks at the end of training, from the models the ablation runs saved (`model_*.pth`, not
committed): for each block's first convolution, the mean norm of the fan-ins of the neurons added by growth over that of
the neurons it started with, the ratio of the largest fan-in norm to the smallest, and the effective rank of the fan-in
directions (each fan-in normalised: the exponential of the entropy of the squared singular values, over the width; 1:
as diverse as the width allows). Behind a BatchNorm, the function does not depend on a fan-in's norm, but SGD turns a
fan-in of norm r by about lr/r² per step: neurons whose fan-ins stay small keep learning faster than the others.

Writes ablation/<scale>/fan_in_norms.csv. Usage: python nbs/experiments/fan_in_norms.py [--scale mid]"""
import argparse, json
from pathlib import Path
import pandas as pd
import torch
from growing_nets.experiment import make_model

HERE = Path(__file__).resolve().parent

def effective_rank(w:torch.Tensor) -> float:
    "exp(entropy of the squared singular values) of the row-normalised rows of `w`, over the number of rows."
    w = w.flatten(1).double(); w = w / w.norm(dim=1, keepdim=True)
    p = torch.linalg.svdvals(w)**2; p = p / p.sum(); p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum())) / w.shape[0]

def block_rows(folder:Path) -> list[dict]:
    cfg = json.loads((folder / 'config.json').read_text())
    start = [p.width for p in make_model(cfg, cfg['start']).pairs()]
    state = torch.load(next(folder.glob('model_*.pth')), map_location='cpu', weights_only=True)['model']
    rows = []
    for (name, w), w0 in zip(((k[:-len('.conv1.weight')], v) for k, v in state.items() if k.startswith('layer') and k.endswith('conv1.weight')), start):
        n = w.flatten(1).norm(dim=1)
        grown = len(n) > w0 and not folder.name.startswith('fixed')
        rows.append(dict(block=name, width=len(n), added_over_original=float(n[w0:].mean() / n[:w0].mean()) if grown else float('nan'),
                         max_over_min=float(n.max() / n.min()), effective_rank=effective_rank(w)))
    return rows

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--scale', default='mid')
    a = ap.parse_args()
    root = HERE / 'ablation' / a.scale
    rows = [dict(seed=int(f.parent.name[4:]), run=f.name, **r) for f in sorted(root.glob('seed*/*')) if f.is_dir() and (f / 'results.csv').exists()
            and any(f.glob('model_*.pth')) for r in block_rows(f)]
    df = pd.DataFrame(rows); df.to_csv(root / 'fan_in_norms.csv', index=False)
    print(df.groupby('run')[['added_over_original', 'max_over_min', 'effective_rank']].median().round(2))
