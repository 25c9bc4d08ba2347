"""Figures, tables and checked fits in a walkthrough that runs both as a notebook and as a script.

The vignettes (``vignettes/*.py``, jupytext percent format) run unchanged in Jupyter and as
``python vignettes/NAME.py``: in a notebook figures and tables are shown inline; as a script
figures are saved as PNG files in a folder and tables are printed. :class:`Walkthrough` holds
that switch, the folder, and the diagnostics of every Bayesian fit the walkthrough shows, so each
vignette states its fits' convergence in one table and stops at a fit that did not converge.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

__all__ = ["Walkthrough", "in_notebook"]


def in_notebook() -> bool:
    """Whether this runs in an IPython kernel or shell (figures and tables shown inline)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


class Walkthrough:
    """Show figures and tables and check fits, inline in a notebook or to files and stdout in a script.

    Parameters
    ----------
    out : str or Path
        Folder for the figures when run as a script.
    digits : int
        Default decimals of :meth:`table`.

    Examples
    --------
    >>> import pandas as pd
    >>> w = Walkthrough(out="figures")
    >>> w.in_notebook
    False
    >>> w.table(pd.DataFrame({"a": [0.12345]}), "A table", digits=2)
    <BLANKLINE>
    A table
       a
    0.12
    """

    def __init__(self, out=".", digits: int = 3):
        self.out = Path(out)
        self.digits = digits
        self.in_notebook = in_notebook()
        #: one row per fit run through :meth:`checked`: settings, seconds, R-hat, ESS, divergences
        self.diagnostics: list[dict] = []

    def show(self, fig_or_ax, name: str) -> None:
        """Show a figure inline (notebook) or save it as ``out/name.png`` (script), then close it."""
        fig = getattr(fig_or_ax, "figure", fig_or_ax)
        if self.in_notebook:  # as PNG bytes: ecostat's plots are plain Figures, not managed by pyplot's inline backend
            from IPython.display import Image, display

            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
            display(Image(buf.getvalue()))
        else:
            self.out.mkdir(parents=True, exist_ok=True)
            fig.savefig(self.out / f"{name}.png", dpi=120, bbox_inches="tight")
            print(f"[figure saved: {self.out / (name + '.png')}]")
        import matplotlib.pyplot as plt

        plt.close(fig)

    def table(self, df, title: str, digits: int | None = None) -> None:
        """Show a table with its title (HTML in a notebook, text in a script)."""
        digits = self.digits if digits is None else digits
        if self.in_notebook:
            from IPython.display import display

            display(df.style.set_caption(title).format(precision=digits).hide(axis="index"))
        else:
            print(f"\n{title}\n{df.round(digits).to_string(index=False)}")

    def checked(self, label: str, fit):
        """Run ``fit()``, time it, record its diagnostics and stop (RuntimeError) if it did not converge."""
        t0 = time.perf_counter()
        res = fit()
        seconds = time.perf_counter() - t0
        d = res.diagnostics
        self.diagnostics.append({"fit": label, "family": res.family, "draws": d["draws"], "chains": d["chains"],
                                 "seconds": round(seconds, 1), "r_hat_max": d["r_hat_max"],
                                 "ess_bulk_min": d["ess_bulk_min"], "divergences": d["divergences"],
                                 "converged": d["converged"]})
        if not d["converged"]:
            raise RuntimeError(f"{label}: the fit did not converge ({'; '.join(d['problems'])})")
        return res
