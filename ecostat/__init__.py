"""ecostat: ecosystem-level analysis of machine learning decision-makers.

Given the decisions of several models, APIs or humans on the same people,
ecostat measures whether they fail the *same* people (systemic failure,
outcome homogenization) and reports it against independence with honest
uncertainty. Start with :func:`read_wide` / :func:`read_hapi` and
:func:`describe`.
"""

import types as _types

from . import datasets
from . import report as _report_package
from ._moved import install as _install_moved_paths
from .bayes.formula import FormulaError, parse_formula
from .bayes.simulate import simulate, simulate_parameters
from .data.failures import FailureMatrix, parse_columns
from .data.profiles import ProfileTable
from .data.readers import from_predictions, read_hapi, read_long, read_table, read_wide
from .descriptive import alternatives, groups, improvement, leader, pairwise
from .descriptive.alternatives import alternative_metrics_frame, exp_exp, min_exp, pairwise_metrics
from .descriptive.baseline import BaselineResult, baseline
from .descriptive.baselines import (
    PAPER_ALPHAS,
    PAPER_DELTAS,
    fit_hard_easy,
    hard_easy_distribution,
    hard_easy_grid,
    hard_easy_rates,
)
from .descriptive.bootstrap import BootstrapResult, bootstrap, bootstrap_frame, resample_counts
from .descriptive.describe import Description, describe
from .descriptive.gof import goodness_of_fit
from .descriptive.groups import (
    bin_covariate,
    group_failure_rates,
    h_avg,
    h_unif,
    h_worst,
    stratified_excess,
    unfairness,
)
from .descriptive.improvement import improvement_analysis, improvements, threshold_sweep, transitions
from .descriptive.leader import leader_following, leader_following_systemic
from .descriptive.metrics import (
    expected_systemic_failure_rate,
    failure_count_distribution,
    failure_rates,
    homogenization,
    independence_distribution,
    systemic_excess,
    systemic_failure_rate,
)
from .descriptive.pairwise import cohens_kappa, double_fault, pairwise_agreement_frame, yules_q
from .descriptive.poibin import poisson_binomial_pmf
from .errors import DataError, EcostatError, EcostatWarning, UndefinedMetricError
from .interface.spec import Spec, load_spec
from .plots import (
    plot_correlation,
    plot_difficulty,
    plot_failure_distribution,
    plot_forest,
    plot_group_excess,
    plot_hard_easy_grid,
    plot_improvement_scatter,
    plot_improvements,
    plot_observed_vs_baseline,
    plot_ppc,
    plot_ppc_panels,
)
from .report.provenance import package_version as _package_version
from .report.summary import Summary

_install_moved_paths()  # old module paths (ecostat.leader, ...) resolve with a DeprecationWarning


class _ReportPackage(_types.ModuleType):
    """``ecostat.report`` is the rendering package (Summary, Result, provenance) and, called, the report verb."""

    def __call__(self, data, **kwargs):
        """``es.report(data, ...)``: :func:`ecostat.interface.report.report` (one self-contained HTML page)."""
        from .interface.report import report as _report

        return _report(data, **kwargs)


_report_package.__class__ = _ReportPackage  # es.report(data, ...) runs the verb; es.report.summary stays the module

__version__ = _package_version()  # from the installed metadata (pyproject.toml)

__all__ = [
    # data
    "FailureMatrix", "ProfileTable", "read_wide", "read_long", "read_hapi", "read_table", "from_predictions",
    "parse_columns", "simulate", "simulate_parameters", "datasets",
    # prediction logs larger than memory (DuckDB by default, Dask or Spark; imported on first use)
    "scan_profiles",
    # core metrics (Toups 2023 §2-3; Bommasani 2022 §3)
    "failure_rates", "failure_count_distribution", "independence_distribution", "systemic_failure_rate",
    "expected_systemic_failure_rate", "homogenization", "systemic_excess", "poisson_binomial_pmf",
    # groups and strata
    "groups", "group_failure_rates", "h_avg", "h_unif", "h_worst", "unfairness", "stratified_excess", "bin_covariate",
    # alternatives and pairwise agreement
    "alternatives", "pairwise", "pairwise_metrics", "alternative_metrics_frame", "min_exp", "exp_exp",
    "cohens_kappa", "double_fault", "yules_q", "pairwise_agreement_frame",
    # leader following and versions
    "leader", "leader_following", "leader_following_systemic",
    "improvement", "transitions", "improvement_analysis", "improvements", "threshold_sweep",
    # baselines
    "PAPER_ALPHAS", "PAPER_DELTAS", "hard_easy_rates", "hard_easy_distribution", "hard_easy_grid", "fit_hard_easy",
    "goodness_of_fit", "baseline", "BaselineResult",
    # uncertainty and reporting
    "bootstrap", "bootstrap_frame", "resample_counts", "BootstrapResult", "describe", "Description", "Summary",
    # Bayesian families (imported on first use: PyMC loads in seconds)
    "fit", "FitResult", "load_fit", "compare", "FAMILIES", "model", "Model", "PriorPredictive",
    # the one-call HTML report (describe, fits, comparison, figures, settings)
    "report",
    # statsmodels counterparts (Cochran's Q, McNemar, GEE, BinomialBayesMixedGLM; imported on first use)
    "frequentist",
    # formulas (pure: no PyMC)
    "parse_formula", "FormulaError",
    # named analyses
    "Spec", "load_spec",
    # plots
    "plot_failure_distribution", "plot_observed_vs_baseline", "plot_hard_easy_grid", "plot_group_excess",
    "plot_improvements", "plot_improvement_scatter", "plot_ppc", "plot_ppc_panels", "plot_forest", "plot_difficulty",
    "plot_correlation",
    # errors
    "EcostatError", "DataError", "UndefinedMetricError", "EcostatWarning",
]


_LAZY = {"fit": ("bayes.fit", "fit"), "FitResult": ("bayes.results", "FitResult"),
         "load_fit": ("bayes.results", "load_fit"), "compare": ("bayes.comparison", "compare"),
         "FAMILIES": ("bayes.families", "FAMILIES"), "model": ("bayes.model", "model"), "Model": ("bayes.model", "Model"),
         "PriorPredictive": ("bayes.prior_predictive", "PriorPredictive"), "frequentist": ("frequentist", None),
         "scan_profiles": ("data.scan", "scan_profiles")}


def __getattr__(name: str):
    """Import the PyMC-based parts (fit, FitResult, ...) and the out-of-core reader on first use."""
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        value = importlib.import_module(f".{module}", __name__)
        value = value if attr is None else getattr(value, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ecostat' has no attribute {name!r}")
