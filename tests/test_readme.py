"""The README's code, as a new user runs it: every Python block, copied verbatim in order, into a fresh interpreter."""
import re, subprocess, sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / 'README.md'

def test_readme_python_blocks_run_verbatim(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2, "the README's quick start has no Python block"
    script = tmp_path / 'quick_start.py'
    script.write_text('\n'.join(blocks))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, f"the README's code fails when run as written:\n{r.stderr[-3000:]}"

def test_readme_results_table_is_the_experiments():
    "The results table at the top of the README gives the numbers of the CPU reproduction's summary, row by row."
    import pandas as pd
    summary = pd.read_csv(README.parent / 'nbs' / 'experiments' / 'cifar10' / 'cpu_early' / 'summary.csv').set_index('run')
    rows = re.findall(r"^\| `(\w+)`: [^|]+\| ([\d.]+) ± ([\d.]+) \| ([\d,]+) \| ([\d.]+) \|$", README.read_text(), flags=re.M)
    assert len(rows) >= 5, rows
    for run, acc, sd, params, minutes in rows:
        s = summary.loc[run]
        assert (float(acc), float(sd), int(params.replace(',', '')), float(minutes)) == \
               (s['test accuracy %'], s['sd'], s['parameters'], s['wall time min, runs alone']), run

def test_readme_lists_every_library_notebook():
    "The README's table of notebooks and modules names every notebook that exports a module."
    listed = set(re.findall(r"^\| `(\d+\w*)` \| `growing_nets", README.read_text(), flags=re.M))
    exporting = {p.stem for p in (README.parent / 'nbs').glob('[0-9]*.ipynb') if '#| default_exp' in p.read_text()}
    assert exporting - listed == set(), f"notebooks missing from the README's table: {sorted(exporting - listed)}"
