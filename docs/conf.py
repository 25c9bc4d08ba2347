"""Sphinx configuration of the ecostat documentation (``make docs``).

The start page is the README, the API reference is generated from the numpydoc
docstrings (autosummary + numpydoc), and the vignettes (jupytext percent
scripts in ``vignettes/``) are executed by MyST-NB at their default (full)
settings, with their figures and tables.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import ecostat

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

project = "ecostat"
author = "the ecostat developers"
copyright = "the ecostat developers; Apache-2.0"
release = ecostat.__version__
version = release

extensions = [
    "myst_nb",  # MyST Markdown and notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
]

# -- sources -----------------------------------------------------------------------------------
# The vignettes live in vignettes/ (they run as scripts from any directory); a copy is placed
# under docs/vignettes/ at every build (git-ignored) so Sphinx can read them as notebooks.
VIGNETTE_COPY = DOCS / "vignettes"
if VIGNETTE_COPY.exists():
    shutil.rmtree(VIGNETTE_COPY)
VIGNETTE_COPY.mkdir()
for src in sorted((ROOT / "vignettes").glob("*.py")):
    shutil.copy2(src, VIGNETTE_COPY / src.name)

# .rst first: autosummary writes its generated API pages with the first suffix
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "conf.py", "jupyter_execute", "**.ipynb_checkpoints"]
root_doc = "index"

# -- execution of the vignettes ----------------------------------------------------------------
# Full settings (ECOSTAT_QUICK unset). The kernel inherits this environment; figures are shown
# inline, nothing is written next to the sources. "cache" re-executes a vignette only when its
# code changed (jupyter-cache under docs/_build/.jupyter_cache).
# ECOSTAT_DOCS_QUICK=1 (make docs-quick) runs the vignettes in their quick mode instead: a preview of
# the site in a few minutes, with its own execution cache so quick outputs never reach the full site.
QUICK_PREVIEW = os.environ.get("ECOSTAT_DOCS_QUICK", "") not in ("", "0")
if QUICK_PREVIEW:
    os.environ["ECOSTAT_QUICK"] = "1"
else:
    os.environ.pop("ECOSTAT_QUICK", None)
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
nb_execution_mode = os.environ.get("ECOSTAT_DOCS_EXECUTE", "cache")
nb_execution_cache_path = str(DOCS / "_build" / (".jupyter_cache_quick" if QUICK_PREVIEW else ".jupyter_cache"))
nb_execution_timeout = 3600  # per cell; the slowest cell (mvprobit) takes a few minutes
nb_execution_raise_on_error = True  # a vignette that errors fails the build
nb_execution_show_tb = True
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}
nb_render_image_options = {"width": "90%"}

# -- API reference -----------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

# -- HTML --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "ecostat"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
if QUICK_PREVIEW:
    html_theme_options["announcement"] = "Quick preview: the vignettes ran in their quick mode (ECOSTAT_QUICK=1)."
html_sidebars = {"index": [], "api/index": []}
html_static_path: list[str] = []
sys.path.insert(0, str(ROOT))
