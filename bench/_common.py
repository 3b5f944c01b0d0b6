"Pieces shared by the benchmarks: timing, and a training step with and without the TINY statistics."
import statistics, time
import torch
from torch import nn
from growing_nets.statistics import StatsCollector

def timeit(fn, reps):
    "Median wall time of `fn` over `reps` calls (after one warm-up)."
    fn(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def training_steps(net:nn.Module, x:torch.Tensor, y:torch.Tensor, shortcuts:bool=True):
    "A plain SGD step on (x, y), the same step with the statistics of every pair of `net` collected, and the collector."
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    loss_func = nn.CrossEntropyLoss()
    def step():
        opt.zero_grad(); loss_func(net(x), y).backward(); opt.step()
    sc = StatsCollector(net.pairs(), shortcuts=shortcuts)
    def stats_step():
        with sc: step()
    return step, stats_step, sc

def sums_mib(sc:StatsCollector) -> float:
    "MiB held by the running sums of the statistics collector `sc`."
    return sum(v.numel() * v.element_size() for v in sc.tensors()) / 2**20
