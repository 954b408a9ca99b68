#!/usr/bin/env python3
"""Checks the install command of docs/bindings.md and the README: in a fresh virtual
environment, `pip install --no-index ./bindings/python` builds and installs the package
without PyPI, the Python example and the sessions shown in the README and in
docs/bindings.md run against the installed copy (not the build tree), and `pip uninstall`
removes it again.

Usage: pip_install_check.py SOURCE_DIR WORK_DIR
Run with the interpreter the package is for. The wheel's CMake build stays in the backend's
default folder, SOURCE_DIR/build/python-wheel, between runs: at the same depth below the
source as build/release, so with CCACHE_BASEDIR set to the source (scripts/test.sh does) its
compilations are the release build's and come from ccache instead of being repeated.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    print(done.stdout, flush=True)
    if done.returncode != 0:
        raise SystemExit(f"pip_install_check: FAILED ({done.returncode}): {' '.join(command)}")
    return done.stdout


def python_block_after(path: Path, heading: str) -> str:
    """The first ```python block after `heading` in a Markdown file."""
    text = path.read_text(encoding="utf-8")
    start = text.index(heading)
    block = text.index("```python\n", start) + len("```python\n")
    return text[block:text.index("```", block)]


def main() -> int:
    source, work = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    venv = work / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)

    # Nothing of the build tree may leak in: no PYTHONPATH, no user site.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               BOKA_WHEEL_BUILD_DIR=str(source / "build" / "python-wheel"))

    run([sys.executable, "-m", "venv", str(venv)], env, work)
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--no-index", str(source / "bindings" / "python")],
        env, work)

    where = run([python, "-c", "import boka, os; print(os.path.dirname(boka.__file__))"],
                env, work).strip().splitlines()[-1]
    installed = Path(where)
    if venv not in installed.parents:
        raise SystemExit(f"pip_install_check: boka was imported from {installed}, not the venv")
    for name in ("__init__.py", "_types.py", "_errors.py", "_native.pyi", "py.typed"):
        if not (installed / name).is_file():
            raise SystemExit(f"pip_install_check: {name} is not installed in {installed}")

    db = work / "example.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    out = run([python, str(source / "examples" / "python" / "quickstart.py")],
              dict(env, BOKA_EXAMPLE_DB=str(db)), work)
    if "booked reservation" not in out or "next free start:" not in out:
        raise SystemExit("pip_install_check: the example did not book")

    # The sessions the README and docs/bindings.md show, each in a fresh folder.
    sessions = (("README.md", "## C and Python", r"booked \d+ at .*\nrefused; next free start: "),
                ("docs/bindings.md", "### A session", r"\d\d:\d\d:00\+0[12]:00"))  # Berlin time
    for doc, heading, expected in sessions:
        folder = work / ("session-" + Path(doc).stem)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        script = folder / "session.py"
        script.write_text(python_block_after(source / doc, heading), encoding="utf-8")
        out = run([python, str(script)], env, folder)
        if not re.search(expected, out):
            raise SystemExit(f"pip_install_check: the session of {doc} did not print {expected!r}")

    run([python, "-m", "pip", "uninstall", "--yes", "boka"], env, work)
    if installed.exists():
        raise SystemExit(f"pip_install_check: {installed} is still there after uninstall")
    print("pip_install_check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
