"""docs/tutorial.md runs: each Python block prints exactly the text block under it.

The blocks run in order in one namespace, as a reader would run them in one
session; warnings are errors here as everywhere in the suite.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).parents[1] / "docs" / "tutorial.md"
#: A fenced block: its language and its text.
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(text: str) -> list[tuple[str, str, str | None]]:
    """``(language, code, expected output or None)`` per Python block, in order.

    The expected output is the ``text`` block that directly follows it (only
    blank lines between).
    """
    found = list(BLOCK.finditer(text))
    result = []
    for k, match in enumerate(found):
        if match.group(1) != "python":
            continue
        expected = None
        if k + 1 < len(found):
            following = found[k + 1]
            between = text[match.end() : following.start()]
            if following.group(1) == "text" and not between.strip():
                expected = following.group(2)
        result.append((match.group(1), match.group(2), expected))
    return result


def run(code: str, namespace: dict) -> str:
    """What ``code`` prints when run in ``namespace``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), namespace)
    return out.getvalue()


def test_tutorial_runs_and_prints_what_it_says():
    parts = blocks(DOC.read_text(encoding="utf-8"))
    assert len(parts) >= 8
    namespace: dict = {"__name__": "tutorial"}
    for _, code, expected in parts:
        printed = run(code, namespace)
        assert expected is not None, f"no output shown for:\n{code}"
        assert printed == expected, f"for:\n{code}"
    # The page's claims, on the numbers it printed.
    assert (
        abs(namespace["by_hand"] - namespace["objective"].value(namespace["w0"]))
        < 1e-12
    )
    assert namespace["newton"].n_iter_[0] < namespace["gd"].n_iter_[0] / 10
