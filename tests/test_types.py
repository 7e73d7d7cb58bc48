"""The product type-checks strictly: ``mypy --strict monitor`` reports no error (issue 17).

A new function without annotations, an ``Any`` leaking out of a library into a typed return, or a ``type: ignore``
that no longer ignores anything fails here, where it is made, not in a later reader's head.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_strict_finds_no_error_in_monitor() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "monitor"],
        cwd=REPO, capture_output=True, text=True, timeout=110,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")
