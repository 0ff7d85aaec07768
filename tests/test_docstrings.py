"""The `>>>` examples in the package's docstrings run as tests.

They are run through the `doctest` module on the installed package, so the
check works the same for an editable install and for the wheel that nox builds.
"""

import doctest
import importlib
import pkgutil

import pytest

import modern_convnets

MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(modern_convnets.__path__, "modern_convnets.")
)


def test_every_module_is_checked():
    assert "modern_convnets.arithmetic" in MODULES
    assert len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, capsys):
    module = importlib.import_module(name)
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    report = capsys.readouterr().out
    assert result.failed == 0, report
