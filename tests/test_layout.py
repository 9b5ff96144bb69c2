"""The test tree stays a package: a folder of test modules without __init__.py would bring back
modules named after their file alone, and two conftest.py files standing in for each other."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_folder_with_python_modules_is_a_package() -> None:
    folders = {path.parent for path in TESTS.rglob("*.py")}
    missing = sorted(
        str(f.relative_to(TESTS.parent)) for f in folders if not (f / "__init__.py").exists()
    )
    assert missing == [], f"add an __init__.py to {missing}"
