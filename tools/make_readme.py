"Write README.md from nbs/index.ipynb: its markdown, and its visible code cells with their outputs."
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def cell_markdown(cell:dict) -> str:
    "Markdown for one cell, or '' for a hidden code cell."
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown':
        return re.sub(r'^> (.*)$', r'> \1', src, count=1, flags=re.M)
    if re.search(r'^#\|\s*hide', src, flags=re.M): return ''
    outs = ''.join(''.join(o.get('text', '')) for o in cell.get('outputs', []) if o.get('output_type') == 'stream')
    return f"```python\n{src}\n```" + (f"\n\n```\n{outs.rstrip()}\n```" if outs.strip() else '')

def main():
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    parts = [m for m in (cell_markdown(c) for c in nb['cells']) if m]
    note = '<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook -->'
    (ROOT / 'README.md').write_text(note + '\n\n' + '\n\n'.join(parts) + '\n')

if __name__ == '__main__': main()
