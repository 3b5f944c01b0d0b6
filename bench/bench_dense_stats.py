"""Dense statistics pass against a plain training step, measured side by side in one run.

MLP 512-1024-1024-10, batch 256, float32, every layer pair measured. Prints the time ratio, the
statistics' FLOP/s against this machine's float32 matmul throughput, and the statistics' memory for
two numbers of samples."""
import torch
from torch import nn
from growing_nets.models import GrowingMLP
from growing_nets.statistics import StatsCollector
from _common import timeit, training_steps, sums_mib

def main(reps=15, bs=256):
    torch.manual_seed(0)
    net = GrowingMLP(512, [1024, 1024], 10)
    x, y = torch.randn(bs, 512), torch.randint(0, 10, (bs,))
    step, stats_step, _ = training_steps(net, x, y)
    loss_func = nn.CrossEntropyLoss()
    a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)
    mm = lambda: a @ b
    plain, with_stats, t_mm = [], [], []
    for _ in range(3):                               # interleaved rounds: both see the same machine state
        plain.append(timeit(step, reps)); with_stats.append(timeit(stats_step, reps)); t_mm.append(timeit(mm, reps))
    plain, with_stats, t_mm = min(plain), min(with_stats), min(t_mm)
    mm_flops = 2 * 1024**3 / t_mm
    def gram_flops(d, min_block=256):                # what `sym_gram_` computes for a d×d Gram matrix, per sample
        if d <= min_block: return 2 * d * d
        h = d // 2
        return gram_flops(h) + gram_flops(d - h) + 2 * h * (d - h)
    d, o = [513, 1025, 1025], [1024, 1024, 10]       # inputs of the three layers (bias column included), outputs
    # S of each layer's input (symmetric), and Bᵀ[B_next | V_next] for each pair (P, M₂); M is the weight gradient
    stats_flops = bs * (sum(gram_flops(k) for k in d) + 2 * d[0] * (d[1] + o[1]) + 2 * d[1] * (d[2] + o[2]))
    naive_flops = bs * 2 * (sum(k * k for k in d) + d[1] * o[1] + d[2] * o[2] + d[0] * (d[1] + o[1]) + d[1] * (d[2] + o[2]))
    print(f"plain step (forward+backward+SGD): {plain * 1e3:8.2f} ms")
    print(f"step with statistics:              {with_stats * 1e3:8.2f} ms")
    print(f"ratio: {with_stats / plain:.2f}x   (target ≤ 2.3x)")
    extra = max(with_stats - plain, 1e-9)
    print(f"float32 matmul 1024³ on this machine: {mm_flops / 1e9:.1f} GFLOP/s")
    print(f"statistics: {stats_flops / 1e9:.2f} GFLOP per batch computed ({naive_flops / 1e9:.2f} GFLOP for the same matrices "
          f"by plain products) in {extra * 1e3:.1f} ms extra: {stats_flops / extra / 1e9:.1f} GFLOP/s = {stats_flops / extra / mm_flops:.0%} of matmul throughput")
    for n_batches in (1, 8):
        sc = StatsCollector(net.pairs())
        with sc:
            for _ in range(n_batches): loss_func(net(x), y).backward()
        print(f"statistics memory after {n_batches * bs:>5} samples: {sums_mib(sc):.2f} MiB")

if __name__ == '__main__': main()
