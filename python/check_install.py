"""The ctest entry python.install (python/CMakeLists.txt): pip-installs the checkout into a fresh
temporary venv and runs the pytest suite against the installed package.

    python3 check_install.py SOURCE_DIR BUILD_DIR VERSION

1. `python3 -m venv --system-site-packages` (numpy, scikit-learn, pytest come from the system);
2. `pip install --no-build-isolation --no-index SOURCE_DIR` with RGFLOW_BUILD_DIR=BUILD_DIR, so the
   module of this build tree is reused instead of a second full build (setup.py); before it, the
   same command with RGFLOW_BUILD_DIR naming a tree built for another interpreter must fail;
3. `pip show rgflow`: name rgflow, version VERSION (the CMake project's);
4. `import rgflow` from `/`: rgflow.__file__ lies inside the venv, not in the build or source tree;
5. pytest on SOURCE_DIR/python/tests with no PYTHONPATH, rgflow imported from the venv first;
6. `pip uninstall -y rgflow`, after which `import rgflow` fails;
and the checkout holds no new files (setuptools' build/ and rgflow.egg-info/ go elsewhere).
The environment of the pytest run (RGFLOW_CLI, RGFLOW_SHARED_DATA_DIR, ...) is ctest's.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def fail(message):
    sys.exit(f"python.install: {message}")


def run(cmd, cwd, env, check=True):
    print("+", " ".join(map(str, cmd)), flush=True)
    start = time.monotonic()
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print(result.stdout, end="")
    print(f"  ({time.monotonic() - start:.1f} s, exit status {result.returncode})", flush=True)
    if check and result.returncode != 0:
        fail(f"{cmd[1:4]} ... failed with exit status {result.returncode}")
    return result


def listing(source):
    """The names the install could litter: the checkout's root, its build/, python/, python/rgflow/."""
    names = {}
    for sub in ("", "build", "python", "python/rgflow"):
        folder = source / sub
        names[sub] = sorted(os.listdir(folder)) if folder.is_dir() else None
    return names


def inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def main():
    if len(sys.argv) != 4:
        fail("usage: check_install.py SOURCE_DIR BUILD_DIR VERSION")
    source, build, version = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), sys.argv[3]
    missing = [m for m in ("ensurepip", "pip", "setuptools", "wheel") if importlib.util.find_spec(m) is None]
    if missing:  # ctest reports the skip (SKIP_RETURN_CODE 77)
        print(f"python.install: skipped: {sys.executable} lacks {', '.join(missing)} (scripts/install-deps "
              "installs python3-venv python3-pip python3-setuptools python3-wheel)")
        sys.exit(77)
    before = listing(source)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    work = Path(tempfile.mkdtemp(prefix="rgflow-install-check-"))
    try:
        venv = work / "venv"
        run([sys.executable, "-m", "venv", "--system-site-packages", venv], cwd=work, env=env)
        python = venv / "bin" / "python"

        install = [python, "-m", "pip", "install", "--no-build-isolation", "--no-index", source]
        # A tree whose module is for another interpreter is refused, with the reason.
        other = work / "other-tree"
        other.mkdir()
        (other / "CMakeCache.txt").write_text("RGFLOW_PYTHON_EXECUTABLE:INTERNAL=/nonexistent/python3\n")
        refused = run(install, cwd=work, env={**env, "RGFLOW_BUILD_DIR": str(other)}, check=False)
        if refused.returncode == 0 or "builds the module for /nonexistent/python3" not in refused.stdout:
            fail("pip install with RGFLOW_BUILD_DIR naming another interpreter's tree was not refused")

        run(install, cwd=work, env={**env, "RGFLOW_BUILD_DIR": str(build)})

        shown = run([python, "-m", "pip", "show", "rgflow"], cwd=work, env=env).stdout
        fields = dict(line.split(": ", 1) for line in shown.splitlines() if ": " in line)
        if fields.get("Name") != "rgflow" or fields.get("Version") != version:
            fail(f"pip show rgflow: Name {fields.get('Name')!r}, Version {fields.get('Version')!r}; "
                 f"expected 'rgflow', {version!r}")

        probe = "import rgflow; print(rgflow.__file__); print(rgflow._core.__file__); print(rgflow.__version__)"
        lines = run([python, "-c", probe], cwd="/", env=env).stdout.split()
        init, core, module_version = lines[-3:]
        for path in (init, core):
            if not inside(path, venv) or inside(path, build) or inside(path, source):
                fail(f"import rgflow from / loads {path}, not the venv's copy in {venv}")
        if module_version != version:
            fail(f"rgflow.__version__ is {module_version!r}, expected {version!r}")

        # rgflow is imported before pytest puts python/tests on sys.path, so every test uses the
        # installed package (checked again here, in the same process).
        suite = ("import sys, rgflow, pytest\n"
                 f"assert rgflow.__file__.startswith({str(venv) + os.sep!r}), rgflow.__file__\n"
                 f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', {str(source / 'python' / 'tests')!r}]))\n")
        run([python, "-c", suite], cwd=work, env=env)

        run([python, "-m", "pip", "uninstall", "-y", "rgflow"], cwd=work, env=env)
        gone = run([python, "-c", "import rgflow"], cwd="/", env=env, check=False)
        if gone.returncode == 0 or "No module named 'rgflow'" not in gone.stdout:
            fail("after pip uninstall, import rgflow still works (or fails for another reason)")
        leftovers = list((venv / "lib").glob("python*/site-packages/rgflow*"))
        if leftovers:
            fail(f"pip uninstall left {leftovers}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    after = listing(source)
    new = {sub: sorted(set(after[sub] or []) - set(before[sub] or [])) for sub in after}
    if any(new.values()):
        fail(f"the install left files in the checkout {source}: {new}")
    print("python.install: ok")


if __name__ == "__main__":
    main()
