#!/usr/bin/env python3
"""Executes (and renders) the notebook gallery in notebooks/ (docs/gallery.md).

    scripts/notebooks [--small] [--render] [--build BUILD] [--out DIR] [--timeout S] [NOTEBOOK ...]

Each notebook runs top to bottom in a fresh Jupyter kernel (nbclient, kernel "python3"); its
executed copy goes to OUT/NAME.ipynb and whatever it writes to OUT/NAME.files/ (its working
directory and RGFLOW_GALLERY_WORK, emptied first): nothing lands in the source tree. --render
also writes OUT/NAME.html (nbconvert) and OUT/index.html. The notebooks assert their key numbers, so a
notebook that executes is a passing test; a failing cell fails the run (exit status 1) and its
error is printed.

Environment of the kernels: RGFLOW_GALLERY_SMALL=1 with --small (tiny sizes, seconds), removed
otherwise; PYTHONPATH starts with BUILD/python (the package built by CMake); RGFLOW_CLI is
BUILD/rgflow and RGFLOW_SHARED_DATA_DIR the checkout's ../shared/data unless already set.

The committed notebooks must carry no outputs and no execution counts; every run checks that
first (--check only checks). Exit status: 0 all passed, 1 a notebook failed or is not clean,
2 bad usage, 77 nbclient/nbformat missing with --skip-missing (ctest reads it as skipped).
"""
import argparse
import html
import os
import pathlib
import shutil
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/notebooks", description=__doc__.split("\n\n")[0])
    p.add_argument("notebooks", nargs="*", help="notebook files (default: notebooks/*.ipynb)")
    p.add_argument("--small", action="store_true", help="tiny sizes (RGFLOW_GALLERY_SMALL=1), as CI runs them")
    p.add_argument("--render", action="store_true", help="also write HTML pages (nbconvert)")
    p.add_argument("--build", default=str(ROOT / "build" / "release"), help="build tree (default build/release)")
    p.add_argument("--out", help="output directory (default BUILD/gallery, or BUILD/gallery-small)")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    p.add_argument("--check", action="store_true", help="only check that the notebooks are committed clean")
    p.add_argument("--skip-missing", action="store_true", help="exit 77 when nbclient is not installed")
    return p.parse_args(argv)


def not_clean(nb):
    """Why a committed notebook is not clean (outputs or execution counts kept), or None."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            return f"cell {i} has outputs or an execution count (clear them before committing)"
    return None


def kernel_environment(args, build):
    env = os.environ
    if args.small:
        env["RGFLOW_GALLERY_SMALL"] = "1"
    else:
        env.pop("RGFLOW_GALLERY_SMALL", None)
    if (build / "python" / "rgflow").is_dir():
        env["PYTHONPATH"] = os.pathsep.join([str(build / "python")] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("RGFLOW_CLI", str(build / "rgflow"))
    env.setdefault("RGFLOW_SHARED_DATA_DIR", str((ROOT.parent / "shared" / "data").resolve()))
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # ipykernel's debugger warning on stderr


def cell_error(exc):
    """The last lines of a CellExecutionError (the traceback without terminal colours)."""
    import re
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    return "\n".join(text.strip().split("\n")[-12:])


def execute(path, out, args, nbformat, NotebookClient, CellExecutionError):
    nb = nbformat.read(path, as_version=4)
    work = out / (path.stem + ".files")
    shutil.rmtree(work, ignore_errors=True)  # a fresh start: nothing cached from a previous run
    work.mkdir(parents=True)
    os.environ["RGFLOW_GALLERY_WORK"] = str(work)
    client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = cell_error(exc)
    except Exception as exc:  # kernel died, timeout, ...
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    nbformat.write(nb, out / path.name)
    return nb, error, seconds


def render(nb, target):
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")


def write_index(out, rows, small):
    items = "\n".join(
        f'<li><a href="{html.escape(name)}.html">{html.escape(name)}</a> &mdash; '
        f'{"passed" if error is None else "FAILED"}, {seconds:.1f} s</li>'
        for name, error, seconds in rows)
    (out / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>rgflow gallery</title></head><body>"
        f"<h1>rgflow notebook gallery</h1><p>{'Small sizes (RGFLOW_GALLERY_SMALL=1).' if small else 'Full sizes.'} "
        "Sources in notebooks/, described in docs/gallery.md.</p>"
        f"<ul>{items}</ul></body></html>\n", encoding="utf-8")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as exc:
        print(f"scripts/notebooks: {exc.name} is not installed (scripts/install-deps installs "
              "python3-nbclient python3-nbformat python3-ipykernel)", file=sys.stderr)
        return 77 if args.skip_missing else 2
    if args.render:
        try:
            import nbconvert  # noqa: F401
        except ImportError:
            print("scripts/notebooks: --render needs nbconvert (python3-nbconvert; scripts/install-deps)", file=sys.stderr)
            return 2
    paths = [pathlib.Path(p).resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for p in paths:
        if not p.is_file() or p.suffix != ".ipynb":
            print(f"scripts/notebooks: {p}: not a notebook file", file=sys.stderr)
            return 2
    if not paths:
        print(f"scripts/notebooks: no notebooks in {NOTEBOOKS}", file=sys.stderr)
        return 1

    dirty = [(p, why) for p in paths if (why := not_clean(nbformat.read(p, as_version=4)))]
    for p, why in dirty:
        print(f"scripts/notebooks: {p}: {why}", file=sys.stderr)
    if args.check or dirty:
        if not dirty:
            print(f"scripts/notebooks: {len(paths)} notebooks, committed without outputs")
        return 1 if dirty else 0

    build = pathlib.Path(args.build).resolve()
    out = pathlib.Path(args.out).resolve() if args.out else build / ("gallery-small" if args.small else "gallery")
    if out == NOTEBOOKS or NOTEBOOKS in out.parents:
        print("scripts/notebooks: the output directory must be outside notebooks/", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    kernel_environment(args, build)

    rows = []
    for path in paths:
        print(f"scripts/notebooks: {path.name} ...", file=sys.stderr, flush=True)
        nb, error, seconds = execute(path, out, args, nbformat, NotebookClient, CellExecutionError)
        rows.append((path.stem, error, seconds))
        status = "passed" if error is None else "FAILED"
        print(f"{path.name}: {status} in {seconds:.1f} s -> {out / path.name}", flush=True)
        if error:
            print(error, flush=True)
        if args.render:
            render(nb, out / (path.stem + ".html"))
    if args.render:
        write_index(out, rows, args.small)
        print(f"rendered: {out / 'index.html'}")
    failed = [name for name, error, _ in rows if error]
    print(f"{len(rows) - len(failed)} of {len(rows)} notebooks passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
