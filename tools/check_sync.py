"""Fail if the notebooks are not clean, or the package or README is not what the notebooks export.

Runs `nbdev_export`, `nbdev_clean` and the README generation, compares every file they may touch with
its content before, restores the originals, and exits 1 naming the files that would change."""
import hashlib, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def snapshot() -> dict:
    "Content of every notebook, package module and the README."
    files = [*ROOT.glob('nbs/**/*.ipynb'), *ROOT.glob('growing_nets/**/*.py'), ROOT / 'README.md', ROOT / 'pyproject.toml']
    return {p: p.read_bytes() for p in files if p.is_file() and '.ipynb_checkpoints' not in p.parts}

def main() -> int:
    before = snapshot()
    try:
        for cmd in ([str(BIN / 'nbdev_export')], [str(BIN / 'nbdev_clean')], [sys.executable, str(ROOT / 'tools' / 'make_readme.py')]):
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
        after = snapshot()
    finally:
        current = snapshot()
        for p in set(current) - set(before): p.unlink()                    # files the export created
        for p, content in before.items(): p.write_bytes(content)
    changed = sorted(str(p.relative_to(ROOT)) for p in set(before) | set(after) if before.get(p) != after.get(p))
    if changed:
        print('Out of step with the notebooks (run `nbdev_export`, `nbdev_clean` and `python tools/make_readme.py`, then commit):')
        for c in changed: print('  ' + c)
        return 1
    print(f'notebooks clean; package and README in step with them ({len(before)} files checked)')
    return 0

if __name__ == '__main__': sys.exit(main())
