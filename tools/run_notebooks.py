"""Execute notebooks in place so that their outputs are kept for the docs, skipping cells flagged with
one of settings.ini's `tst_flags` (slow, cuda) unless named with --flags.

    python tools/run_notebooks.py nbs/04_solver.ipynb ...     (default: every notebook of nbs/)"""
import argparse, os, re
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parent.parent

def flagged(cell, flags:set) -> bool:
    "Whether a code cell carries one of `flags` as an `#| flag` directive."
    return any(re.match(r'^#\|\s*(\S+)\s*$', l) and re.match(r'^#\|\s*(\S+)', l).group(1) in flags
               for l in cell.source.splitlines() if l.startswith('#|'))

def run(path:Path, flags:set):
    "Execute `path` in its folder, skipping flagged cells, and write it back."
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=1800, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != 'code': continue
            if flagged(cell, flags): cell.outputs, cell.execution_count = [], None; continue
            client.execute_cell(cell, i)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(ROOT)}")

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', type=Path)
    ap.add_argument('--flags', default='', help='comma-separated flags to run anyway (e.g. slow)')
    a = ap.parse_args()
    flags = set(get_config(path=ROOT).tst_flags.split()) - set(filter(None, a.flags.split(',')))
    nbs = a.notebooks or sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb') if not any(q.startswith(('_', '.')) for q in p.relative_to(ROOT / 'nbs').parts))
    for p in nbs: run(p.resolve(), flags)

if __name__ == '__main__': main()
