"""Convolution statistics pass against a plain training step, ResNet-18 for CIFAR, measured side by side in one run.

Residual stream 1/8 of the standard widths (8-16-32-64) and block interiors at 1/64 (1-2-4-8), 1/8 and 1/4;
batch 128 of 32×32 images, float32, every block's pair measured (restricted scheme). Prints, per width, the
plain step (forward + backward + SGD), the same step with the statistics collected from correlations (the
default) and from patch rows (`shortcuts=False`), their ratios to the plain step, the time spent in the
statistics hooks, the GFLOP each way executes (counted by torch's FlopCounterMode, the plain step's
subtracted), the throughput reached in the hooks against a float32 matmul timed in the same run, and the
ratio the step with statistics would have if every statistics FLOP ran at that matmul's throughput (the
plain step's time plus the statistics' GFLOP over the matmul's GFLOP/s: a floor for these products); then the
statistics' memory: the running sums (independent of the number of images) and the peak resident memory of
plain steps and of steps with statistics, sampled every 0.5 ms in a fresh process.

Usage: python bench/bench_conv_stats.py [--device cuda]"""
import argparse, json, os, statistics, subprocess, sys, threading, time
import torch
from growing_nets.models import resnet18_grow
from _common import timeit, training_steps, sums_mib, sync, gflop, matmul_gflops

CONFIGS = {'1/64': 1/64, '1/8': 1/8, '1/4': 1/4}       # interior fractions; the stream is 1/8

def setup(interior, device='cpu', bs=128, seed=0):
    "The network, its plain step, its step with statistics from correlations and from rows, and the two collectors."
    torch.manual_seed(seed)
    net = resnet18_grow(interior, stream=1/8).to(device)
    x, y = torch.randn(bs, 3, 32, 32, device=device), torch.randint(0, 10, (bs,), device=device)
    step, stats_step, sc = training_steps(net, x, y)
    _, rows_step, sc_rows = training_steps(net, x, y, shortcuts=False)
    return net, step, stats_step, rows_step, sc, sc_rows

def hook_time(sc, stats_step, device, reps=3):
    "Median time spent inside the collector's backward hooks (products, rows where built) during a step."
    spent, inner = [0.0], sc._backward
    def timed(*a):
        sync(device); t = time.perf_counter(); inner(*a); sync(device); spent[0] += time.perf_counter() - t
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

def memory(interior, rows=False):
    "Run in a fresh process: memory of the statistics for one interior fraction (from rows if `rows`), as JSON."
    net, step, stats_step, rows_step, sc, _ = setup(interior)
    if rows: stats_step = rows_step
    step(); stats_step()                                 # warm-up
    plain, with_stats = peak_rss(step), peak_rss(stats_step)
    print(json.dumps(dict(plain=plain, with_stats=with_stats, sums=sums_mib(sc))))

def main(device='cpu', reps=5, rounds=3):
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {device}; ResNet-18, stream 8-16-32-64, batch 128 of 32×32, float32")
    cases = {name: setup(f, device) for name, f in CONFIGS.items()}
    times = {name: ([], [], []) for name in cases}
    timed = lambda f: timeit(lambda: (f(), sync(device)), reps)
    mm = []
    for _ in range(rounds):                          # interleaved rounds: every case sees the same machine state
        mm.append(matmul_gflops(device))
        for name, (net, step, stats_step, rows_step, sc, sc_rows) in cases.items():
            for t, f in zip(times[name], (step, stats_step, rows_step)): t.append(timed(f))
    peak = max(mm)
    print(f"float32 matmul 2048³: {peak:.1f} GFLOP/s")
    print(f"{'interior':>9} {'interiors':>16} {'plain step':>11} {'with stats':>11} {'ratio':>6} {'from rows':>10} {'ratio':>6} "
          f"{'GFLOP step':>11} {'GFLOP stats':>12} {'from rows':>10} {'in hooks':>9} {'GFLOP/s':>8} {'of matmul':>9} {'at matmul speed':>15}")
    for name, (net, step, stats_step, rows_step, sc, sc_rows) in cases.items():
        plain, with_stats, from_rows = (min(t) for t in times[name])
        hooks = hook_time(sc, stats_step, device)
        g_step = gflop(step)
        g_stats, g_rows = gflop(stats_step) - g_step, gflop(rows_step) - g_step
        print(f"{name:>9} {str(net.interior_widths[::2]):>16} {plain * 1e3:9.1f}ms {with_stats * 1e3:9.1f}ms {with_stats / plain:5.2f}x "
              f"{from_rows * 1e3:8.1f}ms {from_rows / plain:5.2f}x {g_step:11.2f} {g_stats:12.2f} {g_rows:10.2f} {hooks * 1e3:7.1f}ms "
              f"{g_stats / hooks:8.1f} {g_stats / hooks / peak:9.0%} {(plain + g_stats / peak) / plain:14.2f}x")
    print("target: ratio with statistics ≤ 3x the plain step")
    if device == 'cpu':
        print(f"\n{'interior':>9} {'statistics sums':>16} {'peak RSS, plain':>16} {'with stats':>11} {'extra':>7} {'from rows':>10} {'extra':>7}")
        for name, f in CONFIGS.items():
            m, r = (json.loads(subprocess.run([sys.executable, '-W', 'ignore', __file__, '--memory', str(f), *extra], capture_output=True,
                                              text=True, check=True).stdout.strip().splitlines()[-1]) for extra in ([], ['--rows']))
            print(f"{name:>9} {m['sums']:13.2f}MiB {m['plain']:13.0f}MiB {m['with_stats']:8.0f}MiB {m['with_stats'] - m['plain']:4.0f}MiB "
                  f"{r['with_stats']:7.0f}MiB {r['with_stats'] - r['plain']:4.0f}MiB")
    print(f"load average over the last 1, 5, 15 minutes: {', '.join(f'{v:.2f}' for v in os.getloadavg())} (on {os.cpu_count()} cores)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--memory', type=float, help='internal: measure the memory of one interior fraction in this process')
    ap.add_argument('--rows', action='store_true', help='internal: with --memory, the statistics from rows')
    ap.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    args = ap.parse_args()
    if args.memory: memory(args.memory, args.rows)
    else: main(args.device)
