"""Figures of fitted families: headline quantities against independence, difficulty by group, latent correlation.

* :func:`plot_forest`: posterior homogenization H, systemic excess and ensemble
  gap (docs/architecture.md §6) of one or several fits, overall and per group, against their
  value under independence (H = 1, excess = 0, gap = 0) and the value in the data.
* :func:`plot_difficulty`: the posterior distribution of latent difficulty in each
  group (rasch, twopl: a normal per stratum; latent_class, hard_easy: classes).
* :func:`plot_correlation`: the inter-model latent correlation matrix with
  intervals (mvprobit ``corr`` draws, or tetrachoric correlations of the data
  with bootstrap intervals).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import EcostatError
from ._axes import ALL_COLOR, INDEPENDENCE, OBSERVED, PALETTE, get_ax, legend_above, new_figure, style, wrap_title

__all__ = ["plot_forest", "plot_difficulty", "plot_correlation", "HEADLINE"]

#: headline quantities: name -> (label, value under independence)
HEADLINE = {"homogenization": ("homogenization H", 1.0), "systemic_excess": ("systemic excess", 0.0),
            "ensemble_gap": ("ensemble gap", 0.0),
            "systemic_failure_rate": ("systemic failure rate", None),
            "ensemble_majority_accuracy": ("majority-vote accuracy", None)}


def _named_fits(fits) -> dict:
    if isinstance(fits, Mapping):
        named = {str(k): v for k, v in fits.items()}
    elif hasattr(fits, "quantity_draws") and hasattr(fits, "family"):
        named = {fits.family: fits}
    else:
        fits = list(fits)
        from ..bayes.comparison import fit_names

        named = dict(zip(fit_names(fits), fits))
    if not named:
        raise EcostatError("plot_forest needs at least one fit (es.fit(...)), a list of fits or a mapping name -> fit.")
    for name, f in named.items():
        if not (hasattr(f, "quantity_draws") and hasattr(f, "design")):
            raise EcostatError(f"{name!r} is a {type(f).__name__}, not a FitResult (from es.fit or es.load_fit).")
    return named


def _hdi(x, prob):
    from ..bayes.posterior import hdi

    lo, hi = hdi(np.asarray(x, float), prob)
    return float(lo), float(hi)


def observed_quantities(design, by_group: bool = False) -> list[dict]:
    """Ecosystem quantities of the observed profile frequencies: overall, or one dict per group (complete data only)."""
    from ..bayes.posterior import ecosystem_quantities

    if not design.complete:
        return [] if by_group else {}
    k = design.k
    idx = design.patterns.astype(np.int64) @ (1 << np.arange(k))
    groups = design.strata_group[design.strata] if by_group else np.zeros(len(idx), int)
    out = []
    for g in range(design.n_groups if by_group else 1):
        sel = groups == g
        p = np.bincount(idx[sel], weights=design.counts[sel], minlength=2 ** k)
        p = p / max(p.sum(), 1e-300)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = ecosystem_quantities(p, k)
        out.append({name: float(np.asarray(v)) for name, v in q.items() if np.ndim(v) == 0})
    return out if by_group else out[0]


def plot_forest(fits, *, quantities=("homogenization", "systemic_excess", "ensemble_gap"), by_group: bool | None = None,
                prob: float = 0.95, inner: float = 0.5, observed: bool = True, size="page", title: str | None = None):
    """Forest plot of posterior ecosystem quantities of one or several fits against independence (docs/architecture.md §6).

    One panel per quantity, one row per fit (and per group of a grouped fit,
    with the whole population as "all"): the posterior mean, its ``inner`` and
    ``prob`` highest-density intervals, the value in the data (open diamond)
    and a dashed line at the value under independence with the same failure
    rates (H = 1, systemic excess = 0, ensemble gap = 0).

    Parameters
    ----------
    fits : FitResult, list of FitResult, or mapping name -> FitResult
        Fits of the same data (positional fits are named by their family).
    quantities : sequence of str
        Quantities of :func:`ecostat.bayes.posterior.ecosystem_quantities`;
        default H, systemic excess and ensemble gap.
    by_group : bool, optional
        A row per group (default: when a fit has groups).
    prob, inner : float
        Masses of the outer (thin) and inner (thick) intervals.
    observed : bool
        Mark the value of the data (complete data only).
    size : {"column", "page"} or (width, height)
        Paper width; the height follows the number of rows.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=600, groups={"a": 0.5, "b": 0.5}, seed=0)
    >>> fits = [es.fit(fm, f, draws=100, tune=100, seed=1) for f in ("independence", "rasch")]  # doctest: +SKIP
    >>> fig = es.plot_forest(fits)  # doctest: +SKIP
    >>> [ax.get_xlabel() for ax in fig.axes]  # doctest: +SKIP
    ['homogenization H', 'systemic excess', 'ensemble gap']
    """
    named = _named_fits(fits)
    with style(size):
        return _forest(named, quantities, by_group, prob, inner, observed, size, title)


def _forest(named, quantities, by_group, prob, inner, observed, size, title):
    from matplotlib.lines import Line2D

    quantities = list(quantities)
    for q in quantities:
        next(iter(named.values())).quantity_draws(q)  # an unknown name raises, listing the known ones
    if by_group is None:
        by_group = any(f.design.n_groups > 1 for f in named.values())
    rows = []  # (label, fit name, group index or None, colour)
    levels = []
    for f in named.values():
        if by_group and f.design.n_groups > 1:
            levels += [lv for lv in f.design.group_levels if lv not in levels]
    for n_i, (name, f) in enumerate(named.items()):
        if by_group and f.design.n_groups > 1:
            for g, lv in enumerate(f.design.group_levels):
                rows.append((f"{name}: {lv}", name, g, PALETTE[levels.index(lv) % len(PALETTE)]))
            rows.append((f"{name}: all", name, None, ALL_COLOR))
        else:
            rows.append((name, name, None, PALETTE[n_i % len(PALETTE)] if not by_group else ALL_COLOR))
    n_rows = len(rows)
    column = size == "column"
    if column:  # one panel per quantity, stacked: a column is too narrow for panels side by side
        height = 0.75 + len(quantities) * (0.45 + 0.17 * n_rows)
        fig, axes = new_figure(size, height=height, nrows=len(quantities), ncols=1, sharey=True)
        axes = axes[:, 0]
    else:
        height = 0.95 + 0.24 * n_rows + 0.35
        fig, axes = new_figure(size, height=height, nrows=1, ncols=len(quantities), sharey=True)
        axes = axes[0]
    y = -np.arange(n_rows, dtype=float)
    obs_cache = {}
    for j, q in enumerate(quantities):
        ax = axes[j]
        label, ref = HEADLINE.get(q, (q.replace("_", " "), None))
        for r, (_, name, g, colour) in enumerate(rows):
            f = named[name]
            draws = f.quantity_draws(q, by_group=g is not None)
            x = draws[:, g] if g is not None else draws
            x = x[np.isfinite(x)]
            if not x.size:
                continue
            lo, hi = _hdi(x, prob)
            ilo, ihi = _hdi(x, inner)
            ax.plot([lo, hi], [y[r]] * 2, color=colour, linewidth=1.1, solid_capstyle="butt", zorder=2)
            ax.plot([ilo, ihi], [y[r]] * 2, color=colour, linewidth=3.6, solid_capstyle="butt", zorder=3)
            ax.plot([float(np.mean(x))], [y[r]], marker="o", markersize=4.6, color=colour,
                    markeredgecolor="white", markeredgewidth=0.6, zorder=5)
            if observed:
                key = (name, g)
                if key not in obs_cache:
                    ob = observed_quantities(f.design, by_group=g is not None)
                    obs_cache[key] = (ob[g] if g is not None else ob) if ob else {}
                v = obs_cache[key].get(q)
                if v is not None and np.isfinite(v):
                    ax.plot([v], [y[r]], marker="D", markersize=6.5, markerfacecolor="none",
                            markeredgecolor=OBSERVED, markeredgewidth=0.8, zorder=4)
        if ref is not None:
            ax.axvline(ref, color=INDEPENDENCE, linestyle="--", linewidth=1.2, zorder=1)
        # a light line between fits
        names = [row[1] for row in rows]
        for r in range(1, n_rows):
            if names[r] != names[r - 1]:
                ax.axhline(y[r] + 0.5, color="#dddddd", linewidth=0.8, zorder=0)
        ax.set_xlabel(label)
        ax.set_ylim(y[-1] - 0.7, 0.7)
        ax.grid(axis="x", color="#eeeeee", linewidth=0.6, zorder=0)
        ax.tick_params(axis="y", length=0)
        ax.margins(x=0.08)
    for ax in (axes if column else axes[:1]):
        ax.set_yticks(y)
        ax.set_yticklabels([row[0] for row in rows])
    handles = [Line2D([], [], marker="o", color="#333333", linestyle="", markersize=4.6, label="posterior mean"),
               Line2D([], [], color="#333333", linewidth=3.6, label=f"{inner:.0%} HDI"),
               Line2D([], [], color="#333333", linewidth=1.1, label=f"{prob:.0%} HDI")]
    if observed:
        handles.append(Line2D([], [], marker="D", markerfacecolor="none", markeredgecolor=OBSERVED, linestyle="",
                              label="observed (data)"))
    handles.append(Line2D([], [], color=INDEPENDENCE, linestyle="--", label="independence"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles) if not column else 2, frameon=False)
    if title is None:
        title = "posterior ecosystem quantities vs independence"
        title = f"{next(iter(named))}: {title}" if len(named) == 1 else title[0].upper() + title[1:]
    fig.suptitle(wrap_title(title, size))
    return fig


# -- difficulty -----------------------------------------------------------------------------------------------
def _thin(draws: dict, max_draws: int) -> dict:
    S = len(next(iter(draws.values())))
    if S <= max_draws:
        return draws
    idx = np.unique(np.linspace(0, S - 1, max_draws).round().astype(int))
    return {k: v[idx] for k, v in draws.items()}


def plot_difficulty(fit, *, ax=None, prob: float = 0.95, size=None, max_draws: int = 400, title: str | None = None):
    """Posterior distribution of latent difficulty in each group of a fit (docs/architecture.md §6, instance difficulty).

    For rasch and twopl, difficulty is normal in each stratum; the curve of a
    group is the posterior mean of its density (a mixture over its covariate
    strata) with a pointwise ``prob`` band. For latent_class and hard_easy
    the classes are drawn as the posterior mean share of instances at each
    class's latent value, with ``prob`` intervals. Higher is harder (more
    failures of every decision-maker).

    Parameters
    ----------
    fit : FitResult
        Of a family with a latent difficulty (rasch, twopl, latent_class, hard_easy).
    ax : matplotlib Axes, optional
    prob : float
        Mass of the band / intervals.
    size : {"column", "page"} or (width, height), optional
    max_draws : int
        Draws used (evenly thinned).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=1000, groups={"a": 0.5, "b": 0.5}, group_scale={"b": 2.0}, seed=0)
    >>> ax = es.plot_difficulty(es.fit(fm, "rasch", draws=100, tune=100, seed=0))  # doctest: +SKIP
    >>> [t.get_text() for t in ax.get_legend().get_texts()]  # doctest: +SKIP
    ['a', 'b', '95% band']
    """
    from ..bayes.families import get_family
    from ..bayes.families.base import MixtureFamily

    family = get_family(fit.family)
    with style(size):
        return _difficulty(fit, family, MixtureFamily, ax, prob, size, max_draws, title)


def _difficulty(fit, family, MixtureFamily, ax, prob, size, max_draws, title):
    if not isinstance(family, MixtureFamily):
        raise EcostatError(f"family {fit.family!r} has no latent difficulty to plot; use rasch, twopl, latent_class or "
                           "hard_easy (mvprobit: plot_correlation).")
    d = fit.design
    draws = _thin(fit.draws, max_draws)
    log_w, _, _, latent = family.draw_components(draws, d, fit.options)
    log_w = log_w + np.zeros_like(latent)
    w = np.exp(log_w - np.logaddexp.reduce(log_w, axis=-1, keepdims=True))  # (S, U, Q)
    latent = latent + np.zeros_like(w)
    n_u = np.asarray(d.strata_counts, float)
    groups = np.asarray(d.strata_group)
    levels = list(d.group_levels) if d.n_groups > 1 else ["all instances"]
    ax = get_ax(ax, figsize=(6.0, 3.6), size=size)
    a = (1 - prob) / 2
    continuous = w.shape[-1] > 8
    if continuous:
        m = np.sum(w * latent, axis=-1)  # (S, U)
        sd = np.sqrt(np.maximum(np.sum(w * (latent - m[..., None]) ** 2, axis=-1), 1e-12))
        lo_x, hi_x = np.quantile(m - 3.5 * sd, 0.02), np.quantile(m + 3.5 * sd, 0.98)
        xs = np.linspace(lo_x, hi_x, 240)
        for g, level in enumerate(levels):
            sel = groups == g if d.n_groups > 1 else np.ones_like(groups, bool)
            share = n_u[sel] / max(n_u[sel].sum(), 1e-300)
            z = (xs[None, None, :] - m[:, sel, None]) / sd[:, sel, None]
            dens = np.sum(share[None, :, None] * np.exp(-0.5 * z ** 2) / (np.sqrt(2 * np.pi) * sd[:, sel, None]),
                          axis=1)  # (S, X)
            colour = PALETTE[g % len(PALETTE)]
            band_lo, band_hi = np.quantile(dens, [a, 1 - a], axis=0)
            ax.fill_between(xs, band_lo, band_hi, color=colour, alpha=0.22, linewidth=0)
            ax.plot(xs, dens.mean(axis=0), color=colour, linewidth=1.8,
                    label=str(level) if d.n_groups > 1 else "posterior mean density")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("latent difficulty (link scale; higher is harder)")
        ax.set_ylabel("density")
        from matplotlib.patches import Patch

        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(color="#777777", alpha=0.3, linewidth=0))
        labels.append(f"{prob:.0%} band")
    else:
        Q = w.shape[-1]
        width = 0.8 / len(levels)
        order = np.argsort(latent.mean(axis=(0, 1)))
        for g, level in enumerate(levels):
            sel = groups == g if d.n_groups > 1 else np.ones_like(groups, bool)
            share = n_u[sel] / max(n_u[sel].sum(), 1e-300)
            wg = np.sum(w[:, sel, :] * share[None, :, None], axis=1)  # (S, Q)
            pos = np.arange(Q) + (g - (len(levels) - 1) / 2) * width
            mean = wg.mean(axis=0)[order]
            lo, hi = np.quantile(wg, [a, 1 - a], axis=0)
            ax.bar(pos, mean, width * 0.92, color=PALETTE[g % len(PALETTE)],
                   label=str(level) if d.n_groups > 1 else "posterior mean share")
            ax.errorbar(pos, mean, yerr=np.clip(np.vstack([mean - lo[order], hi[order] - mean]), 0, None), fmt="none",
                        ecolor=OBSERVED, elinewidth=1, capsize=3, label=f"{prob:.0%} interval" if g == 0 else None)
        loc = latent.mean(axis=(0, 1))[order]
        ax.set_xticks(np.arange(Q))
        if fit.family == "hard_easy":
            ax.set_xticklabels(["easy" if v < 0.5 else "hard" for v in loc])
            ax.set_xlabel("class of instances")
        else:
            ax.set_xticklabels([f"class {i + 1}\n({v:+.2g})" for i, v in enumerate(loc)])
            ax.set_xlabel("latent class (mean logit of failure)")
        ax.set_ylabel("share of instances")
        handles, labels = ax.get_legend_handles_labels()
    if title is None:
        by = f" by {d.group_name}" if d.n_groups > 1 and d.group_name else (" by group" if d.n_groups > 1 else "")
        title = f"{fit.family}: posterior latent difficulty{by}"
    legend_above(ax, handles, labels, title=wrap_title(title, size), legend_title=None)
    return ax


# -- correlation ----------------------------------------------------------------------------------------------
def _tetrachoric_with_intervals(data, n_boot: int, seed: int, ci: float):
    from ..data.profiles import as_table
    from ..descriptive.bootstrap import resample_counts
    from ..descriptive.tetrachoric import tetrachoric_from_counts, tetrachoric_matrix

    data = getattr(data, "fm", data)
    est = tetrachoric_matrix(data, undefined="nan")
    models = list(est.index)
    k = len(models)
    lo = np.full((k, k), np.nan)
    hi = np.full((k, k), np.nan)
    if n_boot > 0:
        t = as_table(data)
        counts = resample_counts(t, n_boot=n_boot, seed=seed)  # (B, P)
        pats = np.asarray(t.patterns)
        a = (1 - ci) / 2
        for i in range(k):
            for j in range(i):
                both = (pats[:, i] >= 0) & (pats[:, j] >= 0)
                cells = [both & (pats[:, i] == u) & (pats[:, j] == v) for u, v in ((1, 1), (1, 0), (0, 1), (0, 0))]
                tab = np.stack([counts[:, c].sum(axis=1) for c in cells], axis=1)
                with np.errstate(all="ignore"):
                    r = np.array([tetrachoric_from_counts(*row) if np.all(np.isfinite(row)) else np.nan for row in tab],
                                 float)
                r = r[np.isfinite(r)]
                if r.size:
                    lo[i, j], hi[i, j] = np.quantile(r, [a, 1 - a])
    return models, est.to_numpy(float), lo, hi


def plot_correlation(source, *, ax=None, prob: float = 0.95, n_boot: int = 200, seed: int = 0, size=None,
                     title: str | None = None):
    """Latent correlation between decision-makers' failures, with intervals, as a lower-triangle heat map.

    Parameters
    ----------
    source : FitResult or FailureMatrix / ProfileTable / Description
        An ``mvprobit`` fit (posterior mean and ``prob`` HDI of its ``corr``
        draws) or data (tetrachoric correlations, :func:`ecostat.descriptive.tetrachoric.tetrachoric_matrix`,
        with percentile bootstrap intervals of ``n_boot`` replicates).
    ax : matplotlib Axes, optional
    prob : float
        Mass of the intervals.
    n_boot, seed :
        Bootstrap of the tetrachoric intervals (``n_boot=0``: none).
    size : {"column", "page"} or (width, height), optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> ax = es.plot_correlation(es.simulate(n=2000, family="mvprobit", seed=0), n_boot=20)
    >>> ax.get_title()
    'Tetrachoric correlation of failures (95% bootstrap CI)'
    """
    with style(size):
        return _correlation(source, ax, prob, n_boot, seed, size, title)


def _correlation(source, ax, prob, n_boot, seed, size, title):
    if hasattr(source, "draws") and hasattr(source, "family"):
        if "corr" not in source.draws:
            raise EcostatError(f"family {source.family!r} has no latent correlation; fit 'mvprobit', or pass the data "
                               "for tetrachoric correlations.")
        c = np.asarray(source.draws["corr"], float)
        models = list(source.design.models)
        k = len(models)
        est = c.mean(axis=0)
        lo = np.full((k, k), np.nan)
        hi = np.full((k, k), np.nan)
        for i in range(k):
            for j in range(i):
                lo[i, j], hi[i, j] = _hdi(c[:, i, j], prob)
        what = f"{source.family}: posterior latent correlation ({prob:.0%} HDI)"
        bar = "latent correlation"
    else:
        models, est, lo, hi = _tetrachoric_with_intervals(source, n_boot, seed, prob)
        k = len(models)
        what = "Tetrachoric correlation of failures" + (f" ({prob:.0%} bootstrap CI)" if n_boot > 0 else "")
        bar = "tetrachoric correlation"
    cell = 0.95 if k <= 4 else 0.75
    ax = get_ax(ax, figsize=(1.6 + cell * k, 1.1 + cell * k), size=size)
    shown = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i):
            shown[i, j] = est[i, j]
    mesh = ax.imshow(np.ma.masked_invalid(shown[1:, :-1]), cmap="RdBu_r", vmin=-1, vmax=1, aspect="equal")
    from matplotlib import rcParams

    font = float(rcParams["font.size"]) * (0.9 if k <= 5 else 0.72)
    for i in range(1, k):
        for j in range(i):
            v = est[i, j]
            text = "--" if not np.isfinite(v) else f"{v:.2f}"
            if np.isfinite(lo[i, j]):
                text += f"\n[{lo[i, j]:.2f}, {hi[i, j]:.2f}]"
            ax.text(j, i - 1, text, ha="center", va="center", fontsize=font,
                    color="white" if np.isfinite(v) and abs(v) > 0.55 else "black")
    ax.set_xticks(range(k - 1))
    ax.set_xticklabels(models[:-1], rotation=0 if k <= 5 else 45, ha="center" if k <= 5 else "right")
    ax.set_yticks(range(k - 1))
    ax.set_yticklabels(models[1:])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.figure.colorbar(mesh, ax=ax, label=bar, shrink=0.85)
    ax.set_title(wrap_title(title or what, size))
    return ax
