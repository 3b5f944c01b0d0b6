"""Dense statistics pass against a plain training step, measured side by side in one run.

MLP 512-1024-1024-10, batch 256, float32, every layer pair measured. Prints the time ratio, the
statistics' FLOP/s against this machine's float32 matmul throughput, and the statistics' memory for
two numbers of samples."""
import statistics, time
import torch
from torch import nn
from growing_nets.growth import GrowingMLP
from growing_nets.statistics import StatsCollector

def timeit(fn, reps):
    "Median wall time of `fn` over `reps` calls (after one warm-up)."
    fn(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def main(reps=15, bs=256):
    torch.manual_seed(0)
    net = GrowingMLP(512, [1024, 1024], 10)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    x, y = torch.randn(bs, 512), torch.randint(0, 10, (bs,))
    loss_func = nn.CrossEntropyLoss()
    def step():
        opt.zero_grad(); loss_func(net(x), y).backward(); opt.step()
    sc = StatsCollector(net.pairs())
    def stats_step():
        with sc: step()
    a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)
    mm = lambda: a @ b
    plain, with_stats, t_mm = [], [], []
    for _ in range(3):                               # interleaved rounds: both see the same machine state
        plain.append(timeit(step, reps)); with_stats.append(timeit(stats_step, reps)); t_mm.append(timeit(mm, reps))
    plain, with_stats, t_mm = min(plain), min(with_stats), min(t_mm)
    mm_flops = 2 * 1024**3 / t_mm
    d = [513, 1025, 1025]; o = [1024, 1024, 10]
    # per batch: Bf·[Bf|Bs|V] for the first pair, Bs·[Bs|V] and Bf·[Bs|V] and Bs·[Bs|V] for the second
    stats_flops = 2 * bs * (d[0] * (d[0] + d[1] + o[1]) + d[1] * (d[1] + o[1]) + d[1] * (d[2] + o[2]) + d[2] * (d[2] + o[2]))
    print(f"plain step (forward+backward+SGD): {plain * 1e3:8.2f} ms")
    print(f"step with statistics:              {with_stats * 1e3:8.2f} ms")
    print(f"ratio: {with_stats / plain:.2f}x   (target ≤ 2.3x)")
    print(f"float32 matmul 1024³: {mm_flops / 1e9:.1f} GFLOP/s; statistics: {stats_flops / 1e9:.2f} GFLOP per batch "
          f"at {stats_flops / max(with_stats - plain, 1e-9) / 1e9:.1f} GFLOP/s ({stats_flops / max(with_stats - plain, 1e-9) / mm_flops:.0%} of matmul peak)")
    for n_batches in (1, 8):
        sc = StatsCollector(net.pairs())
        with sc:
            for _ in range(n_batches): loss_func(net(x), y).backward()
        print(f"statistics memory after {n_batches * bs:>5} samples: {sum(v.numel() * v.element_size() for v in sc.sums.values()) / 2**20:.2f} MiB")

if __name__ == '__main__': main()
