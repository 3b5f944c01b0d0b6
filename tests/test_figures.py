"""Figures are kept: a cell of an executed notebook in nbs/ that draws a figure holds its image, so that the rendered page shows it."""
import json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb')
                   if not any(part.startswith(('_', '.')) for part in p.relative_to(ROOT / 'nbs').parts))
DRAWS = re.compile(r"plt\.(subplots|figure|plot|hist|scatter|imshow)\(|\.plot(_\w+)?\(|_figure\(|\bshow_batch\(")

def drawing_cells(nb:dict) -> list[int]:
    "Indices of code cells that draw a figure for the page (not exported code, not figures saved to a file and closed)."
    out = []
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or src.lstrip().startswith('#| export') or 'plt.close' in src: continue
        if DRAWS.search('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith('#'))): out.append(i)
    return out

def has_image(cell:dict) -> bool:
    return any(k.startswith('image/') for o in cell.get('outputs', []) for k in o.get('data', {}))

@pytest.mark.parametrize('path', NOTEBOOKS, ids=[str(p.relative_to(ROOT / 'nbs')) for p in NOTEBOOKS])
def test_drawn_figures_are_kept(path):
    nb = json.loads(path.read_text())
    if not any(c.get('outputs') for c in nb['cells'] if c['cell_type'] == 'code'): pytest.skip('not executed: no outputs kept')
    missing = [i for i in drawing_cells(nb) if not has_image(nb['cells'][i])]
    assert not missing, f"{path.relative_to(ROOT)}: cells {missing} draw a figure but keep no image (was matplotlib switched to a non-interactive backend?)"

def test_the_check_sees_a_missing_figure():
    "The check itself: a drawing cell without an image is found, one with its image is not."
    cell = lambda src, outputs: dict(cell_type='code', source=[src], outputs=outputs)
    png = [dict(output_type='display_data', data={'image/png': 'iVBOR...'})]
    nb = dict(cells=[cell("fig, ax = plt.subplots()\nax.plot([1, 2])", []), cell("learn.growth.plot_widths()", png),
                     cell("#| export\ndef f(): plt.subplots()", []), cell("fig = training_figure(m, 3); fig.savefig('a.png'); plt.close(fig)", [])])
    assert drawing_cells(nb) == [0, 1]
    assert [i for i in drawing_cells(nb) if not has_image(nb['cells'][i])] == [0]
