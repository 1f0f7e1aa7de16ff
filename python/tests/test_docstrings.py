"""Every public class, function and method of the rgflow package has a numpydoc docstring that
documents each of its parameters and nothing else (numpydoc's checks PR01, PR02, GL08, RT01: the
ones docs/api/python/conf.py turns into Sphinx build errors), so the API reference cannot lose a
parameter silently even where Sphinx is not installed."""
import importlib
import inspect
import pkgutil

import pytest

import rgflow

validate = pytest.importorskip("numpydoc.validate")

CHECKS = {"PR01", "PR02", "GL08", "RT01"}


def public_objects():
    """(import path, object) of every public function, class and method defined in the
    package's Python modules (C++ classes of rgflow._core excluded: pybind11 docstrings)."""
    out = []
    for info in pkgutil.iter_modules(rgflow.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"rgflow.{info.name}")
        except ImportError:  # rgflow.plot without matplotlib
            continue
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                out.append((f"{module.__name__}.{name}", obj))
            elif inspect.isclass(obj):
                out.append((f"{module.__name__}.{name}", obj))
                for klass in obj.__mro__:
                    if not klass.__module__.startswith("rgflow."):
                        continue
                    for attr, member in vars(klass).items():
                        if attr.startswith("_"):
                            continue
                        if isinstance(member, (classmethod, staticmethod)):
                            member = member.__func__
                        if inspect.isfunction(member) or isinstance(member, property):
                            out.append((f"{klass.__module__}.{klass.__qualname__}.{attr}", member))
    return sorted(set(out), key=lambda t: t[0])


def test_the_walk_finds_the_api():
    names = {name for name, _ in public_objects()}
    assert {"rgflow.rbm.BernoulliRBM", "rgflow.rbm._RBMBase.fit", "rgflow.dbn.DBN.transform",
            "rgflow.ising.sample", "rgflow.lppl.lppl_fit"} <= names
    assert len(names) > 100


@pytest.mark.parametrize("name", [name for name, _ in public_objects()])
def test_docstring_documents_every_parameter(name):
    result = validate.validate(name)
    errors = [f"{code}: {message}" for code, message in result["errors"] if code in CHECKS]
    assert not errors, errors
