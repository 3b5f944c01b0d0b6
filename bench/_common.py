"Pieces shared by the benchmarks: timing, and a training step with and without the TINY statistics."
import statistics, time
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
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

def sync(device):
    "Wait for the device's queued work (timings on a GPU)."
    if device.startswith('cuda'): torch.cuda.synchronize()

def _addmm_inplace(self_shape, a_shape, b_shape, *args, **kwargs) -> int:
    "FLOPs of `acc.addmm_(a, b)`, which FlopCounterMode does not count by itself."
    return 2 * a_shape[0] * a_shape[1] * b_shape[1]

def gflop(fn) -> float:
    "GFLOP one call of `fn` executes, as counted by torch's FlopCounterMode (in-place addmm_ included)."
    with FlopCounterMode(display=False, custom_mapping={torch.ops.aten.addmm_: _addmm_inplace}) as fc: fn()
    return fc.get_total_flops() / 1e9

def matmul_gflops(device, n=2048, reps=5) -> float:
    "Float32 matmul throughput of this machine (n³ product), GFLOP/s."
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    def mm(): a @ b; sync(device)
    return 2 * n**3 / timeit(mm, reps) / 1e9
