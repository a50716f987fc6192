"""The eval sets' committed JSON is exactly what `build.py` makes of their YAML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.eval_sets import build


def test_the_committed_json_is_built_from_the_yaml() -> None:
    sets = build.built()

    assert sorted(sets) == ["chats.json", "conversations.json", "facts.json"]
    for name, data in sets.items():
        assert build.as_text(data) == (build.HERE / name).read_text(encoding="utf-8"), name


def test_a_misspelt_field_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("conversations", "chats", "facts"):
        (tmp_path / f"{name}.yaml").write_text(
            (build.HERE / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    facts = tmp_path / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("topics:", "topcs:", 1))
    monkeypatch.setattr(build, "HERE", tmp_path)

    with pytest.raises(SystemExit, match="topcs"):
        build.built()
