"""An in-tree PEP 517 build backend for the `boka` package: builds boka._native with CMake
(the same CMakeLists as the rest of boka) and packs it with the Python files into a wheel.

It needs nothing beyond the standard library, so

    pip install --no-index ./bindings/python

works on a machine without PyPI access (no setuptools, no wheel package). The C++ build
needs what scripts/install-deps.sh installs. Settings (environment variables):

    BOKA_WHEEL_BUILD_DIR  the CMake build directory (default: <repo>/build/python-wheel);
                          kept between builds, so a reinstall is incremental
    BOKA_CMAKE_ARGS       extra arguments for the CMake configure step, split on spaces
                          (e.g. "-DBOKA_WITH_POSTGRESQL=OFF")
    CMAKE_BUILD_PARALLEL_LEVEL  parallel jobs (default: the number of CPUs)

Editable installs and source distributions are not offered: the package is built from the
whole boka source tree, which an sdist of this folder would not contain.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]  # bindings/python/build_backend -> the boka source tree
NAME = "boka"
SUMMARY = "Embeddable booking engine: Python bindings"


def _version() -> str:
    text = (REPO / "CMakeLists.txt").read_text(encoding="utf-8")
    match = re.search(r"project\(boka VERSION (\d+\.\d+\.\d+)", text)
    if not match:
        raise RuntimeError(f"no project(boka VERSION x.y.z) in {REPO / 'CMakeLists.txt'}")
    return match.group(1)


def _tag() -> str:
    interpreter = f"cp{sys.version_info.major}{sys.version_info.minor}"
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return f"{interpreter}-{interpreter}-{platform}"


def _dist_info() -> str:
    return f"{NAME}-{_version()}.dist-info"


def _metadata() -> str:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {_version()}\n"
        f"Summary: {SUMMARY}\n"
        "Requires-Python: >=3.10\n"
    )


def _wheel_file() -> str:
    return (
        "Wheel-Version: 1.0\n"
        "Generator: boka_build\n"
        "Root-Is-Purelib: false\n"
        f"Tag: {_tag()}\n"
    )


def _run(command: list[str]) -> None:
    print("boka_build:", " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=sys.stderr)


def _build_package() -> Path:
    """Configures and builds boka._native; returns the folder holding the built package."""
    build_dir = Path(os.environ.get("BOKA_WHEEL_BUILD_DIR") or REPO / "build" / "python-wheel")
    cmake = shutil.which("cmake")
    if cmake is None:
        raise RuntimeError("cmake is not on PATH (scripts/install-deps.sh installs it)")
    configure = [
        cmake, "-S", str(REPO), "-B", str(build_dir),
        "-DCMAKE_BUILD_TYPE=Release",
        "-DBOKA_BUILD_PYTHON=ON",
        "-DBOKA_BUILD_C_API=OFF",
        "-DBOKA_BUILD_TESTS=OFF",
        "-DBOKA_BUILD_BENCHMARKS=OFF",
        "-DBOKA_BUILD_EXAMPLES=OFF",
        "-DBOKA_INSTALL=OFF",
        # The library in unity batches, as the presets build it (CMakeLists.txt): about
        # half the compile time, and with ccache the release build's objects are reused.
        "-DBOKA_UNITY_BUILD=ON",
        f"-DPython3_EXECUTABLE={sys.executable}",
    ]
    if shutil.which("ccache"):
        configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    configure += os.environ.get("BOKA_CMAKE_ARGS", "").split()
    _run(configure)
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
    _run([cmake, "--build", str(build_dir), "--target", "boka_native", "--parallel", jobs])
    package = build_dir / "bindings" / "python" / "package" / NAME
    if not any(package.glob("_native*.so")):
        raise RuntimeError(f"the build left no boka/_native*.so in {package}")
    return package


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


# --- PEP 517 hooks ----------------------------------------------------------------------


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> list[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str,
                                     config_settings: Optional[dict] = None) -> str:
    target = Path(metadata_directory) / _dist_info()
    target.mkdir(parents=True, exist_ok=True)
    (target / "METADATA").write_text(_metadata(), encoding="utf-8")
    (target / "WHEEL").write_text(_wheel_file(), encoding="utf-8")
    return target.name


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None,
                metadata_directory: Optional[str] = None) -> str:
    package = _build_package()
    files = sorted(p for p in package.iterdir()
                   if p.is_file() and (p.suffix in (".py", ".pyi", ".so") or p.name == "py.typed"))
    wheel_name = f"{NAME}-{_version()}-{_tag()}.whl"
    dist_info = _dist_info()
    record: list[str] = []
    Path(wheel_directory).mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(Path(wheel_directory) / wheel_name, "w", zipfile.ZIP_DEFLATED) as wheel:
        def add(path: str, data: bytes) -> None:
            wheel.writestr(path, data)
            record.append(_record_line(path, data))

        for f in files:
            add(f"{NAME}/{f.name}", f.read_bytes())
        add(f"{dist_info}/METADATA", _metadata().encode())
        add(f"{dist_info}/WHEEL", _wheel_file().encode())
        add(f"{dist_info}/top_level.txt", f"{NAME}\n".encode())
        record.append(f"{dist_info}/RECORD,,")
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel_name
