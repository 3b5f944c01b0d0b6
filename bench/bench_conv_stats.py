"""Convolution statistics pass against a plain training step, ResNet-18 for CIFAR, measured side by side in one run.

Residual stream 1/8 of the standard widths (8-16-32-64) and block interiors at 1/64 (1-2-4-8), 1/8 and 1/4;
batch 128 of 32×32 images, float32, every block's pair measured (restricted scheme). Prints, per width, the
plain step (forward + backward + SGD), the same step with the statistics collected, their ratio, the time
spent in the statistics hooks, and the statistics' memory: the running sums (independent of the number of
images), the rows one pair materialises at a time (the largest pair), and the peak resident memory of
plain steps and of steps with statistics, sampled every 0.5 ms in a fresh process."""
from growing_nets.conv import ConvPair
from growing_nets.core import count_flops
import argparse, json, os, statistics, subprocess, sys, threading, time
import torch
from growing_nets.models import resnet18_grow
from _common import timeit, training_steps, sums_mib

CONFIGS = {'1/64': 1/64, '1/8': 1/8, '1/4': 1/4}       # interior fractions; the stream is 1/8

def setup(interior, bs=128, seed=0):
    torch.manual_seed(seed)
    net = resnet18_grow(interior, stream=1/8)
    x, y = torch.randn(bs, 3, 32, 32), torch.randint(0, 10, (bs,))
    return (net, *training_steps(net, x, y))

def hook_time(sc, stats_step, reps=3):
    "Median time spent inside the collector's backward hooks (rows, products) during a step."
    spent, inner = [0.0], sc._backward
    def timed(*a):
        t = time.perf_counter(); inner(*a); spent[0] += time.perf_counter() - t
    sc._backward = timed
    ts = []
    for _ in range(reps):
        spent[0] = 0.0; stats_step(); ts.append(spent[0])
    del sc._backward
    return statistics.median(ts)

def rss_mib() -> float:
    "Current resident memory of this process."
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

def peak_rss(fn, reps=3) -> float:
    "Peak resident memory (MiB) while `fn` runs `reps` times, sampled by a thread every 0.5 ms."
    peak, done = [rss_mib()], threading.Event()
    def sample():
        while not done.is_set(): peak[0] = max(peak[0], rss_mib()); time.sleep(0.0005)
    th = threading.Thread(target=sample); th.start()
    try:
        for _ in range(reps): fn()
    finally: done.set(); th.join()
    return peak[0]

def row_shapes(stats_step) -> dict:
    "Shapes of the rows each pair builds in one step with statistics: B_{l-2}, B_{l-1} and V."
    shapes, orig = {}, (ConvPair.first_rows, ConvPair.second_rows, ConvPair.grad_rows)
    def rec(kind, f):
        def g(self, x):
            r = f(self, x); shapes.setdefault(self.name, {})[kind] = tuple(r.shape); return r
        return g
    ConvPair.first_rows, ConvPair.second_rows, ConvPair.grad_rows = (rec(k, f) for k, f in zip(('f', 's', 'v'), orig))
    try: stats_step()
    finally: ConvPair.first_rows, ConvPair.second_rows, ConvPair.grad_rows = orig
    return shapes

def rows_mib(shapes) -> float:
    "MiB of rows the largest pair holds in its backward hook: B_{l-2}, B_{l-1}, V and the concatenation [B_{l-1} | V] (float32)."
    return max(4 * (d['f'][0] * d['f'][1] + 2 * d['s'][0] * (d['s'][1] + d['v'][1])) for d in shapes.values()) / 2**20

def stats_gflop(shapes) -> float:
    "GFLOP of the statistics' products per batch: S₂ = BᵀB of B_{l-2}, S of B_{l-1}, and B_{l-2}ᵀ[B_{l-1} | V] (M is the weight gradient)."
    return sum(2 * d['f'][0] * (d['f'][1]**2 + d['s'][1]**2 + d['f'][1] * (d['s'][1] + d['v'][1])) for d in shapes.values()) / 1e9

def memory(interior):
    "Run in a fresh process: memory of the statistics for one interior fraction, as JSON."
    net, step, stats_step, sc = setup(interior)
    step(); stats_step()                                 # warm-up
    plain, with_stats = peak_rss(step), peak_rss(stats_step)
    print(json.dumps(dict(plain=plain, with_stats=with_stats, sums=sums_mib(sc), rows=rows_mib(row_shapes(stats_step)))))

def main(reps=5, rounds=3):
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; ResNet-18, stream 8-16-32-64, batch 128 of 32×32, float32")
    cases = {name: setup(f) for name, f in CONFIGS.items()}
    times = {name: ([], []) for name in cases}
    for _ in range(rounds):                          # interleaved rounds: every case sees the same machine state
        for name, (net, step, stats_step, sc) in cases.items():
            times[name][0].append(timeit(step, reps)); times[name][1].append(timeit(stats_step, reps))
    print(f"{'interior':>9} {'interiors':>18} {'params':>9} {'plain step':>11} {'with stats':>11} {'ratio':>6} {'in hooks':>9} {'GFLOP step':>11} {'GFLOP stats':>12}")
    for name, (net, step, stats_step, sc) in cases.items():
        plain, with_stats = min(times[name][0]), min(times[name][1])
        hooks = hook_time(sc, stats_step)
        step_gflop = count_flops(net, torch.zeros(1, 3, 32, 32), training=True) * 128 / 1e9
        print(f"{name:>9} {str(net.interior_widths[::2]):>18} {sum(p.numel() for p in net.parameters()):>9,} {plain * 1e3:9.1f}ms {with_stats * 1e3:9.1f}ms "
              f"{with_stats / plain:5.2f}x {hooks * 1e3:7.1f}ms {step_gflop:11.2f} {stats_gflop(row_shapes(stats_step)):12.2f}")
    print("target: ratio ≤ 3x")
    print(f"\n{'interior':>9} {'statistics sums':>16} {'rows of one pair':>17} {'peak RSS, plain':>16} {'peak RSS, with stats':>21} {'extra':>7}")
    for name, f in CONFIGS.items():
        out = subprocess.run([sys.executable, '-W', 'ignore', __file__, '--memory', str(f)], capture_output=True, text=True, check=True).stdout
        m = json.loads(out.strip().splitlines()[-1])
        print(f"{name:>9} {m['sums']:13.2f}MiB {m['rows']:14.1f}MiB {m['plain']:13.0f}MiB {m['with_stats']:18.0f}MiB {m['with_stats'] - m['plain']:4.0f}MiB")
    print(f"load average over the last 1, 5, 15 minutes: {', '.join(f'{v:.2f}' for v in os.getloadavg())} (on {os.cpu_count()} cores)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--memory', type=float, help='internal: measure the memory of one interior fraction in this process')
    args = ap.parse_args()
    if args.memory: memory(args.memory)
    else: main()
