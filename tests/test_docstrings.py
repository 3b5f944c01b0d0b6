"Every public function and class of the package (the names in each module's `__all__`) has a one-line docstring."
import dataclasses, importlib, inspect, pkgutil

import growing_nets


def public_objects():
    "`(module.name, object)` for every function and class named in the `__all__` of a module of `growing_nets`."
    for info in pkgutil.walk_packages(growing_nets.__path__, 'growing_nets.'):
        if any(part.startswith('_') for part in info.name.split('.')): continue
        mod = importlib.import_module(info.name)
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name, None)
            if inspect.isclass(obj) or inspect.isfunction(obj): yield f'{info.name}.{name}', obj


def summary(obj) -> str:
    "First line of the object's own docstring; '' when it has none (a dataclass's generated signature is none)."
    doc = obj.__doc__ or ''
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and doc.startswith(f'{obj.__name__}('): doc = ''
    return doc.strip().split('\n')[0].strip()


def test_public_names_have_docstrings():
    "Fails listing every public function or class without a one-line docstring."
    objs = list(public_objects())
    assert objs, 'no public names found: is `__all__` defined in the modules of growing_nets?'
    missing = sorted(name for name, obj in objs if not summary(obj))
    assert not missing, 'public names without a one-line docstring:\n  ' + '\n  '.join(missing)
