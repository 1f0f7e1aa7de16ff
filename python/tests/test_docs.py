"""docs/python.md's walkthrough runs: every ```python block of its "Walkthrough" section, in order,
in one namespace, in a scratch directory."""
import os
import re

import pytest


def walkthrough_blocks(text):
    start = text.index("## Walkthrough")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_walkthrough_runs(source_dir, data_dir, tmp_path, monkeypatch, capsys):
    blocks = walkthrough_blocks((source_dir / "docs" / "python.md").read_text())
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RGFLOW_SHARED_DATA_DIR", str(data_dir))
    namespace = {"__name__": "__walkthrough__"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"docs/python.md block {i + 1}", "exec"), namespace)
        except Exception as e:  # name the block that failed
            pytest.fail(f"docs/python.md walkthrough block {i + 1} failed: {e!r}\n{block}")
    out = capsys.readouterr().out
    assert "test accuracy" in out and "energy per spin" in out
    for name in ("digits-rbm.h5", "ising-dbn.h5", "ising-fields.png", "ising-flow.png"):
        assert (tmp_path / name).stat().st_size > 0, name
