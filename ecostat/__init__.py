"""ecostat: ecosystem-level analysis of machine learning decision-makers.

Given the decisions of several models, APIs or humans on the same people,
ecostat measures whether they fail the *same* people (systemic failure,
outcome homogenization) and reports it against independence with honest
uncertainty. Start with :func:`read_wide` / :func:`read_hapi` and
:func:`describe`.
"""

from . import groups
from .baselines import PAPER_ALPHAS, PAPER_DELTAS, fit_hard_easy, hard_easy_distribution, hard_easy_grid, hard_easy_rates
from .bootstrap import BootstrapResult, bootstrap, bootstrap_frame, resample_counts
from .errors import DataError, EcostatError, EcostatWarning, UndefinedMetricError
from .failures import FailureMatrix, parse_columns
from .gof import goodness_of_fit
from .groups import (
    bin_covariate,
    group_failure_rates,
    h_avg,
    h_unif,
    h_worst,
    stratified_excess,
    unfairness,
)
from .io import from_predictions, read_hapi, read_long, read_table, read_wide
from .metrics import (
    expected_systemic_failure_rate,
    failure_count_distribution,
    failure_rates,
    homogenization,
    independence_distribution,
    systemic_excess,
    systemic_failure_rate,
)
from .pairwise import cohens_kappa, double_fault, pairwise_agreement_frame, yules_q
from .alternatives import alternative_metrics_frame, exp_exp, min_exp, pairwise_metrics
from .describe import Description, describe
from .plots import (
    plot_failure_distribution,
    plot_group_excess,
    plot_hard_easy_grid,
    plot_improvement_scatter,
    plot_improvements,
    plot_observed_vs_baseline,
)
from .poibin import poisson_binomial_pmf
from .summary import Summary
from .profiles import ProfileTable
from .simulate import simulate

__version__ = "0.1.0"
