"""The layers of docs/design/layers.md hold: the core imports no Locust, gevent, YAML, JSON Schema,
files or processes and no other layer of perfgate, and every layer imports only those below it
(the contracts are in pyproject.toml, checked by import-linter)."""

from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_the_import_contracts_are_kept(capsys):
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert "2 kept, 0 broken" in report
