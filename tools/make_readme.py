"Write README.md from nbs/index.ipynb: its markdown, and its visible code cells with their outputs."
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB_LINK = re.compile(r'\]\((?!\w+:|/|#)([^)\s#]+)\.ipynb(#[^)\s]*)?\)')  # `[text](02_bottleneck.ipynb#anchor)`
NB_PREFIX = re.compile(r'^\d+[a-zA-Z0-9]*_')  # the number prefix nbdev drops from page names
IMAGE = re.compile(r'(!\[[^\]]*\]\()(?!\w+:|/)([^)\s]+\))')  # `![alt](experiments/x.png)`: relative to nbs/

def site_link(m:re.Match) -> str:
    "A link to a notebook turned into one to its page of the built site: `02_bottleneck.ipynb` -> `_docs/bottleneck.html`."
    path = Path(m[1])
    page = (path.parent / NB_PREFIX.sub('', path.name.lower())).as_posix()
    return f"](_docs/{page}.html{m[2] or ''})"

def cell_markdown(cell:dict) -> str:
    "Markdown for one cell, or '' for a hidden code cell."
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown':
        return IMAGE.sub(r'\1nbs/\2', NB_LINK.sub(site_link, re.sub(r'^> (.*)$', r'> \1', src, count=1, flags=re.M)))
    if re.search(r'^#\|\s*hide', src, flags=re.M): return ''
    outs = ''.join(''.join(o.get('text', '')) for o in cell.get('outputs', []) if o.get('output_type') == 'stream')
    return f"```python\n{src}\n```" + (f"\n\n```\n{outs.rstrip()}\n```" if outs.strip() else '')

def main():
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    parts = [m for m in (cell_markdown(c) for c in nb['cells']) if m]
    note = '<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook -->'
    (ROOT / 'README.md').write_text(note + '\n\n' + '\n\n'.join(parts) + '\n')

if __name__ == '__main__': main()
