"Every notebook of nbs/ is one test case, executed the way `nbdev_test` executes it."
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb')
                   if not any(part.startswith(('_', '.')) for part in p.relative_to(ROOT / 'nbs').parts))
FLAGS = get_config(path=ROOT).tst_flags.split()


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(ROOT / 'nbs')) for p in NOTEBOOKS])
def test_notebook(nb):
    "The notebook runs to the end (cells flagged slow or cuda skipped, as with nbdev_test)."
    force = [f for f in os.environ.get('GN_TEST_FLAGS', '').split(',') if f]
    ok, secs = run_notebook(nb, skip_flags=FLAGS, force_flags=force, showerr=True)
    assert ok, f"notebook {nb.relative_to(ROOT)} failed (traceback above)"


GPU_NOTEBOOKS = [p for p in NOTEBOOKS if '#| cuda' in p.read_text()]

@pytest.mark.parametrize('nb', GPU_NOTEBOOKS, ids=[p.name for p in GPU_NOTEBOOKS])
def test_runs_as_a_document_on_cpu(nb):
    "A notebook with GPU cells runs to the end as a document on a machine without CUDA: its GPU cells included, they guard themselves."
    import torch
    if torch.cuda.is_available(): pytest.skip('CUDA is here: the GPU cells run for real in test_notebook')
    ok, _ = run_notebook(nb, skip_flags=[f for f in FLAGS if f != 'cuda'], force_flags=['cuda'], showerr=True)
    assert ok, f"{nb.relative_to(ROOT)} fails when its GPU cells run on a CPU (traceback above)"
