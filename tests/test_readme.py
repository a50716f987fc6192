"""Every Python example in the README runs as written."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


# What an example must print, keyed by a line that identifies it.
EXPECTED_OUTPUT = {
    "# Replace it": ["The user's name is Verna Doe"],
    "get_memory_history": [
        "added None -> The user lives in Paris (api)",
        "updated The user lives in Paris -> The user lives in Oslo (api)",
        "deleted The user lives in Oslo -> None (api)",
        "['The user likes chess']",
    ],
    "first_n": [
        "John Doe's last_n memories:\n0: The user enjoys reading science fiction novels before bed",
        "John Doe's first_n memories:\n0: The user enjoys hiking in the mountains on weekends",
        "John Doe's keyword matches:\n0: The user enjoys hiking in the mountains on weekends\n",
    ],
    "aadd_user_memory": ["The user likes green tea"],
}


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 5
    for marker in EXPECTED_OUTPUT:
        assert any(marker in block for block in BLOCKS), marker


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_readme_example_runs(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    for marker, lines in EXPECTED_OUTPUT.items():
        if marker in code:
            for line in lines:
                assert line in out
