#!/usr/bin/env bash
# The runs behind cifar10_cpu.ipynb: ResNet-18 (stream 1/8) with interiors grown 1/64 → 1/8 by
# TINY, GradMax and random growth, and the fixed 1/8 network, on the full CIFAR-10, one folder per
# run and seed. Usage: bash nbs/experiments/run_cifar10_cpu.sh [SEED...]   (default: 0 1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${GROWING_NETS:-growing_nets}
seeds=${*:-0 1}
for seed in $seeds; do
  for method in tiny gradmax random fixed; do
    out="$here/cifar10_cpu/seed$seed/$method"
    [ -f "$out/results.csv" ] && { echo "done already: $out"; continue; }
    "$bin" --preset cpu --methods "$method" --seed "$seed" --out "$out"
  done
done
