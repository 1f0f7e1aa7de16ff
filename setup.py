"""pip's entry to the CMake build: `pip install --no-build-isolation .` (pyproject.toml, docs/python.md).

build_ext builds the CMake target rgflow_python (python/CMakeLists.txt) for the interpreter running
pip (-DPython_EXECUTABLE=sys.executable) and copies the module rgflow/_core*.so into the wheel next
to the pure-Python modules of python/rgflow/. Nothing is downloaded: pybind11 is Debian's
pybind11-dev (its CMake config), or the pybind11 Python package if the interpreter has one.

Environment:
  RGFLOW_BUILD_DIR=DIR  reuse an existing CMake build tree (e.g. build/release): only
                        `cmake --build DIR --target rgflow_python` runs (a no-op when up to date),
                        after checking that DIR's module is built for this interpreter.
                        Without it, a private Release tree (no tests) is configured under
                        setuptools' build_temp, which is a temporary folder removed afterwards.
  CMAKE_ARGS            extra arguments for that configure step (e.g. -DRGFLOW_NATIVE=OFF).
  CMAKE_BUILD_PARALLEL_LEVEL  build jobs (default: the number of CPUs).
ccache is used when it is on PATH (or CMAKE_<LANG>_COMPILER_LAUNCHER is set in the environment).

setuptools' own build/ and rgflow.egg-info/ go to the same temporary folder, so an install leaves
no files in the checkout.
"""
import atexit
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.egg_info import egg_info

try:
    from setuptools.command.build import build
except ImportError:  # setuptools < 62.4
    from distutils.command.build import build

ROOT = Path(__file__).resolve().parent


def project_version():
    """The version of the CMake project (the one place it is written)."""
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(\s*rgflow\s+VERSION\s+([0-9]+(?:\.[0-9]+)*)", text)
    if not match:
        sys.exit(f"rgflow setup.py: no `project(rgflow VERSION ...)` in {ROOT / 'CMakeLists.txt'}")
    return match.group(1)


_scratch = []


def scratch_dir():
    """One temporary folder per setuptools run for its build/ and egg-info/, removed at exit."""
    if not _scratch:
        _scratch.append(tempfile.mkdtemp(prefix="rgflow-setuptools-"))
        atexit.register(shutil.rmtree, _scratch[0], True)
    return _scratch[0]


class Build(build):
    def initialize_options(self):
        super().initialize_options()
        self.build_base = os.path.join(scratch_dir(), "build")


class EggInfo(egg_info):
    def initialize_options(self):
        super().initialize_options()
        self.egg_base = scratch_dir()


def cache_entry(build_dir, name):
    """The value of NAME in BUILD_DIR/CMakeCache.txt, or None."""
    pattern = re.compile(rf"^{re.escape(name)}:[A-Z]+=(.*)$")
    with open(build_dir / "CMakeCache.txt") as cache:
        for line in cache:
            match = pattern.match(line.rstrip("\n"))
            if match:
                return match.group(1)
    return None


def same_interpreter(path):
    """Whether PATH is this interpreter (or, in a venv, the interpreter the venv was made from)."""
    mine = {os.path.realpath(sys.executable), os.path.realpath(getattr(sys, "_base_executable", sys.executable))}
    return os.path.realpath(path) in mine


def run(cmd, **kwargs):
    print("rgflow setup.py:", shlex.join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


class CMakeBuildExt(build_ext):
    """Builds rgflow._core with CMake instead of setuptools' compiler."""

    def build_extension(self, ext):
        if self.inplace or getattr(self, "editable_mode", False):  # _core*.so would land in python/rgflow/
            sys.exit("rgflow setup.py: editable installs (pip install -e) and build_ext --inplace are not "
                     "supported; use PYTHONPATH=BUILD/python with a CMake build tree (docs/python.md)")
        if shutil.which("cmake") is None:
            sys.exit("rgflow setup.py: cmake not found (Debian: apt install cmake; scripts/install-deps)")
        reuse = os.environ.get("RGFLOW_BUILD_DIR")
        tree = self.reuse_tree(Path(reuse).resolve()) if reuse else self.configure()
        build = ["cmake", "--build", tree, "--target", "rgflow_python"]
        if "CMAKE_BUILD_PARALLEL_LEVEL" not in os.environ:
            build += ["--parallel", str(os.cpu_count() or 1)]
        run(build)
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        module = tree / "python" / "rgflow" / f"_core{suffix}"
        if not module.is_file():
            sys.exit(f"rgflow setup.py: the build did not make {module} (the module for this "
                     f"interpreter, {sys.executable})")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(module, target)
        shutil.copymode(module, target)

    def reuse_tree(self, tree):
        if not (tree / "CMakeCache.txt").is_file():
            sys.exit(f"rgflow setup.py: RGFLOW_BUILD_DIR={tree} is not a CMake build tree (no CMakeCache.txt)")
        python = (cache_entry(tree, "RGFLOW_PYTHON_EXECUTABLE") or cache_entry(tree, "_Python_EXECUTABLE"))
        if not python:
            sys.exit(f"rgflow setup.py: RGFLOW_BUILD_DIR={tree} does not build the Python module "
                     "(configured with RGFLOW_WITH_PYTHON=OFF, under the sanitizers, or without "
                     "python3-dev/pybind11-dev)")
        if not same_interpreter(python):
            sys.exit(f"rgflow setup.py: RGFLOW_BUILD_DIR={tree} builds the module for {python}, not for "
                     f"this interpreter {sys.executable}; run pip with {python}, reconfigure that tree "
                     f"with -DPython_EXECUTABLE={sys.executable}, or unset RGFLOW_BUILD_DIR")
        return tree

    def configure(self):
        tree = Path(self.build_temp).resolve() / "cmake"
        args = ["cmake", "-S", ROOT, "-B", tree,
                "-DCMAKE_BUILD_TYPE=Release",
                f"-DPython_EXECUTABLE={sys.executable}",
                "-DRGFLOW_PYTHON_REQUIRED=ON",
                "-DRGFLOW_WITH_PYTHON=ON",
                "-DRGFLOW_BUILD_TESTS=OFF",
                "-DRGFLOW_BUILD_BENCH=OFF",
                "-DRGFLOW_BUILD_FUZZ=OFF",
                "-DRGFLOW_SANITIZE=OFF",
                "-DRGFLOW_WERROR=OFF"]
        try:  # the pybind11 Python package carries a CMake config too
            import pybind11
            args.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
        except ImportError:
            pass
        if shutil.which("ccache"):
            for lang in ("C", "CXX"):
                if f"CMAKE_{lang}_COMPILER_LAUNCHER" not in os.environ:
                    args.append(f"-DCMAKE_{lang}_COMPILER_LAUNCHER=ccache")
        args += shlex.split(os.environ.get("CMAKE_ARGS", ""))
        run(args)
        return tree


setup(
    version=project_version(),
    ext_modules=[Extension("rgflow._core", sources=[])],
    cmdclass={"build": Build, "egg_info": EggInfo, "build_ext": CMakeBuildExt},
)
