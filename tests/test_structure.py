"""The package reads in one direction: each module imports only modules of notebooks numbered before its own, classes of the
package get methods only in their own module, and exported cells stay short."""
import ast, re
from pathlib import Path
import pytest

PKG = Path(__file__).resolve().parents[1] / 'growing_nets'
MODULES = sorted(p for p in PKG.glob('*.py') if not p.name.startswith('_'))

def notebook_number(path:Path) -> tuple[int, str]:
    "Number of the notebook a module is exported from (`11a` → (11, 'a'): inserted after 11), read from the header nbdev writes."
    m = re.search(r'File to edit: \.\./nbs/(\d+)([a-z]?)_\w+\.ipynb', path.read_text())
    assert m, f'{path.name} does not say which notebook it is exported from'
    return int(m[1]), m[2]

def package_imports(path:Path) -> set[str]:
    "Modules of the package that `path` imports."
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level == 1: out.add(node.module.split('.')[0])
            elif node.module.startswith('growing_nets.'): out.add(node.module.split('.')[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split('.')[1] for a in node.names if a.name.startswith('growing_nets.')}
    return out

def classes_of(path:Path) -> set[str]:
    return {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)}

NUMBERS = {p.stem: notebook_number(p) for p in MODULES}
CLASSES = {p.stem: classes_of(p) for p in MODULES}

def test_notebook_numbers_are_distinct():
    assert len(set(NUMBERS.values())) == len(NUMBERS), NUMBERS

@pytest.mark.parametrize('path', MODULES, ids=lambda p: p.stem)
def test_imports_only_earlier_notebooks(path):
    later = {m: '%02d%s' % NUMBERS[m] for m in package_imports(path) if NUMBERS.get(m, (-1, '')) >= NUMBERS[path.stem]}
    assert not later, f"{path.stem} (notebook {'%02d%s' % NUMBERS[path.stem]}) imports modules of later notebooks: {later}"

def patched_classes(path:Path) -> set[str]:
    "Names in the annotation of `self` of every function decorated with fastcore's `patch`."
    out = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.FunctionDef) and any('patch' in ast.unparse(d) for d in n.decorator_list) and n.args.args:
            ann = n.args.args[0].annotation
            if ann is not None: out |= set(re.findall(r'\w+', ast.unparse(ann)))
    return out

@pytest.mark.parametrize('path', MODULES, ids=lambda p: p.stem)
def test_package_classes_patched_only_at_home(path):
    ours = set().union(*CLASSES.values())
    foreign = {c for c in patched_classes(path) & ours if c not in CLASSES[path.stem]}
    assert not foreign, f'{path.stem} attaches methods to classes of other modules: {foreign}'

@pytest.mark.parametrize('path', MODULES, ids=lambda p: p.stem)
def test_exported_cells_are_short(path):
    cells = re.split(r'\n# %% .*\n', path.read_text())[1:]
    long = [c.strip().splitlines()[0] for c in cells if len(c.strip().splitlines()) > 40]
    assert not long, f'{path.stem}: exported cells longer than 40 lines, starting with {long}'
