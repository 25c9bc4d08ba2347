# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Homogeneous outcomes in commercial ML APIs
#
# This vignette reproduces the descriptive ecosystem-level analysis of Toups et al.
# (2023, §3, App. A.1, A.3, B.2) on the 2020 HAPI predictions shipped with
# ecostat (`es.datasets`), with bootstrap intervals the paper did not report.
# It runs as a script (`python vignettes/hapi_homogeneous_outcomes.py`) or as a
# notebook through jupytext; set `ECOSTAT_OUT` to keep the figures.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402

import ecostat as es  # noqa: E402

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
OUT = Path(os.environ.get("ECOSTAT_OUT", HERE / "_output"))
OUT.mkdir(parents=True, exist_ok=True)
N_BOOT = int(os.environ.get("ECOSTAT_N_BOOT", "500"))
APIS = {"fer": ["google", "microsoft", "facepp"], "scr": ["google", "ibm", "microsoft"], "sa": ["google", "amazon", "baidu"]}
DATASETS = {"ferplus": "fer", "fluent": "scr", "digit": "scr", "amnist": "scr",
            "shop": "sa", "yelp": "sa", "imdb": "sa", "waimai": "sa"}

# %% [markdown]
# ## Table 1 with intervals
# One call per dataset: failure rates in ascending order, systemic failure rate and
# homogenization H = P(all fail) / prod f_j (Bommasani eq. 3), with 95% bootstrap
# intervals from multinomial resampling of the profile table.

# %%
ecosystems = {name: es.datasets.load(name, models=APIS[task]) for name, task in DATASETS.items()}
rows = []
for name, fm in ecosystems.items():
    d = es.describe(fm, n_boot=N_BOOT, seed=0, hard_easy=True)
    h = d.scalars["homogenization"]
    s = d.scalars["systemic_failure_rate"]
    rows.append({"dataset": name, "N": fm.n_instances, **{f"f{j + 1}": r for j, r in enumerate(d.failure_rates["estimate"])},
                 "systemic": s.estimate, "systemic_ci": f"[{s.lo:.4f}, {s.hi:.4f}]",
                 "H": h.estimate, "H_ci": f"[{h.lo:.2f}, {h.hi:.2f}]",
                 "alpha": d.hard_easy.alpha, "Delta": d.hard_easy.delta, "L1": d.hard_easy.best_l1})
table1 = pd.DataFrame(rows)
print(table1.round(4).to_string(index=False))

# %% [markdown]
# ## Finding 1: homogeneous outcomes (Fig. 2)
# On every dataset, all-fail and all-correct outcomes are more common than
# independent models would produce.

# %%
ax = es.plot_failure_distribution(ecosystems["digit"], title="DIGIT: observed vs independence")
ax.figure.savefig(OUT / "fig2a_digit.png", dpi=120)
ax = es.plot_observed_vs_baseline(ecosystems, annotate=True)
ax.figure.savefig(OUT / "fig2b_all.png", dpi=120)
for name, fm in ecosystems.items():
    obs, ind = es.failure_count_distribution(fm), es.independence_distribution(fm)
    assert obs[-1] > ind[-1] and obs[0] > ind[0], name

# %% [markdown]
# ## Is it just hard and easy instances? (App. A.3, Fig. 11)
# The paper's grid with the strict validity rule, a continuous fit, and a
# parametric-bootstrap goodness-of-fit test of each baseline.

# %%
gof = []
for name, fm in ecosystems.items():
    fit = es.fit_hard_easy(fm)
    gof.append({"dataset": name, "alpha_ml": fit.alpha, "Delta_ml": fit.delta,
                "p_independence": es.goodness_of_fit(fm, "independence", n_sim=199).p_value,
                "p_hard_easy": es.goodness_of_fit(fm, "hard_easy", n_sim=199).p_value})
print(pd.DataFrame(gof).round(4).to_string(index=False))
ax = es.plot_hard_easy_grid(es.hard_easy_grid(ecosystems["ferplus"]))
ax.figure.savefig(OUT / "fig11_ferplus.png", dpi=120)

# %% [markdown]
# ## Annotator agreement (App. A.1, Fig. 6 and 8)
# FER+ comes with ten crowd votes per image. Stratify by the votes for the label:
# homogeneity holds at every level, and the difference and the ratio of observed
# to baseline systemic failure rank the levels in opposite orders.

# %%
votes = es.datasets.ferplus_votes()  # the ten votes per image, with votes_for_label (0-10)
fer = ecosystems["ferplus"].attach(votes, on="instance_id", covariates=["votes_for_label"])
by_votes = es.bin_covariate(fer, "votes_for_label", [-0.5, 5.5, 7.5, 9.5, 10.5], labels=["<=5", "6-7", "8-9", "10"])
strata = es.stratified_excess(by_votes)
print(strata[strata.failures == 3].round(4).to_string(index=False))
ax = es.plot_group_excess(strata)
ax.figure.savefig(OUT / "fig8_ferplus_votes.png", dpi=120)

# %% [markdown]
# ## Leader following (App. B.2)
# Observing the most accurate model fail raises the chance that every other model
# fails too far more than observing the least accurate one fail.

# %%
from ecostat.descriptive.leader import leader_following_systemic  # noqa: E402

print(leader_following_systemic(ecosystems["ferplus"].ordered()).round(4).to_string(index=False))
print(f"figures in {OUT}")
