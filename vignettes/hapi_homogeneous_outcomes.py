# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Homogeneous outcomes in commercial ML APIs
#
# This vignette reproduces the descriptive ecosystem-level analysis of Toups et al.
# (2023, §3, App. A.1, A.3, B.2) on the 2020 HAPI predictions shipped with
# ecostat (`es.datasets`), with bootstrap intervals the paper did not report.
# It runs as a script (`python vignettes/hapi_homogeneous_outcomes.py`) or as a
# notebook through jupytext. `ECOSTAT_QUICK=1` takes 200 bootstrap and 99
# goodness-of-fit replicates instead of 1,000 and 999; `ECOSTAT_OUT` names the
# folder for the figures when run as a script.

# %%
import os
from pathlib import Path

import matplotlib
import pandas as pd

from ecostat.report.walkthrough import Walkthrough, in_notebook

IN_NOTEBOOK = in_notebook()  # Jupyter/IPython: figures and tables inline; as a script they are saved and printed
if not IN_NOTEBOOK:
    matplotlib.use("Agg")

import ecostat as es  # noqa: E402
from ecostat.descriptive.leader import leader_following_systemic  # noqa: E402

QUICK = os.environ.get("ECOSTAT_QUICK", "") not in ("", "0")
OUT = Path(os.environ.get("ECOSTAT_OUT", "."))
N_BOOT = 200 if QUICK else 1000   # bootstrap replicates
N_SIM = 99 if QUICK else 499      # parametric-bootstrap replicates of the goodness-of-fit tests


WALK = Walkthrough(out=OUT, digits=4)
show, show_table = WALK.show, WALK.table  # inline in a notebook; saved / printed as a script


APIS = {"fer": ["google", "microsoft", "facepp"], "scr": ["google", "ibm", "microsoft"], "sa": ["google", "amazon", "baidu"]}
DATASETS = {"ferplus": "fer", "fluent": "scr", "digit": "scr", "amnist": "scr",
            "shop": "sa", "yelp": "sa", "imdb": "sa", "waimai": "sa"}

# %% [markdown]
# ## Table 1 with intervals
# One call per dataset: the three APIs with their failure rates in ascending order,
# systemic failure rate and homogenization H = P(all fail) / prod f_j (Bommasani
# eq. 3), with 95% bootstrap intervals from multinomial resampling of the profile
# table, and the hard/easy grid's best cell (alpha, Delta, L1 distance).

# %%
ecosystems = {name: es.datasets.load(name, models=APIS[task]) for name, task in DATASETS.items()}
rows = []
for name, fm in ecosystems.items():
    d = es.describe(fm, n_boot=N_BOOT, seed=0, hard_easy=True)
    h = d.scalars["homogenization"]
    s = d.scalars["systemic_failure_rate"]
    ranked = {label: f"{r.model} {r.estimate:.3f}" for label, r in
              zip(("lowest failure rate", "middle", "highest"), d.failure_rates.itertuples())}
    rows.append({"dataset": name, "N": fm.n_instances, **ranked,
                 "systemic": s.estimate, "systemic 95% CI": f"[{s.lo:.4f}, {s.hi:.4f}]",
                 "H": h.estimate, "H 95% CI": f"[{h.lo:.2f}, {h.hi:.2f}]",
                 "alpha": d.hard_easy.alpha, "Delta": d.hard_easy.delta, "L1": d.hard_easy.best_l1})
table1 = pd.DataFrame(rows)
show_table(table1, f"Table 1 with {N_BOOT} bootstrap replicates (each API with its failure rate, ascending)")

# %% [markdown]
# ## Finding 1: homogeneous outcomes (Fig. 2)
# Are all-fail and all-correct outcomes more common than independent models would
# produce? The count below is computed from the data.

# %%
show(es.plot_failure_distribution(ecosystems["digit"], title="DIGIT: observed vs independence"), "fig2a_digit")
show(es.plot_observed_vs_baseline(ecosystems, annotate=True), "fig2b_all")
more = [name for name, fm in ecosystems.items()
        if es.failure_count_distribution(fm)[-1] > es.independence_distribution(fm)[-1]
        and es.failure_count_distribution(fm)[0] > es.independence_distribution(fm)[0]]
print(f"all-fail and all-correct both above independence on {len(more)} of {len(ecosystems)} datasets: {', '.join(more)}")

# %% [markdown]
# ## Is it just hard and easy instances? (App. A.3, Fig. 11)
# The paper's grid with the strict validity rule, a continuous fit, and a
# parametric-bootstrap goodness-of-fit test of each baseline.

# %%
gof = []
for name, fm in ecosystems.items():
    fit = es.fit_hard_easy(fm)
    gof.append({"dataset": name, "alpha_ml": fit.alpha, "Delta_ml": fit.delta,
                "p_independence": es.goodness_of_fit(fm, "independence", n_sim=N_SIM, seed=0).p_value,
                "p_hard_easy": es.goodness_of_fit(fm, "hard_easy", n_sim=N_SIM, seed=0).p_value})
show_table(pd.DataFrame(gof), f"Hard/easy ML fit and goodness of fit ({N_SIM} parametric-bootstrap replicates)")
show(es.plot_hard_easy_grid(es.hard_easy_grid(ecosystems["ferplus"])), "fig11_ferplus")

# %% [markdown]
# ## Annotator agreement (App. A.1, Fig. 6 and 8)
# FER+ comes with ten crowd votes per image. Stratify by the votes for the label
# and compare, level by level, the observed share of images that all three APIs
# fail with the baseline of independent APIs (difference and ratio, with 95%
# bootstrap intervals; Toups App. A.1 notes that the two can rank the levels in
# opposite orders).

# %%
votes = es.datasets.ferplus_votes()  # the ten votes per image, with votes_for_label (0-10)
fer = ecosystems["ferplus"].attach(votes, on="instance_id", covariates=["votes_for_label"])
by_votes = es.bin_covariate(fer, "votes_for_label", [-0.5, 5.5, 7.5, 9.5, 10.5], labels=["<=5", "6-7", "8-9", "10"])
strata = es.stratified_excess(by_votes, n_boot=N_BOOT, seed=0)
show_table(strata[strata.failures == 3], "All three APIs fail, by votes for the label (FER+)")
show(es.plot_group_excess(strata, legend_title="votes for label"), "fig8_ferplus_votes")
top = strata[strata.failures == 3].set_index("stratum").drop(index="All")
print(f"Largest difference at {top['difference'].idxmax()} votes, largest ratio at {top['ratio'].idxmax()} votes; "
      f"observed above baseline (difference interval above 0) at {int((top['difference_lo'] > 0).sum())} of {len(top)} levels.")

# %% [markdown]
# ## Leader following (App. B.2)
# Does observing the most accurate API fail raise the chance that every other API
# fails too more than observing the least accurate one fail? (FER+, APIs in
# ascending failure rate.)

# %%
lead = leader_following_systemic(ecosystems["ferplus"].ordered())
show_table(lead, "Leader following on FER+ (Toups App. B.2)")
