"""Checks of the LaTeX the summaries write.

``assert_valid_latex`` is a structural check that needs no TeX engine: environments
opened and closed in nested order, balanced braces, each ``tabular`` row with as
many cells as its column specification, and no unescaped special character
(``& % $ # _ ^ ~ < > |``) outside its role. Only the commands a summary uses are
allowed, so a new command must be added here on purpose.

``compile_and_check`` runs ``pdflatex`` and fails on what a reader would see: an
error, an overfull box (parsed from the .log), a float too large for the page, a
bitmap (Type 3) font, or a wrong glyph: the text layer (``pdftotext``) must hold
every word the summary's text rendering holds, and none of the marks that OT1
fonts print for unescaped ``<``, ``>``, ``|`` (inverted exclamation and question
marks, an em dash) or an en dash glued to a word (``--draws``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ALLOWED_COMMANDS = {"begin", "end", "textbf", "textit", "toprule", "midrule", "bottomrule", "item", "textbackslash",
                    "textasciitilde", "textasciicircum", "documentclass", "usepackage", "textless", "textgreater",
                    "textbar", "caption", "label", "centering", "small", "footnotesize", "scriptsize", "normalsize",
                    "setlength", "tabcolsep", "raggedright", "tabularnewline", "dimexpr", "linewidth", "relax", "par",
                    "smallskip", "medskip", "noindent", "times", "infty", "ldots", "rightarrow", "leftarrow", "leq",
                    "geq", "pm", "addlinespace", "multicolumn", "itshape", "surd", "Delta", "alpha", "beta", "gamma", "theta", "kappa", "mu", "sigma", "tau"}
ENVIRONMENTS = {"center", "tabular", "itemize", "document", "table", "table*"}
TEX_AVAILABLE = all(shutil.which(tool) for tool in ("pdflatex", "pdftotext", "pdffonts"))


def _column_count(spec: str) -> int:
    """Columns of a tabular specification such as ``@{}lp{\\dimexpr(\\linewidth-9pt)*5/10\\relax}rr@{}``."""
    count, i = 0, 0
    while i < len(spec):
        ch = spec[i]
        if ch in "@p":  # @{...} inserts no column; p{...} is one
            depth, j = 0, i + 1
            while j < len(spec):
                depth += {"{": 1, "}": -1}.get(spec[j], 0)
                j += 1
                if depth == 0:
                    break
            count += ch == "p"
            i = j
            continue
        count += ch in "lcr"
        i += 1
    return count


def _tabular_spec(line: str) -> str | None:
    m = re.search(r"\\begin\{tabular\}\{", line)
    if not m:
        return None
    depth, j = 1, m.end()
    while j < len(line) and depth:
        depth += {"{": 1, "}": -1}.get(line[j], 0)
        j += 1
    return line[m.end():j - 1]


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
        for kind, env in re.findall(r"\\(begin|end)\{([a-z*]+)\}", ln):
            assert env in ENVIRONMENTS, f"unexpected environment {env}"
            if kind == "begin":
                stack.append(env)
            else:
                assert stack and stack[-1] == env, f"\\end{{{env}}} does not close {stack[-1:] or 'anything'}"
                stack.pop()
        spec = _tabular_spec(ln)
        if spec is not None:
            assert re.fullmatch(r"(@\{\}|[lcr]|p\{[^{}]*(\{[^{}]*\}[^{}]*)*\})+", spec), f"odd column spec {spec!r}"
            cols = _column_count(spec)
            continue
        if "\\end{tabular}" in ln:
            cols = None
            continue
        # math mode ($...$) holds the minus, < and > of numbers on purpose
        text = re.sub(r"\$[^$]*\$", "", ln)
        text = re.sub(r"\\[A-Za-z]+(\{[^{}]*\})?|\\[_&%$#{}\\,]", "", text)
        for ch in "%$#_^~<>|":
            assert ch not in text, f"unescaped {ch!r} in line {ln!r}"
        assert "--" not in re.sub(r"(^|&)\s*--\s*(?=&|\\\\|\\tabularnewline|$)", "", text.replace("-{}-", "")), \
            f"'--' (an en dash in LaTeX) in line {ln!r}"
        row_end = ln.rstrip().endswith(("\\\\", "\\tabularnewline"))
        if cols is not None and row_end:
            parts = re.split(r"(?<!\\)&", ln)
            cells = sum(int(m.group(1)) if (m := re.search(r"\\multicolumn\{(\d+)\}", p)) else 1 for p in parts)
            assert cells == cols, f"row has {cells} cells, the tabular has {cols} columns: {ln!r}"
        else:
            assert "&" not in text or cols is not None, f"'&' outside a tabular: {ln!r}"
    assert not stack, f"environments left open: {stack}"


# -- compiling ------------------------------------------------------------------------------------------------
def document(body: str, options: str = "", filler: bool = True) -> str:
    """A default ``article`` (only booktabs added) around ``body``; with filler text so floats float."""
    text = ("The decision-makers fail the same people more often than independence predicts. " * 12 + "\n\n") \
        if filler else ""
    opts = f"[{options}]" if options else ""
    return (f"\\documentclass{opts}{{article}}\n\\usepackage{{booktabs}}\n\\begin{{document}}\n{text}{body}\n"
            f"{text}\\end{{document}}\n")


def compile_latex(tex: str, workdir, name: str = "doc") -> tuple[str, str, str]:
    """Run pdflatex twice; return (log, text layer, pdffonts output)."""
    workdir = Path(workdir)
    (workdir / f"{name}.tex").write_text(tex, encoding="utf-8")
    for _ in range(2):
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=workdir,
                              capture_output=True, text=True, errors="replace")
    log = (workdir / f"{name}.log").read_text(errors="replace")
    assert proc.returncode == 0, f"pdflatex failed:\n{_log_problems(log) or log[-3000:]}"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", f"{name}.pdf", "-"], cwd=workdir, capture_output=True,
                          text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", f"{name}.pdf"], cwd=workdir, capture_output=True, text=True, check=True).stdout
    return log, text, fonts


def _log_problems(log: str) -> list[str]:
    out = []
    lines = log.splitlines()
    for i, ln in enumerate(lines):
        if ln.startswith("!") or re.match(r"(Overfull|Underfull) \\[hv]box", ln) and ln.startswith("Overfull") \
                or "Float too large" in ln or "Missing character" in ln:
            out.append(" ".join(lines[i:i + 3]))
    return out


_NORMAL = {"\u2212": "-", "\u201d": '"', "\u201c": '"', "\u2019": "'", "\u2018": "'", "\u02dc": "~", "\u02c6": "^",
           "\ufb01": "fi", "\ufb02": "fl", "\ufb00": "ff", "\ufb03": "ffi", "\ufb04": "ffl", "\u00d7": "x"}
#: what OT1 fonts print for an unescaped '<', '>', '|' (and '--' glued to a word)
BAD_GLYPHS = ("\u00a1", "\u00bf", "\u2014")


def _normal(text: str) -> str:
    return "".join(_NORMAL.get(ch, ch) for ch in text)


def expected_words(plain: str) -> list[str]:
    """Words of a summary's text rendering as the PDF's text layer shows them."""
    words = []
    for w in plain.replace("_", " ").split():
        w = re.sub(r"(\d)e([+-])0*(\d+)", r"\1x10\2\3", w)  # 5.97e-07 is typeset 5.97 x 10^-7
        if set(w) <= set("=-"):  # rules of the text rendering
            continue
        words.append(_normal(w.replace('"', '"')))
    return words


def check_pdf(log: str, text: str, fonts: str, plain: str = "") -> None:
    """Fail on an error, an overfull box, a bitmap font, a wrong glyph or a word of ``plain`` not in the PDF."""
    problems = _log_problems(log)
    assert not problems, "pdflatex reported:\n" + "\n".join(problems)
    assert "Type 3" not in fonts, f"a bitmap (Type 3) font in the PDF:\n{fonts}"
    for bad in BAD_GLYPHS:
        assert bad not in text, f"{bad!r} in the PDF text: {text[max(0, text.find(bad) - 60):text.find(bad) + 60]!r}"
    m = re.search(r"\w\u2013|\u2013\w", text)
    assert not m, f"an en dash glued to a word (a '--' typeset as a ligature): {text[m.start() - 40:m.end() + 40]!r}"
    flat = _normal(text)
    joined = re.sub(r"\s+", "", re.sub(r"-\n", "", flat))      # words hyphenated at a line end
    kept = re.sub(r"\s+", "", flat)                              # words broken at their own hyphen
    missing = [w for w in expected_words(plain) if w not in joined and w not in kept
               and w.replace("--", "\u2013") not in kept]
    assert not missing, f"{len(missing)} words of the text rendering are not in the PDF text, e.g. {missing[:12]}"


def compile_and_check(tex: str, workdir, plain: str = "", name: str = "doc") -> str:
    """Compile ``tex``, apply :func:`check_pdf`; return the PDF's text layer."""
    log, text, fonts = compile_latex(tex, workdir, name)
    check_pdf(log, text, fonts, plain)
    return text
