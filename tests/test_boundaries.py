"""The package boundaries hold: the import contract in ``.importlinter`` is kept by the tree as it is, and it
really catches the imports it forbids (a copy of the tree with one bad import breaks the named contract).

What the contracts say is in ``.importlinter`` and docs/architecture.md: the deciding stages import no I/O
library, ``monitor`` never imports ``spiders``, only ``monitor.store`` imports sqlalchemy, the packages are
layered by stage, and no package's modules import each other in a cycle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the packages under ``root`` (found first on the path), with the repository's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(CONFIG), "--no-cache", "--no-logo"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )


def copy_of_tree(tmp_path: Path) -> Path:
    for package in ("monitor", "spiders"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_tree_keeps_every_import_contract() -> None:
    result = lint_imports(REPO)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("monitor/judgement/match.py", "import sqlalchemy", "The deciding stages import no I/O library"),
        ("monitor/alerts/render.py", "import apprise", "The deciding stages import no I/O library"),
        ("monitor/service/cycle.py", "import sqlalchemy", "Only monitor.store imports sqlalchemy"),
        ("monitor/ingest/fetch.py", "import spiders.items", "monitor never imports spiders"),
        ("monitor/judgement/stories.py", "import monitor.service.pipeline", "Packages by stage"),
        ("monitor/model.py", "import monitor.config", "Packages by stage"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, bad_import: str, contract: str) -> None:
    root = copy_of_tree(tmp_path)
    path = root / module
    path.write_text(path.read_text() + f"\n{bad_import}  # added by the test\n")

    result = lint_imports(root)

    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
