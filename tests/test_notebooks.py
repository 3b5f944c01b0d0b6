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
