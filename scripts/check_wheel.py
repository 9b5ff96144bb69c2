"""Check that a built wheel carries what an installed hpc-jupyter needs to run."""

from __future__ import annotations

import sys
import zipfile

REQUIRED = (
    "hpc_jupyter/__init__.py",
    "hpc_jupyter/app.py",
    "hpc_jupyter/event_schemas/job_state/v1.yaml",
    "hpc_jupyter/backends/local/__init__.py",
    "etc/jupyter/jupyter_server_config.d/hpc_jupyter.json",
    # the prebuilt JupyterLab side panel
    "share/jupyter/labextensions/hpc-jupyter/package.json",
    "share/jupyter/labextensions/hpc-jupyter/static/style.js",
    "share/jupyter/labextensions/hpc-jupyter/install.json",
)


def main(paths: list[str]) -> int:
    """Report every required file missing from each wheel; 1 if any is missing."""
    if not paths:
        print("usage: check_wheel.py WHEEL...", file=sys.stderr)
        return 2
    missing: list[str] = []
    for path in paths:
        with zipfile.ZipFile(path) as wheel:
            names = wheel.namelist()
        for required in REQUIRED:
            if not any(name.endswith(required) for name in names):
                missing.append(f"{path}: {required}")
        entry_points = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        if not entry_points:
            missing.append(f"{path}: entry_points.txt (the hpc_jupyter.backends group)")
    for line in missing:
        print(f"missing from wheel: {line}", file=sys.stderr)
    if not missing:
        print(f"wheel check: {len(paths)} wheel(s) complete")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
