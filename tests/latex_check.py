"""A structural LaTeX check for summaries, used where no TeX engine is installed.

It verifies what makes ``pdflatex`` fail on generated tables: environments
opened and closed in nested order, balanced braces, each ``tabular`` row with
as many cells as its column specification, and no unescaped special character
(``& % $ # _ ^ ~``) outside its role. Only the commands a summary uses are
allowed, so a new command must be added here on purpose.
"""

from __future__ import annotations

import re

ALLOWED_COMMANDS = {"begin", "end", "textbf", "textit", "toprule", "midrule", "bottomrule", "item", "textbackslash",
                    "textasciitilde", "textasciicircum", "documentclass", "usepackage"}
ENVIRONMENTS = {"center", "tabular", "itemize", "document"}


def assert_valid_latex(tex: str) -> None:
    """Raise AssertionError naming the first structural problem of ``tex``."""
    lines = [ln for ln in tex.splitlines() if not ln.lstrip().startswith("%")]
    body = "\n".join(lines)
    # braces balance, ignoring escaped ones
    depth = 0
    for ch in re.sub(r"\\[{}]", "", body):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, "a '}' closes nothing"
    assert depth == 0, "unbalanced braces"
    for cmd in re.findall(r"\\([A-Za-z]+)", body):
        assert cmd in ALLOWED_COMMANDS, f"unexpected command \\{cmd}"
    stack: list[str] = []
    cols = None
    for ln in lines:
        for kind, env in re.findall(r"\\(begin|end)\{([a-z]+)\}", ln):
            assert env in ENVIRONMENTS, f"unexpected environment {env}"
            if kind == "begin":
                stack.append(env)
            else:
                assert stack and stack[-1] == env, f"\\end{{{env}}} does not close {stack[-1:] or 'anything'}"
                stack.pop()
        m = re.search(r"\\begin\{tabular\}\{([lcr]+)\}", ln)
        if m:
            cols = len(m.group(1))
            continue
        if "\\end{tabular}" in ln:
            cols = None
            continue
        text = re.sub(r"\\[A-Za-z]+(\{[^{}]*\})?|\\[_&%$#{}\\]", "", ln)
        for ch in "%$#_^~":
            assert ch not in text, f"unescaped {ch!r} in line {ln!r}"
        if cols is not None and ln.rstrip().endswith("\\\\"):
            cells = len(re.split(r"(?<!\\)&", ln))
            assert cells == cols, f"row has {cells} cells, the tabular has {cols} columns: {ln!r}"
        else:
            assert "&" not in text or cols is not None, f"'&' outside a tabular: {ln!r}"
    assert not stack, f"environments left open: {stack}"
