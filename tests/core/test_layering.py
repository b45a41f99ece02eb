"""The tree shows the design: a neutral core, providers as equal siblings, data flowing one way.

- The core (transport, errors, retry, the lenient wire toolkit, id sets, the bulk engine, the
  shared test-server base) names no provider: no vendor word in code, comments or docstrings.
- The core never imports a provider package or the command line; providers never import each
  other; nothing below the command line imports it.
- No module is longer than about 500 lines unless its docstring says why ("longer than 500
  lines because ...").

A line that keeps a deprecated public name alive may carry the marker ``# deprecated alias``;
it is exempt from the vocabulary and import rules (and goes with the alias).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cc_campaigns"
PROVIDERS = ("dynamic", "voipbin", "campaigns_v1")
#: Paths (relative to the package) of the neutral core.
CORE = (
    "_transport",
    "bulk",
    "testing/server.py",
    "testing/faults.py",
    "testing/runner.py",
    "retry.py",
    "_wire.py",
    "_idset.py",
)
#: Words of one provider or another: vendor names and their items/targets.
VENDOR_WORDS = re.compile(r"8x8|voipbin|outdial|customer", re.IGNORECASE)
#: errors.py is the one error tree: it may name campaigns (every provider has them), not vendors.
ERRORS_WORDS = re.compile(r"8x8|voipbin", re.IGNORECASE)
EXEMPT = "# deprecated alias"
#: "About 500 lines": a little slack, so that a docstring does not force a split.
LONG = 520
LONG_REASON = re.compile(r"longer than 500 lines", re.IGNORECASE)


def _modules(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = PACKAGE / part
        if path.is_dir():
            found.extend(sorted(path.rglob("*.py")))
        elif path.is_file():
            found.append(path)
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, as absolute dotted names, with its line."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + "." + "__init__"
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: -node.level] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names = [module] if node.module else [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        if EXEMPT in lines[node.lineno - 1]:
            continue
        found.extend((node.lineno, name) for name in names)
    return found


def test_the_core_exists() -> None:
    assert len(_modules(*CORE)) >= 10


@pytest.mark.parametrize("path", _modules(*CORE), ids=_name)
def test_the_core_names_no_provider(path: Path) -> None:
    offending = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if VENDOR_WORDS.search(line) and EXEMPT not in line
    ]
    assert offending == []


def test_the_error_tree_names_no_vendor() -> None:
    text = (PACKAGE / "errors.py").read_text(encoding="utf-8").splitlines()
    assert [line for line in text if ERRORS_WORDS.search(line)] == []


@pytest.mark.parametrize("path", _modules(*CORE, "errors.py"), ids=_name)
def test_the_core_imports_no_provider_and_no_cli(path: Path) -> None:
    upward = ("cc_campaigns.cli", *(f"cc_campaigns.{provider}" for provider in PROVIDERS))
    assert [(line, name) for line, name in _imports(path) if name.startswith(upward)] == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_provider_imports_no_sibling_and_no_cli(provider: str) -> None:
    others = tuple(f"cc_campaigns.{other}" for other in PROVIDERS if other != provider)
    upward = ("cc_campaigns.cli", *others)
    for path in _modules(provider):
        assert [(n, name) for n, name in _imports(path) if name.startswith(upward)] == [], path


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=_name)
def test_no_module_is_long_without_a_reason(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.count("\n") <= LONG:
        return
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert LONG_REASON.search(docstring), (
        f"{_name(path)} has {text.count(chr(10))} lines: split it, or say at its top why it is "
        "longer than 500 lines"
    )
