"""Every quantity ecostat reports, declared once (``docs/architecture.md``, "Reported quantities").

A :class:`Quantity` holds a reported number's name (the JSON key), its label in
tables, its value under independence (a constant, or the name of the quantity
computed with the same failure rates under independence), its shape, where it is
reported and the paper that defines it. ``describe`` (bootstrap intervals),
the posterior of a fit (:mod:`ecostat.bayes.posterior`), the fit summary and
its JSON, and ``compare`` all read this table, so a new quantity is added here
and computed in one place (a metric for ``describe``, a line of
``ecosystem_quantities`` for the posterior).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Quantity", "QUANTITIES", "quantity", "reported", "independence_of"]


@dataclass(frozen=True)
class Quantity:
    """One reported quantity.

    Attributes
    ----------
    name : str
        Key in results and JSON.
    label : str
        Readable label for tables and figures.
    independence : float, str or None
        Value under independence with the same failure rates: a constant, or the
        name of the quantity holding it.
    shape : {"scalar", "model", "distribution"}
        One number, one per decision-maker, or one per number of failures.
    reports : frozenset of str
        Where it is reported: ``describe`` (descriptive, with bootstrap
        intervals), ``posterior`` (every fit's posterior and JSON), ``summary``
        (the fit summary table), ``compare`` (the comparison of fits).
    paper : str
        Where it is defined.
    """

    name: str
    label: str
    independence: float | str | None
    shape: str
    reports: frozenset
    paper: str = ""


def _q(name, label, independence, shape, reports, paper=""):
    return Quantity(name, label, independence, shape, frozenset(reports.split()), paper)


#: in report order
QUANTITIES: dict[str, Quantity] = {q.name: q for q in [
    _q("failure_rates", "failure rate", None, "model", "describe posterior", "Toups §2.1; Bommasani eq. 1"),
    _q("failure_count_distribution", "share of instances with t failures", "independence_failure_count_distribution",
       "distribution", "describe", "Toups eq. 1"),
    _q("independence_failure_count_distribution", "t failures under independence", None, "distribution", "describe",
       "Toups eq. 2"),
    _q("homogenization", "homogenization H", 1.0, "scalar", "describe posterior summary compare", "Bommasani eq. 3, 10"),
    _q("systemic_failure_rate", "systemic failure rate", "independence_systemic_failure_rate", "scalar",
       "describe posterior summary compare", "Bommasani eq. 2"),
    _q("independence_systemic_failure_rate", "independence systemic rate", None, "scalar",
       "describe posterior compare", "Bommasani eq. 3 (denominator)"),
    _q("systemic_excess", "systemic excess", 0.0, "scalar", "describe posterior summary", "Bommasani eq. 12 (k = 2)"),
    _q("min_exp", "MinExp", None, "scalar", "describe", "Bommasani eq. 17"),
    _q("exp_exp", "ExpExp", None, "scalar", "describe", "Bommasani eq. 18"),
    _q("ensemble_majority_accuracy", "majority-vote accuracy", "independence_ensemble_majority_accuracy", "scalar",
       "posterior summary", "arXiv 2501.14551"),
    _q("independence_ensemble_majority_accuracy", "majority-vote accuracy under independence", None, "scalar",
       "posterior", "arXiv 2501.14551"),
    _q("ensemble_any_correct", "any-correct accuracy", "independence_ensemble_any_correct", "scalar",
       "posterior summary", "arXiv 2501.14551"),
    _q("best_single_accuracy", "best single model accuracy", None, "scalar", "posterior summary", "arXiv 2501.14551"),
    _q("ensemble_gap", "ensemble gap (majority vs independence)", 0.0, "scalar", "posterior summary compare",
       "arXiv 2501.14551"),
    _q("ensemble_gain", "ensemble gain (majority - best single)", "independence_ensemble_gain", "scalar",
       "posterior summary", "arXiv 2501.14551"),
    _q("leader_following", "P(all others fail | j fails)", "independence_leader_following", "model", "summary",
       "Toups App. B.2"),
    _q("h_avg", "H_avg", 1.0, "scalar", "describe_groups", "Bommasani eq. 7"),
    _q("h_unif", "H_unif", 1.0, "scalar", "describe_groups", "Bommasani eq. 8"),
    _q("h_worst", "H_worst", 1.0, "scalar", "describe_groups", "Bommasani eq. 9"),
    _q("unfairness", "UNFAIRNESS", None, "scalar", "describe_groups", "Bommasani eq. 6"),
]}


def quantity(name: str) -> Quantity:
    """The declaration of quantity ``name``.

    Examples
    --------
    >>> quantity("homogenization").independence
    1.0
    """
    return QUANTITIES[name]


def reported(where: str, shape: str | None = None) -> list[str]:
    """Names of the quantities reported ``where`` (optionally of one shape), in report order.

    Examples
    --------
    >>> reported("compare")
    ['homogenization', 'systemic_failure_rate', 'independence_systemic_failure_rate', 'ensemble_gap']
    """
    return [q.name for q in QUANTITIES.values() if where in q.reports and (shape is None or q.shape == shape)]


def independence_of(name: str):
    """What quantity ``name`` is compared with under independence (a constant, a quantity name or None).

    Examples
    --------
    >>> independence_of("systemic_failure_rate")
    'independence_systemic_failure_rate'
    """
    q = QUANTITIES.get(name)
    return None if q is None else q.independence
