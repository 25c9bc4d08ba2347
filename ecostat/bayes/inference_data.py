"""The ArviZ-complete InferenceData of a fit (docs/architecture.md §7, §10).

:class:`~ecostat.bayes.results.FitResult` keeps the sampler's InferenceData
(``posterior``, ``sample_stats``) and completes it, once, the first time
``res.idata`` is read (:func:`complete_inference_data`; a saved fit stores the
completed groups, so loading it recomputes nothing). The groups:

``posterior``
    The sampled parameters and, as variables with dims, the derived quantities
    of the registry (:mod:`ecostat.quantities`) per draw: ``homogenization``,
    ``systemic_failure_rate`` and its ``independence_*`` value,
    ``systemic_excess``, ``ensemble_gap`` and the other ensemble accuracies,
    ``failure_rates`` and ``leader_following`` (dim ``model``),
    ``failure_count_distribution`` (dim ``failures``: t = 0..k); with a group,
    ``<name>_by_group`` (dim ``group``) for H, the systemic failure rate and
    excess, majority-vote accuracy, ensemble gap and failure rates, the
    difficulty scale per group where the family has one, and the pairwise group
    contrasts ``<name>_contrast`` (dim ``contrast``, "a - b") of H, systemic
    excess, ensemble gap and difficulty scale. Their names are listed in the
    posterior's attribute ``ecostat_derived``.
``log_likelihood``
    ``pattern`` (chain, draw, profile): the log-likelihood of *one instance* of
    each profile row (missing cells marginalized), the family's ``row_log_lik``:
    the collapsed form, one value per row, not per instance. Left out (with a
    note in ``observed_data.attrs["ecostat_notes"]``) where draws x rows exceed
    :data:`LOGLIK_LIMIT` values or computing it exceeds :data:`LOGLIK_WORK_LIMIT`
    terms (many decision-makers: nearly every instance is its own row).
``observed_data``
    The profile table: ``pattern`` (profile, model; 1 failure, 0 success, -1
    missing), ``count``, ``stratum`` and the coordinate ``profile_group``;
    ``instance_profile`` (instance): the profile row of each instance of the
    failure matrix the fit was made from (coordinate: the instance ids; absent
    for a fit of a profile table). With complete data and k <= 14, the observed
    ecosystem statistics of the posterior predictive check (names as below).
``posterior_predictive``
    :data:`PP_DRAWS` posterior draws, evenly spaced within each chain (the
    ``draw`` coordinate keeps their positions), each replicating the profile
    counts of every stratum (multinomial, seed :data:`PP_SEED`) and the
    statistics of :func:`ecostat.bayes.ppc.ecosystem_statistics`:
    ``failure_count_histogram`` (failures), ``systemic_failure_count``,
    ``pairwise_cofailures`` (model_pair), ``group_homogenization`` (group);
    ``pattern_count`` (group, complete_pattern; k <= 10): the replicated counts of each
    complete profile, the pattern written as one digit per decision-maker;
    ``n_failures`` (sorted_instance): the number of decision-makers failing each
    instance, instances sorted by it (an ArviZ-shaped copy of the histogram, for
    :func:`arviz.plot_ppc`; left out when ``N x draws`` exceeds
    :data:`PP_INSTANCE_LIMIT`). Complete data and k <= 14 only (as the check).

Which ArviZ functions apply
---------------------------
=============================================  ==============================================================
``az.summary``, ``az.plot_posterior``,         on the posterior: parameters and derived quantities, e.g.
``az.plot_forest``, ``az.plot_trace``          ``az.plot_forest(res.idata, var_names=["homogenization_by_group"])``
``az.plot_ppc``                                ``az.plot_ppc(res.idata, var_names=["n_failures"])``: the
                                               distribution of the number of failures per instance
``az.plot_bpv``, ``az.plot_posterior``         ``az.plot_posterior(res.idata, group="posterior_predictive",
on ``posterior_predictive``                    var_names=["systemic_failure_count"], ref_val=observed)``
``az.loo``, ``az.waic``                        **not on** ``res.idata`` **directly**: its log-likelihood has one
                                               value per profile row, and ArviZ would count each row once. Use
                                               ``res.loo()`` / ``res.waic()`` (ELPDData, rows weighted by
                                               counts), or ``az.loo(per_instance(res), reff=1)``, which expands
                                               the rows to instances where ``N x draws`` is small
``az.compare``, ``az.plot_compare``            ``az.compare({"rasch": r1.loo(), "latent_class": r2.loo()})``;
                                               ``az.plot_compare`` of that table or of ``es.compare(...).table``
``az.plot_khat``, ``az.plot_elpd``             on ``res.loo()`` (one value per instance)
=============================================  ==============================================================

Why ArviZ must weight rows by counts: PSIS-LOO and WAIC sum pointwise values over
observations and take ``se = sqrt(n var)`` over them. The instances of one
profile row share the row's pointwise value, so the instance-level totals are
``sum_r n_r elpd_r`` and ``sqrt(N var)`` with row r counted ``n_r`` times
(:mod:`ecostat.bayes.loo`); ArviZ on the per-row log-likelihood would give
``sum_r elpd_r`` over R "observations". ``res.loo()`` returns exactly the
instance-level ELPDData (pointwise values expanded to the N instances: only
an N-vector), so everything ArviZ computes from it is count-weighted.
"""

from __future__ import annotations

import json
import math

import numpy as np
import xarray as xr

from ..errors import EcostatError
from ..numeric import all_profiles
from ..quantities import QUANTITIES
from . import posterior as post

__all__ = ["complete_inference_data", "per_instance", "is_complete", "derived_names", "instance_map", "PP_DRAWS",
           "PP_SEED", "PP_INSTANCE_LIMIT", "LOGLIK_LIMIT", "LOGLIK_WORK_LIMIT", "PER_INSTANCE_LIMIT", "PATTERN_COUNT_MAX_K",
           "row_log_lik_work"]

#: posterior draws replicated in ``posterior_predictive`` (evenly spaced within each chain)
PP_DRAWS = 200
#: seed of the replicated counts in ``posterior_predictive``
PP_SEED = 0
#: ``n_failures`` per instance is stored while N x PP_DRAWS stays below this many values (int8)
PP_INSTANCE_LIMIT = 2 ** 26
#: the ``log_likelihood`` group is stored while draws x profile rows stays below this many values (float64)
LOGLIK_LIMIT = 25_000_000
#: ... and while computing it costs at most this many (draw, profile row, latent value, decision-maker) terms (seconds
#: on 2 cores; with many decision-makers nearly every instance is its own row and it would take minutes to hours)
LOGLIK_WORK_LIMIT = 4_000_000_000
#: :func:`per_instance` expands to at most this many draws x instances
PER_INSTANCE_LIMIT = 50_000_000
#: ``pattern_count`` (one count per complete profile) is stored up to this many decision-makers
PATTERN_COUNT_MAX_K = 10
#: marker attribute of a completed InferenceData (on ``observed_data``)
MARKER = "ecostat_inference_data"
#: quantities by group in the posterior (with the family's difficulty scale where it has one)
BY_GROUP = ("homogenization", "systemic_failure_rate", "systemic_excess", "ensemble_majority_accuracy",
            "ensemble_gap", "failure_rates")
#: quantities whose pairwise group contrasts are posterior variables
CONTRASTS = ("homogenization", "systemic_excess", "ensemble_gap", "difficulty_scale")


def is_complete(idata) -> bool:
    """Whether ``idata`` was completed by :func:`complete_inference_data` (e.g. a loaded fit)."""
    return "observed_data" in idata.groups() and MARKER in idata.observed_data.attrs


def derived_names(idata) -> list[str]:
    """Names of the derived quantities stored in ``idata.posterior`` (none before completion)."""
    if "posterior" not in idata.groups():
        return []
    return list(json.loads(idata.posterior.attrs.get("ecostat_derived", "[]")))


def _chain_draw(idata) -> tuple[int, int]:
    return int(idata.posterior.sizes["chain"]), int(idata.posterior.sizes["draw"])


def _pattern_labels(k: int) -> list[str]:
    return ["".join(str(int(b)) for b in row) for row in all_profiles(k)]


# -- posterior: derived quantities ---------------------------------------------------------------------
def _derived(res) -> tuple[dict, list[str]]:
    """DataArrays of the derived quantities (chain, draw, ...), or a note why there are none."""
    d = res.design
    C, D = _chain_draw(res._sampled)
    S = C * D
    overall, groups = res._quantities
    index = getattr(res, "quantity_draw_index", np.arange(S))
    if len(index) != S:
        return {}, [f"derived quantities were computed on {len(index)} of {S} draws (k = {d.k}); they are not "
                    "posterior variables"]
    chain, draw = res._sampled.posterior.chain.values, res._sampled.posterior.draw.values
    coords = {"chain": chain, "draw": draw}
    dims_of = {"model": ("model", list(d.models)), "distribution": ("failures", list(range(d.k + 1)))}
    out = {}

    def add(name, values, extra_dims=(), extra_coords=None, label=None):
        values = np.asarray(values, dtype=float).reshape((C, D) + np.shape(values)[1:])
        da = xr.DataArray(values, dims=("chain", "draw", *extra_dims), coords={**coords, **(extra_coords or {})})
        if label:
            da.attrs["label"] = label
        out[name] = da

    names = [n for n, q in QUANTITIES.items() if ({"posterior", "summary"} & q.reports) and n in overall]
    names.append("failure_count_distribution")
    for name in names:
        q = QUANTITIES[name]
        dim = dims_of.get(q.shape)
        add(name, overall[name], (dim[0],) if dim else (), {dim[0]: dim[1]} if dim else None, q.label)
    if d.n_groups > 1:
        levels = list(d.group_levels)
        for name in BY_GROUP:
            q = QUANTITIES[name]
            dims = ("group", "model") if q.shape == "model" else ("group",)
            extra = {"group": levels} | ({"model": list(d.models)} if q.shape == "model" else {})
            add(f"{name}_by_group", groups[name], dims, extra, f"{q.label} by group")
        by_group = {name: groups[name] for name in BY_GROUP}
        scale = res._family.group_scale(res.draws, d, res.options)
        if scale is not None:
            add("difficulty_scale_by_group", scale, ("group",), {"group": levels}, "difficulty scale by group")
            by_group["difficulty_scale"] = scale
        for name in CONTRASTS:
            if name not in by_group:
                continue
            diffs = post.group_contrasts(by_group[name], levels)
            labels = [f"{a} - {b}" for a, b in diffs]
            add(f"{name}_contrast", np.stack(list(diffs.values()), axis=-1), ("contrast",), {"contrast": labels},
                f"{name.replace('_', ' ')}: group contrast")
    return out, []


# -- observed data ---------------------------------------------------------------------------------------
def _design_instances(design) -> tuple[np.ndarray, np.ndarray] | None:
    rows = getattr(design, "instance_rows", None)
    if rows is None:
        return None
    ids = getattr(design, "instance_ids", None)
    return np.asarray(rows, dtype=np.int64), _id_values(ids, len(rows))


def instance_map(res) -> tuple[np.ndarray, np.ndarray] | None:
    """(profile row of each instance, instance ids) of a fit made from a failure matrix, else None.

    From the design of a fresh fit, or from ``observed_data.instance_profile`` of a loaded one.
    """
    found = _design_instances(res.design)
    if found is not None:
        return found
    idata = res._sampled
    if is_complete(idata) and "instance_profile" in idata.observed_data:
        da = idata.observed_data["instance_profile"]
        return np.asarray(da.values, dtype=np.int64), np.asarray(da["instance"].values)
    return None


def _id_values(ids, n: int) -> np.ndarray:
    """Instance ids as a netCDF-safe array (integers stay integers, everything else becomes text)."""
    if ids is None:
        return np.arange(n, dtype=np.int64)
    values = np.asarray(ids)
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    return np.array([str(v) for v in values], dtype=object)


def _observed(res) -> xr.Dataset:
    d = res.design
    R = len(d.counts)
    profile_group = np.array([str(d.group_levels[g]) for g in d.strata_group[d.strata]], dtype=object)
    ds = xr.Dataset(
        {"pattern": (("profile", "model"), d.patterns.astype(np.int8)),
         "count": (("profile",), d.counts.astype(np.int64)),
         "stratum": (("profile",), d.strata.astype(np.int64))},
        coords={"profile": np.arange(R), "model": list(d.models), "profile_group": ("profile", profile_group)})
    ds["pattern"].attrs["meaning"] = "1 failure, 0 success, -1 missing (no decision)"
    ds["count"].attrs["meaning"] = "instances with this profile row: the weight of the row in every total"
    mapping = _design_instances(d)
    if mapping is not None:
        rows, ids = mapping
        ds["instance_profile"] = xr.DataArray(rows, dims=("instance",), coords={"instance": ids})
        ds["instance_profile"].attrs["meaning"] = "profile row (index of the profile dimension) of each instance"
    return ds


# -- posterior predictive --------------------------------------------------------------------------------
def pp_draw_index(n_chains: int, n_draws: int, n_keep: int = PP_DRAWS) -> tuple[np.ndarray, np.ndarray]:
    """Draws kept in ``posterior_predictive``: (positions within each chain, flat indices into stacked draws).

    Examples
    --------
    >>> within, flat = pp_draw_index(2, 10, 4)
    >>> within.tolist(), flat.tolist()
    ([0, 5], [0, 5, 10, 15])
    """
    m = max(1, min(n_draws, math.ceil(n_keep / n_chains)))
    within = (np.arange(m) * n_draws) // m
    flat = (np.arange(n_chains)[:, None] * n_draws + within[None, :]).ravel()
    return within, flat


def _predictive(res, observed: xr.Dataset) -> tuple[xr.Dataset | None, str | None]:
    """Replicated statistics (chain, draw, ...) and the observed ones added to ``observed``; or why not."""
    from .ppc import complete_counts, ecosystem_statistics, replicate_counts

    d = res.design
    if not d.complete:
        return None, "no posterior_predictive group: some instances have missing cells (the check needs complete profiles)"
    if not res.enumerates_profiles:
        return None, f"no posterior_predictive group: it enumerates 2^k profiles and k = {d.k} > 14"
    C, D = _chain_draw(res._sampled)
    within, flat = pp_draw_index(C, D)
    sub = {name: v[flat] for name, v in res.draws.items()}
    P = np.exp(res._family.pattern_log_prob(sub, d, res.options))  # (S', U, 2^k)
    obs_counts = complete_counts(d.patterns, d.counts, d.strata, d.n_strata)
    rep = replicate_counts(P, obs_counts.sum(axis=-1), np.random.default_rng(PP_SEED))
    rep_stats = ecosystem_statistics(rep, d.k, d.strata_group, d.n_groups)
    obs_stats = ecosystem_statistics(obs_counts, d.k, d.strata_group, d.n_groups)
    m = len(within)
    pairs = [f"{a}&{b}" for i, a in enumerate(d.models) for b in d.models[i + 1:]]
    dims = {"failure_count_histogram": (("failures",), {"failures": list(range(d.k + 1))}),
            "systemic_failure_count": ((), {}),
            "pairwise_cofailures": (("model_pair",), {"model_pair": pairs}),
            "group_homogenization": (("group",), {"group": list(d.group_levels)})}
    coords = {"chain": res._sampled.posterior.chain.values, "draw": res._sampled.posterior.draw.values[within]}
    pp = {}
    for name, (extra, extra_coords) in dims.items():
        values = np.asarray(rep_stats[name])
        pp[name] = xr.DataArray(values.reshape((C, m) + values.shape[1:]), dims=("chain", "draw", *extra),
                                coords={**coords, **extra_coords})
        observed[name] = xr.DataArray(np.asarray(obs_stats[name]), dims=extra, coords=extra_coords)
    if d.k <= PATTERN_COUNT_MAX_K:
        onehot = np.eye(d.n_groups, dtype=np.int64)[d.strata_group]  # (U, G)
        by_group = np.einsum("suy,ug->sgy", rep, onehot)
        labels = {"group": list(d.group_levels), "complete_pattern": _pattern_labels(d.k)}
        pp["pattern_count"] = xr.DataArray(by_group.reshape(C, m, d.n_groups, 2 ** d.k),
                                           dims=("chain", "draw", "group", "complete_pattern"), coords={**coords, **labels})
        observed["pattern_count"] = xr.DataArray(np.einsum("uy,ug->gy", obs_counts, onehot), dims=("group", "complete_pattern"),
                                                 coords=labels)
    N = d.n_instances
    if N * len(flat) <= PP_INSTANCE_LIMIT:
        t = np.arange(d.k + 1, dtype=np.int8)
        hist = np.asarray(rep_stats["failure_count_histogram"])  # (S', k + 1)
        n_fail = np.stack([np.repeat(t, h) for h in hist]).reshape(C, m, N)
        pp["n_failures"] = xr.DataArray(n_fail, dims=("chain", "draw", "sorted_instance"),
                                        coords={**coords, "sorted_instance": np.arange(N)})
        observed["n_failures"] = xr.DataArray(np.repeat(t, np.asarray(obs_stats["failure_count_histogram"])),
                                              dims=("sorted_instance",), coords={"sorted_instance": np.arange(N)})
        observed["n_failures"].attrs["meaning"] = ("decision-makers failing each instance, instances sorted by it "
                                                   "(only the distribution is meaningful)")
    ds = xr.Dataset(pp)
    ds.attrs.update({"ecostat_seed": PP_SEED, "ecostat_draws": f"{m} evenly spaced draws of each of {C} chains"})
    return ds, None


def row_log_lik_work(family: str, design, options, n_draws: int) -> float:
    """Terms of the per-row log-likelihood of ``n_draws`` draws: draws x profile rows x latent values x k.

    The latent values are the family's: the quadrature grid of rasch/twopl
    (:func:`~ecostat.bayes.families.latent_trait.trait_quadrature`), the classes
    of latent_class, 2 for hard_easy, 1 for independence, mvprobit's 1,024 GHK
    points.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.bayes.families import FitOptions, make_design
    >>> d = make_design(es.simulate(n=500, seed=0))
    >>> row_log_lik_work("latent_class", d, FitOptions(), 2000) == 2000 * len(d.counts) * 2 * 3
    True
    """
    from .families.latent_trait import trait_quadrature

    nodes = {"latent_class": options.n_classes, "hard_easy": 2, "independence": 1, "mvprobit": 1024}.get(
        family, trait_quadrature(design.k, options.quadrature))
    return float(n_draws) * len(design.counts) * nodes * design.k


# -- the whole -------------------------------------------------------------------------------------------
def complete_inference_data(res):
    """Add the derived quantities, ``log_likelihood``, ``observed_data`` and ``posterior_predictive`` to ``res``'s InferenceData.

    The sampler's InferenceData (``res._sampled``) is completed in place and
    returned; a completed one (a loaded fit) is returned unchanged. See the
    module docstring for the groups.

    Parameters
    ----------
    res : FitResult

    Returns
    -------
    arviz.InferenceData

    Examples
    --------
    >>> import ecostat as es
    >>> res = es.fit(es.simulate(n=300, seed=0), "rasch", draws=100, tune=200, seed=1)  # doctest: +SKIP
    >>> sorted(res.idata.groups())  # doctest: +SKIP
    ['log_likelihood', 'observed_data', 'posterior', 'posterior_predictive', 'sample_stats']
    """
    idata = res._sampled
    if is_complete(idata):
        return idata
    notes = []
    derived, why = _derived(res)
    notes += why
    for name, da in derived.items():
        idata.posterior[name] = da
    idata.posterior.attrs["ecostat_derived"] = json.dumps(list(derived))
    observed = _observed(res)
    C, D = _chain_draw(idata)
    groups = {}
    work = row_log_lik_work(res.family, res.design, res.options, C * D)
    if C * D * len(res.design.counts) <= LOGLIK_LIMIT and work <= LOGLIK_WORK_LIMIT:
        ll = res._row_log_lik
        groups["log_likelihood"] = xr.Dataset(
            {"pattern": (("chain", "draw", "profile"), ll.reshape(C, D, -1))},
            coords={"chain": idata.posterior.chain.values, "draw": idata.posterior.draw.values,
                    "profile": np.arange(ll.shape[1])})
        groups["log_likelihood"]["pattern"].attrs["meaning"] = (
            "log-likelihood of ONE instance of each profile row; weight row r by observed_data.count[r] "
            "(res.loo(), res.waic()), never pass this group to az.loo/az.waic/az.compare as it is")
    elif work > LOGLIK_WORK_LIMIT:
        notes.append(f"no log_likelihood group: it costs {work:.2g} terms ({C * D} draws x {len(res.design.counts)} "
                     f"profile rows x latent values x {res.design.k} decision-makers), more than {LOGLIK_WORK_LIMIT:.0e}; "
                     "res.loo() computes it on request (minutes or more)")
    else:
        notes.append(f"no log_likelihood group: {C * D} draws x {len(res.design.counts)} profile rows exceed "
                     f"{LOGLIK_LIMIT} values (res.loo() computes LOO all the same)")
    pp, why = _predictive(res, observed)
    if pp is not None:
        groups["posterior_predictive"] = pp
    else:
        notes.append(why)
    observed.attrs[MARKER] = 1
    observed.attrs["ecostat_notes"] = json.dumps(notes)
    groups["observed_data"] = observed
    for name in ("log_likelihood", "posterior_predictive", "observed_data"):
        if name in idata.groups():
            delattr(idata, name)
    idata.add_groups({name: ds for name, ds in groups.items()})
    return idata


def per_instance(res, *, max_values: int = PER_INSTANCE_LIMIT):
    """A copy of ``res.idata`` whose log-likelihood has one value per instance, for plain ArviZ.

    Row r's log-likelihood is repeated for its ``n_r`` instances (in the
    instances' order where the fit knows them), so :func:`arviz.loo`,
    :func:`arviz.waic` and :func:`arviz.compare` on it weight rows by counts
    without being told. ``az.loo(per_instance(res), reff=1.0)`` equals
    ``res.loo()`` (ecostat does not estimate the relative efficiency; with the
    default ``reff`` ArviZ estimates it from the posterior's ESS, which moves
    elpd slightly); ``az.waic(per_instance(res))`` equals ``res.waic()``.

    Parameters
    ----------
    res : FitResult
    max_values : int
        Refuse to build more than this many draws x instances values (8 bytes each).

    Returns
    -------
    arviz.InferenceData
        ``posterior``, ``sample_stats`` and ``log_likelihood`` (``pattern``: chain, draw, instance).

    Raises
    ------
    EcostatError
        When ``draws x N`` exceeds ``max_values``: use ``res.loo()`` / ``res.waic()``.

    Examples
    --------
    >>> import arviz as az
    >>> import ecostat as es
    >>> res = es.fit(es.simulate(n=300, seed=0), "rasch", draws=100, tune=200, seed=1)  # doctest: +SKIP
    >>> float(az.loo(per_instance(res), reff=1.0)["elpd_loo"]) == res.loo().elpd  # doctest: +SKIP
    True
    """
    import arviz as az

    d = res.design
    C, D = _chain_draw(res._sampled)
    N = d.n_instances
    if C * D * N > max_values:
        raise EcostatError(f"{C * D} draws x {N} instances = {C * D * N} values exceed max_values = {max_values}; use "
                           "res.loo() / res.waic(), which weight the profile rows by their counts without expanding.")
    mapping = instance_map(res)
    if mapping is not None:
        rows, ids = mapping
    else:
        rows, ids = np.repeat(np.arange(len(d.counts)), d.counts), np.arange(N)
    ll = res._row_log_lik[:, rows].reshape(C, D, N)
    post_ds = res._sampled.posterior[[n for n in res._sampled.posterior.data_vars if n not in derived_names(res._sampled)]]
    loglik = xr.Dataset({"pattern": (("chain", "draw", "instance"), ll)},
                        coords={"chain": post_ds.chain.values, "draw": post_ds.draw.values, "instance": ids})
    groups = {"posterior": post_ds, "log_likelihood": loglik}
    if "sample_stats" in res._sampled.groups():
        groups["sample_stats"] = res._sampled.sample_stats
    return az.InferenceData(**groups)
