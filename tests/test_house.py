"""The rules of the house that a test can check (docs/architecture.md, CONTRIBUTING.md).

The dependency contract itself is checked by import-linter in `make lint` (`.importlinter`); these tests check
what it cannot: the length of functions, why an import sits inside a function, and that the dependency contract
runs at all and holds.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "commonweal"
MAX_FUNCTION_LINES = 80
# An import inside a function is allowed only to keep start-up cheap (a heavy module needed on few paths); the
# comment on the line above or on the line itself must say so with one of these words.
START_UP_WORDS = ("start-up", "startup")


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for fn in _functions(tree):
        lines = (fn.end_lineno or fn.lineno) - fn.lineno + 1
        if lines > MAX_FUNCTION_LINES:
            found.append(f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name} ({lines} lines)")
    return found


def _unexplained_inner_imports(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []
    for fn in _functions(ast.parse(text)):
        for node in ast.walk(fn):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            here = lines[node.lineno - 1]
            above = lines[node.lineno - 2] if node.lineno >= 2 else ""
            reason = (here.split("#", 1)[1] if "#" in here else "") + (
                above if above.strip().startswith("#") else ""
            )
            if not any(word in reason.lower() for word in START_UP_WORDS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} in {fn.name}: {here.strip()}")
    return sorted(set(found))


def test_no_function_is_longer_than_80_lines():
    found = [f for p in _sources() for f in _long_functions(p)]
    assert not found, "Split these functions (at most 80 lines, from def to the end):\n" + "\n".join(found)


def test_an_import_inside_a_function_says_it_is_there_for_start_up_cost():
    found = [f for p in _sources() for f in _unexplained_inner_imports(p)]
    assert not found, (
        "Move these imports to the top of the module, or say on the line above that the import is deferred "
        "for start-up cost (a heavy module needed on few paths):\n" + "\n".join(found)
    )


def test_the_checks_find_what_they_look_for(tmp_path):
    """The two checks above can fail: a long function and a bare inner import are found."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    sample = tmp_path / "sample.py"
    sample.write_text(f"def long():\n{body}\n\n\ndef inner():\n    import json\n\n    return json\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _long_functions(sample) == ["sample.py:1 long (81 lines)"]
        assert _unexplained_inner_imports(sample) == ["sample.py:85 in inner: import json"]
        sample.write_text("def inner():\n    # deferred for start-up cost: json is heavy\n    import json\n")
        assert _unexplained_inner_imports(sample) == []
    finally:
        ROOT = saved


def test_the_dependency_contract_holds():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.fail("import-linter is not installed: run 'make install-dev' (it is a dev dependency).")
    done = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    # The engine's, the layers' and one per app for views: the configuration was read, not skipped.
    assert done.stdout.count(" KEPT") >= 8, done.stdout[-2000:]
