"""Put the LOO results of fits with different strata on common profile rows (docs/architecture.md §7).

A fit's PSIS-LOO is one value per profile row, the LOO elpd of each instance in
that row. Two fits of the same instances can have different rows: a model with
a group splits each failure pattern by group, a model with a covariate by
covariate value. Their per-instance elpds still pair up instance by instance:
every row of the finer design lies inside exactly one row of the coarser one
(same pattern, and the same group and covariate values where the coarser
design has them), so the coarser fit's row value is the elpd of each of those
instances. :func:`align_loo` expresses every fit's LOO on the rows of the
finest design, which leaves elpd, se and p_loo unchanged and lets
:func:`ecostat.bayes.loo.compare` pair instances for ``elpd_diff`` and ``dse``. Fits
whose designs are not nested, or whose counts do not add up (different
instances), cannot be compared and raise an error.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import EcostatError

__all__ = ["align_loo", "row_keys"]


def _keyset(design) -> tuple[bool, frozenset]:
    return design.n_groups > 1, frozenset(design.covariate_names)


def row_keys(design, group: bool, covariates) -> list[tuple]:
    """One hashable key per profile row: the pattern, and the group and covariate values asked for.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.bayes.families import make_design
    >>> d = make_design(es.FailureMatrix([[1, 0], [1, 0], [0, 0]], models=["a", "b"]))
    >>> row_keys(d, False, ())
    [((0, 0),), ((1, 0),)]
    """
    parts = [[tuple(int(v) for v in p) for p in design.patterns]]
    if group:
        parts.append([design.group_levels[g] for g in design.strata_group[design.strata]])
    if covariates:
        x = design.strata_x[design.strata] * design.x_scale + design.x_center  # back to the data's units
        cols = [list(design.covariate_names).index(c) for c in sorted(covariates)]
        parts.append([tuple(np.round(row[cols], 9).tolist()) for row in x])
    return list(zip(*parts))


def align_loo(fits: dict) -> dict:
    """LOO results of ``fits`` (name -> FitResult), all on the rows of the finest design.

    Raises
    ------
    EcostatError
        When the fits are of different instances or decision-makers, or their
        designs are not nested (e.g. one has a group, the other a covariate).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=400, groups={"a": .5, "b": .5}, seed=0)
    >>> fits = {"pooled": es.fit(fm, "rasch", group=False, draws=200, tune=200),
    ...         "by group": es.fit(fm, "rasch", draws=200, tune=200)}  # doctest: +SKIP
    >>> aligned = align_loo(fits)  # doctest: +SKIP
    >>> aligned["pooled"].counts.size == aligned["by group"].counts.size  # doctest: +SKIP
    True
    """
    names = list(fits)
    looks = {n: fits[n].profile_loo() for n in names}
    designs = {n: fits[n].design for n in names}
    if len({d.digest() for d in designs.values()}) == 1:
        return looks
    ref = names[0]
    for n in names[1:]:
        a, b = designs[ref], designs[n]
        if tuple(a.models) != tuple(b.models) or a.n_instances != b.n_instances:
            raise EcostatError(f"fits {ref!r} and {n!r} were made on different data ({a.n_instances} vs {b.n_instances} "
                               f"instances of {list(a.models)} vs {list(b.models)}); LOO compares fits of the same "
                               "instances and decision-makers.")
    # the finest design: the one whose keys contain every other's
    finest = max(names, key=lambda n: (_keyset(designs[n])[0], len(_keyset(designs[n])[1])))
    g_star, cov_star = _keyset(designs[finest])
    for n in names:
        g, cov = _keyset(designs[n])
        same_group = not g or designs[n].group_name == designs[finest].group_name
        if (g and not g_star) or not cov <= cov_star or not same_group:
            raise EcostatError(f"fits {finest!r} and {n!r} have designs that are not nested (group "
                               f"{designs[finest].group_name if g_star else None} / covariates {sorted(cov_star)} vs group "
                               f"{designs[n].group_name if g else None} / covariates {sorted(cov)}); LOO pairs instances "
                               "only when one fit's strata refine the other's. Fit both with the same group and covariates.")
    star = designs[finest]
    out = {}
    for n in names:
        if designs[n].digest() == star.digest():
            out[n] = looks[n]
            continue
        g, cov = _keyset(designs[n])
        index = {k: i for i, k in enumerate(row_keys(designs[n], g, cov))}
        keys = row_keys(star, g, cov)
        missing = [k for k in keys if k not in index]
        rows = np.array([index.get(k, -1) for k in keys])
        totals = np.bincount(rows[rows >= 0], weights=star.counts[rows >= 0], minlength=len(index))
        if missing or not np.array_equal(totals, designs[n].counts):
            raise EcostatError(f"fits {finest!r} and {n!r} were made on different instances: their profile counts do "
                               "not add up. Fit both to the same data.")
        r = looks[n]
        out[n] = replace(r, pointwise=r.pointwise[rows], pareto_k=r.pareto_k[rows], counts=star.counts.copy())
    return out
