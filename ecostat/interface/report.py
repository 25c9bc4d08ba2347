"""One-call report: ``es.report(data, ...)`` and ``ecostat report DATA --out report.html``.

Runs the main analysis of a data set and writes one self-contained HTML page
(figures embedded as PNG data URIs, no external files, scripts or fonts):

1. the description (:func:`ecostat.describe`: failure rates, homogenization,
   systemic failures against independence, with bootstrap intervals) and its
   figures (:func:`ecostat.plot_failure_distribution`, :func:`ecostat.plot_group_excess`);
2. the Bayesian fits (default: ``rasch``, ``hard_easy``, ``latent_class``; a fit
   spec's model instead), each with its summary, its posterior predictive check
   (:func:`ecostat.plot_ppc`) and its posterior ecosystem quantities
   (:func:`ecostat.plots.plot_forest` where it exists, else ``arviz.plot_forest``
   on the fits' InferenceData);
3. their comparison (:func:`ecostat.compare`: PSIS-LOO, pseudo-BMA+ weights, the
   quantities side by side; ``arviz.plot_compare``);
4. the settings and versions that produced the page.

The :class:`Report` result lists what was written (``to_dict()``). A figure or
a fit that fails is reported on the page and in the result (``errors``)
instead of stopping the report.
"""

from __future__ import annotations

import base64
import html
import io
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..bayes.persistence import check_output_path, write_atomic
from ..errors import EcostatError, EcostatWarning
from ..options import check_all, default
from ..report.provenance import versions as package_versions
from ..report.result import Result
from ..report.summary import Summary

__all__ = ["report", "Report", "DEFAULT_FAMILIES"]

#: the fits of a report without a fit spec
DEFAULT_FAMILIES = ("rasch", "hard_easy", "latent_class")
#: resolution of the embedded figures
DPI = 110

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1b1b1b;
background:#fafafa;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px;background:#fff;box-shadow:0 0 12px rgba(0,0,0,.06)}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:2.2em}
h3{margin-top:1.6em;color:#0072B2}h4{margin:.8em 0 .3em}h5{margin:1em 0 .3em;font-size:1em}
.meta{color:#555;font-size:.92em}nav ol{columns:2;font-size:.95em}
table{border-collapse:collapse;margin:.4em 0 1em;font-size:.86em;display:block;max-width:100%;overflow-x:auto}
th,td{padding:3px 9px;border-bottom:1px solid #e3e3e3;text-align:right;vertical-align:top}
th{background:#f2f6fa}td:first-child,th:first-child{text-align:left}
.figures{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:0;flex:1 1 440px;max-width:100%}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#444}.error{color:#b00020;font-weight:600}
.ecostat-summary ol{font-size:.9em;color:#333}
"""


@dataclass(repr=False)
class Report(Result):
    """Result of :func:`report`: the page and what it holds.

    Attributes
    ----------
    path : Path or None
        Where the page was written (None: not written; see ``html``).
    html : str
        The page.
    written : list of dict
        One entry per section, table and figure on the page (``section``, ``kind``, ``title``).
    description : Description
    fits : dict
        Name -> FitResult.
    comparison : Comparison or None
        None with fewer than two fits.
    settings : dict
    versions : dict
    errors : list of str
        Fits or figures that failed (also shown on the page).
    """

    path: Path | None
    html: str
    written: list
    description: object
    fits: dict
    comparison: object
    settings: dict
    versions: dict
    errors: list = field(default_factory=list)

    def summary(self) -> Summary:
        header = [("Written to", str(self.path) if self.path else "(not written)"),
                  ("Size", f"{len(self.html.encode()) / 1024:.0f} KiB"),
                  ("Fits", ", ".join(f"{n} ({f.family})" for n, f in self.fits.items()) or "none"),
                  ("Figures", str(sum(w["kind"] == "figure" for w in self.written)))]
        if self.comparison is not None:
            header.append(("Best by LOO", self.comparison.best))
        return Summary("ecostat report", header, [("Contents", pd.DataFrame(self.written))],
                       [f"Failed: {e}" for e in self.errors])

    def to_dict(self) -> dict:
        """What was written: the path, size, every section/table/figure, the fits, settings and versions."""
        return {"path": str(self.path) if self.path else None, "bytes": len(self.html.encode()),
                "written": list(self.written),
                "fits": [{"name": n, "family": f.family, "converged": bool(f.diagnostics["converged"]),
                          "elpd_loo": float(f.profile_loo().elpd), "saturated": bool(f.saturated)}
                         for n, f in self.fits.items()],
                "best": self.comparison.best if self.comparison is not None else None,
                "settings": self.settings, "versions": self.versions, "errors": list(self.errors)}

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return f"<Report: {len(self.fits)} fits, {len(self.written)} items; {self.path or 'not written'}>"


# -- figures -------------------------------------------------------------------------------------------
def _figure_of(drawn):
    """The matplotlib Figure behind what a plot function returned (Axes, array of Axes, Figure)."""
    if hasattr(drawn, "savefig"):
        return drawn
    if isinstance(drawn, np.ndarray):
        drawn = drawn.ravel()[0]
    if isinstance(drawn, (list, tuple)):
        drawn = drawn[0]
    return drawn.get_figure() if hasattr(drawn, "get_figure") else drawn.figure


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)  # a pyplot figure (ArviZ) is released; a plain Figure (ecostat.plots) is unaffected
    return base64.b64encode(buf.getvalue()).decode("ascii")


class _Page:
    """The HTML parts and the list of what they hold."""

    def __init__(self):
        self.parts: list[str] = []
        self.written: list[dict] = []
        self.errors: list[str] = []
        self.section = ""

    def h2(self, anchor: str, title: str) -> None:
        self.section = title
        self.parts.append(f"<h2 id='{anchor}'>{html.escape(title)}</h2>")
        self.written.append({"section": title, "kind": "section", "title": title})

    def h3(self, title: str) -> None:
        self.parts.append(f"<h3>{html.escape(title)}</h3>")

    def result(self, title: str, result) -> None:
        self.parts.append(result.as_html())
        self.written.append({"section": self.section, "kind": "tables", "title": title})

    def text(self, text: str) -> None:
        self.parts.append(f"<p>{html.escape(text)}</p>")

    def error(self, what: str, exc: Exception) -> None:
        message = f"{what}: {type(exc).__name__}: {exc}"
        self.errors.append(message)
        self.parts.append(f"<p class='error'>{html.escape(message)}</p>")

    def figures(self, items: list) -> None:
        """``items``: (title, caption, callable returning what a plot function returns)."""
        cells = []
        for title, caption, draw in items:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # library deprecation notices while drawing
                    data = _png(_figure_of(draw()))
            except Exception as exc:  # a figure that fails must not lose the report  # noqa: BLE001
                self.error(f"figure '{title}'", exc)
                continue
            cells.append(f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'>"
                         f"<figcaption><b>{html.escape(title)}.</b> {html.escape(caption)}</figcaption></figure>")
            self.written.append({"section": self.section, "kind": "figure", "title": title})
        if cells:
            self.parts.append("<div class='figures'>" + "".join(cells) + "</div>")


def _forest(fits: dict):
    """Posterior H, systemic excess and ensemble gap of every fit (overall and by group), one panel per quantity.

    ecostat's own forest plot where it exists (:func:`ecostat.plots.plot_forest`); otherwise drawn here from the
    derived quantities of each fit's InferenceData (mean and 95% HDI; the dashed line is the value under independence).
    """
    from .. import plots

    own = getattr(plots, "plot_forest", None)
    if own is not None:
        return own(fits)
    from matplotlib.figure import Figure

    from ..bayes.posterior import hdi
    from ..quantities import quantity

    names = list(fits)
    panels = ["homogenization", "systemic_excess", "ensemble_gap"]
    levels = list(fits[names[0]].design.group_levels)
    has_groups = {n: f"{panels[0]}_by_group" in fits[n].idata.posterior for n in names}
    labels = ["overall"] + (levels if len(levels) > 1 and any(has_groups.values()) else [])
    colors = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    n_rows = len(names) + (len(labels) - 1) * sum(has_groups.values())
    fig = Figure(figsize=(7.5, 1.2 + 0.75 * len(panels) * (0.4 + 0.22 * n_rows)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, panels):
        y = 0
        ticks = []
        for i, label in enumerate(labels):
            top = y
            for m, fit_name in enumerate(names):
                if label != "overall" and not has_groups[fit_name]:
                    continue
                post = fits[fit_name].idata.posterior
                da = post[name] if label == "overall" else post[f"{name}_by_group"].sel(group=label)
                x = np.asarray(da.values, dtype=float).ravel()
                lo, hi = hdi(x, 0.95)
                ax.plot([lo, hi], [y, y], color=colors[m % len(colors)], lw=2)
                ax.plot([x.mean()], [y], "o", color=colors[m % len(colors)], ms=5,
                        label=fit_name if (i == 0 and ax is axes[0]) else None)
                y -= 1
            ticks.append(((top + y + 1) / 2, label))
            y -= 0.6
        ref = quantity(name).independence
        if isinstance(ref, (int, float)):
            ax.axvline(ref, color="#777", ls="--", lw=1)
        ax.set_yticks([t for t, _ in ticks], [lab for _, lab in ticks])
        ax.set_ylim(y + 0.6 - 0.6, 0.6)
        ax.set_title(quantity(name).label, fontsize=10, loc="left")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def _table(rows: dict) -> str:
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
                   for k, v in rows.items())
    return f"<table>{body}</table>"


# -- the verb ------------------------------------------------------------------------------------------
def _read(data, spec, read_options: dict):
    from ..data.failures import FailureMatrix
    from ..data.readers import read_data

    if isinstance(data, FailureMatrix):
        return data, "FailureMatrix"
    if isinstance(data, (str, Path)):
        settings = dict(read_options)
        if spec is not None:  # the spec's [data] settings, unless given here
            for key, value in spec.data.items():
                if key != "covariates" and settings.get(key) == default(key):
                    settings[key] = value
            covariates = spec.covariates()
        else:
            covariates = ()
        return read_data(data, covariates=covariates, **settings), str(data)
    raise EcostatError(f"report takes a FailureMatrix or the path of a predictions file; got {type(data).__name__}.")


def report(data, *, spec=default("spec"), families=default("families"), title=default("title"),
           n_boot: int = default("n_boot"), ci: float = default("ci"), draws: int = default("draws"),
           tune: int = default("tune"), chains: int = default("chains"), cores=default("cores"),
           seed: int = default("seed"), target_accept: float | None = default("target_accept"),
           sampler: str = default("sampler"), backend=default("backend"), mass_matrix=default("mass_matrix"),
           method: str = default("method"), progressbar: bool = default("progressbar"), out=default("out"),
           force: bool = default("force"), label: str = default("label"), id: str = default("id"), models=default("models"),  # noqa: A002
           years=default("years"), group=default("group"), layout: str = default("layout"),
           model_col: str = default("model_col"), prediction_col: str = default("prediction_col"),
           na_values=default("na_values"), encoding=default("encoding"), progress=None) -> Report:
    """Describe, fit, compare and check a data set, and write it all to one self-contained HTML page.

    Parameters
    ----------
    data : FailureMatrix or path
        The decisions; a path is read with the data options (``label``, ``id``,
        ``models``, ``group``, ...; as :func:`ecostat.read_table`).
    spec : str, Path or Spec, optional
        A named analysis: a fit spec (``kind = "fit"``) replaces the default fits
        by its model and gives its sampler settings; a describe spec its
        options; both their ``[data]`` settings. Keywords given here win.
    families : list of str, optional
        Families to fit and compare (default ``rasch, hard_easy, latent_class``).
    title : str, optional
        Page title (default ``ecostat report: <data>``).
    n_boot, ci : int, float
        Bootstrap replicates of the description; mass of every interval.
    draws, tune, chains, cores, seed, target_accept, sampler, backend, mass_matrix, method, progressbar
        Sampler settings of every fit (:func:`ecostat.fit`).
    out : str or Path, optional
        Where to write the page; checked before anything is computed (the
        folder must exist; never the data file; an existing file only with
        ``force``). Written atomically. None: only returned (``Report.html``).
    force : bool
        Replace an existing file at ``out``.
    label, id, models, years, group, layout, model_col, prediction_col, na_values, encoding
        How to read ``data`` when it is a path.
    progress : callable, optional
        Called with a line of text as each step starts.

    Returns
    -------
    Report
        ``to_dict()`` lists what was written.

    Examples
    --------
    >>> import ecostat as es
    >>> r = es.report(es.simulate(n=300, seed=0), families=["rasch"], draws=100, tune=100,
    ...               n_boot=50)  # doctest: +SKIP
    >>> [w["title"] for w in r.written if w["kind"] == "section"]  # doctest: +SKIP
    ['Data and description', 'Bayesian fits', 'Settings and versions']
    """
    from ..bayes.comparison import compare
    from ..descriptive.describe import describe
    from .spec import Spec, fit_with, load_spec

    say = progress or (lambda _msg: None)
    started = time.time()
    if out is not None:  # checked before the fits: a report must not be lost when it is written
        inputs = [data] if isinstance(data, (str, os.PathLike)) else []
        out = check_output_path(out, inputs=inputs, force=force)
    if spec is not None and not isinstance(spec, Spec):
        spec = load_spec(spec)
    if spec is not None and spec.kind not in ("fit", "describe"):
        raise EcostatError(f"spec {spec.name!r} is a {spec.kind!r} analysis; a report takes a fit or describe spec.")
    sampler_given = {"draws": draws, "tune": tune, "chains": chains, "cores": cores, "seed": seed,
                     "target_accept": target_accept, "sampler": sampler, "backend": backend,
                     "mass_matrix": mass_matrix, "method": method}
    check_all({k: v for k, v in sampler_given.items()} | {"n_boot": n_boot, "ci": ci})
    describe_options = {"n_boot": n_boot, "ci": ci, "seed": seed}
    if spec is not None and spec.kind == "describe":
        describe_options |= {k: v for k, v in spec.options.items()
                             if k not in describe_options or describe_options[k] == default(k)}
    fm, source = _read(data, spec, {"label": label, "id": id, "models": models, "years": years, "group": group,
                                    "layout": layout, "model_col": model_col, "prediction_col": prediction_col,
                                    "na_values": na_values, "encoding": encoding})
    page = _Page()
    title = title or f"ecostat report: {Path(source).name if source != 'FailureMatrix' else 'failure matrix'}"

    # 1. description
    say(f"describing {fm.n_instances} instances x {fm.n_models} decision-makers ({describe_options['n_boot']} "
        "bootstrap replicates)")
    page.h2("description", "Data and description")
    description = describe(fm, **describe_options)
    page.result("description", description)
    from .. import plots

    figs = [("Number of failures per instance", "Observed share of instances failed by t decision-makers beside "
             "independence with the same failure rates (Toups et al. 2023, Fig. 2).",
             lambda: plots.plot_failure_distribution(fm))]
    if fm.group is not None:
        figs.append(("Systemic failures by group", "Observed minus independence, per group.",
                     lambda: plots.plot_group_excess(fm)))
    page.figures(figs)

    # 2. fits
    fits: dict = {}
    sampler_settings = {k: v for k, v in sampler_given.items()} | {"progressbar": progressbar}
    if spec is not None and spec.kind == "fit":
        merged = dict(sampler_settings)
        for key, value in spec.sampler.items():
            if merged.get(key) == default(key):
                merged[key] = value
        plan = [(spec.name, lambda m=merged: fit_with(
            fm, formula=spec.formula, family=spec.family, parsed=spec.parsed,
            grouped=bool(spec.data.get("group")) or None, covariates=spec.data.get("covariates"),
            model=spec.model, priors=spec.priors, sampler=m))]
        fit_names = [spec.name]
    else:
        from ..bayes.families import get_family
        from ..bayes.fit import fit

        chosen = list(DEFAULT_FAMILIES if families is None else families)
        if not chosen:
            raise EcostatError("families is empty; name at least one family (e.g. rasch) or leave it out.")
        for f in chosen:
            get_family(f)  # an unknown family fails before anything is fitted
        plan = [(f, lambda f=f: fit(fm, f, **sampler_settings)) for f in chosen]
        fit_names = chosen
    page.h2("fits", "Bayesian fits")
    for name, run in plan:
        say(f"fitting {name} ({sampler_settings['chains']} chains x {sampler_settings['draws']} draws)")
        page.h3(name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EcostatWarning)  # convergence problems are in the fit's summary
                res = run()
        except EcostatError as exc:
            page.error(f"fit {name}", exc)
            continue
        fits[name] = res
        page.result(f"fit {name}", res)
        items = []
        if res.design.complete and res.enumerates_profiles:
            ppc = res.ppc(seed=0)
            items += [(f"{name}: posterior predictive check, number of failures",
                       "Observed counts of instances with t failures against the replicated mean and interval.",
                       lambda p=ppc: plots.plot_ppc(p, statistic="failure_count_histogram")),
                      (f"{name}: posterior predictive check, systemic failures",
                       "Replicated number of instances every decision-maker fails; the line is the observed count.",
                       lambda p=ppc: plots.plot_ppc(p, statistic="systemic_failure_count"))]
        page.figures(items)
    if fits:
        page.h3("Posterior ecosystem quantities")
        page.figures([("Posterior homogenization, systemic excess and ensemble gap",
                       "Posterior means with 95% HDIs of each fit (by group where the fits model one).",
                       lambda: _forest(fits))])

    # 3. comparison
    comparison = None
    if len(fits) >= 2:
        say(f"comparing {len(fits)} fits by PSIS-LOO")
        page.h2("comparison", "Comparison of the fits")
        comparison = compare(dict(fits), ci=ci)
        page.result("comparison", comparison)
        import arviz as az

        page.figures([("PSIS-LOO comparison", "elpd_loo of each fit with its standard error; the difference to the "
                       "best fit with its standard error (arviz.plot_compare).",
                       lambda: az.plot_compare(comparison.table))])

    # 4. settings and versions
    page.h2("settings", "Settings and versions")
    settings = {"data": source, "instances": fm.n_instances, "decision-makers": ", ".join(fm.models),
                "group": fm.group_name if fm.group is not None else "none",
                "spec": f"{spec.name} ({spec.path})" if spec is not None else "none",
                "fits": ", ".join(fit_names), **{k: v for k, v in describe_options.items()},
                **{f"sampler {k}": v for k, v in sampler_settings.items() if v is not None}}
    for name, res in fits.items():
        settings[f"{name} digest"] = res.digest[:16]
        settings[f"{name} sampler"] = ", ".join(f"{k}={v}" for k, v in res.settings.items())
    versions = package_versions("pymc", "pytensor", "nutpie", "arviz", "numpy", "scipy", "pandas", "xarray",
                                "matplotlib")
    versions |= {"python": platform.python_version()}
    environment = {"written": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "platform": platform.platform(),
                   "command": " ".join(sys.argv) if sys.argv and sys.argv[0] else "python",
                   "elapsed": f"{time.time() - started:.0f} s"}
    page.parts.append("<h4>Settings</h4>" + _table(settings) + "<h4>Versions</h4>" + _table(versions)
                      + "<h4>Environment</h4>" + _table(environment))
    page.written.append({"section": "Settings and versions", "kind": "tables", "title": "settings and versions"})

    toc = "".join(f"<li><a href='#{a}'>{html.escape(t)}</a></li>" for a, t in
                  (("description", "Data and description"), ("fits", "Bayesian fits"),
                   ("comparison", "Comparison of the fits"), ("settings", "Settings and versions"))
                  if a != "comparison" or comparison is not None)
    head = (f"<h1>{html.escape(title)}</h1><p class='meta'>{fm.n_instances} instances x {fm.n_models} decision-makers"
            f" ({html.escape(', '.join(fm.models))}); written {html.escape(environment['written'])} by ecostat "
            f"{html.escape(versions['ecostat'])}.</p><nav><ol>{toc}</ol></nav>")
    if page.errors:
        head += "<p class='error'>Some parts failed; see the messages below.</p>"
    text = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>"
            + head + "".join(page.parts) + "</main></body></html>")
    path = None
    if out is not None:
        path = write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=force, what="the report")
        say(f"wrote {path} ({len(text.encode()) / 1024:.0f} KiB)")
    return Report(path=path, html=text, written=page.written, description=description, fits=fits,
                  comparison=comparison, settings={k: (v if isinstance(v, (int, float, str)) else str(v))
                                                   for k, v in settings.items()},
                  versions=versions, errors=page.errors)
