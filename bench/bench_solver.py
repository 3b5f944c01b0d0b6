"""The neuron solver against one float32 eigen-decomposition of S₂, measured in the same run.

S₂ 1025×1025, N 1025×1024, float32, up to 1, 8 and 64 neurons. The two are timed alternately, call
after call, so that both see the same state of the machine; medians are reported. Then the time of the two
eigen-decompositions an exact solve needs (S₂, and ZᵀZ of the whitened bottleneck Z), and Z's singular values
around the 64th: the gap an iterative solver has to resolve."""
import statistics, time
import torch
from growing_nets.solver import optimal_neurons

def alternate(fns:dict, reps:int=11) -> dict:
    "Median time of each function of `fns`, calling them in turn `reps` times (after a warm-up)."
    times = {k: [] for k in fns}
    for f in fns.values(): f()
    for _ in range(reps):
        for k, f in fns.items():
            t = time.perf_counter(); f(); times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}

def main():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(4096, 1024, generator=g)
    B = torch.cat([torch.relu(X @ torch.randn(1024, 1024, generator=g) / 32), torch.ones(4096, 1)], 1)
    S2 = B.T @ B / 4096
    V = torch.randn(4096, 1024, generator=g) + torch.tanh(B @ torch.randn(1025, 1024, generator=g) / 32)
    N = B.T @ V / 4096
    def whitened():                                      # Z = diag(e^-½) Qᵀ N over the eigenvalues of S₂ above the floor
        e, Q = torch.linalg.eigh(S2); keep = e > 1e-5 * e[-1]
        return (Q[:, keep].T @ N) / e[keep].sqrt()[:, None]
    def dense():                                         # the same solve with dense eigen-decompositions only (the cost of exactness)
        Z = whitened(); return torch.linalg.eigh(Z.T @ Z)
    Z = whitened(); G = Z.T @ Z
    fns = {'eigh': lambda: torch.linalg.eigh(S2), 'dense': dense, 'two': lambda: (torch.linalg.eigh(S2), torch.linalg.eigh(G))}
    for k in (1, 8, 64): fns[k] = lambda k=k: optimal_neurons(S2, N, max_neurons=k, rel_threshold=0)
    t = alternate(fns)
    print(f"{torch.get_num_threads()} threads; torch.linalg.eigh(S₂) float32: {t['eigh'] * 1e3:.1f} ms (median)")
    for k in (1, 8, 64):
        lam = optimal_neurons(S2, N, max_neurons=k, rel_threshold=0)[2]
        lam64 = optimal_neurons(S2.double(), N.double(), max_neurons=k, rel_threshold=0)[2]   # same floor on S₂ (1e-4 of the largest)
        err = float(((lam.double() - lam64) / lam64).abs().max())
        print(f"optimal_neurons, up to {k:>2} neurons: {t[k] * 1e3:7.1f} ms = {t[k] / t['eigh']:.2f}x eigh   (target ≤ 2x); "
              f"λ against float64: {err:.1e} relative (target ≤ 1e-4)")
    print(f"for comparison, eigh(S₂) + whitening + eigh(ZᵀZ), every λ exact: {t['dense'] * 1e3:.1f} ms = {t['dense'] / t['eigh']:.2f}x eigh")
    s = torch.linalg.svdvals(Z.double())
    print(f"the two eigen-decompositions alone, eigh(S₂) and eigh(ZᵀZ) ({len(G)}²): {t['two'] * 1e3:.1f} ms = {t['two'] / t['eigh']:.2f}x eigh; "
          f"singular values of Z around the 64th: s₆₄ = {s[63]:.4f}, s₆₅ = {s[64]:.4f} (a gap of {float(s[63] / s[64] - 1):.2%}), s₁₂₈ = {s[127]:.4f}")

if __name__ == '__main__': main()
