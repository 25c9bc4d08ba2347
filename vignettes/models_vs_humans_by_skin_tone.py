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
# # Models and dermatologists by skin tone: a simulated DDI
#
# Toups et al. (2023, §5, Fig. 5) compare two dermatology models and two
# board-certified dermatologists on the Diverse Dermatology Images (DDI) data set of
# Daneshjou et al. (2022): 656 biopsy-confirmed skin-lesion images in three
# Fitzpatrick skin-tone groups (I-II, III-IV, V-VI). Both models and humans do worse
# on darker skin, but only the *models* become more homogeneous there: on the darkest
# skin tones the two models fail the same images far more often than independent
# models would, while the dermatologists' homogeneity does not change with skin tone.
#
# **The DDI predictions are not public, so every number in this walkthrough comes
# from SIMULATED data.** We build an ecosystem in which the truth is known and has
# the structure the paper reports, run the paper's descriptive analysis on it, and
# check that a Bayesian group-disparity model recovers the truth:
#
# * two *models* share a latent image difficulty whose spread grows with skin tone
#   (sd 0.3, 1.5 and 3.5 on the logit scale for I-II, III-IV and V-VI), shifted
#   toward failure on darker skin;
# * two *dermatologists* share a difficulty of their own (independent of the
#   models'), with the same spread (sd 2) in every group and the same shift toward
#   failure on darker skin.
#
# The sample has the size of DDI (656 images, about a third per group); the
# Bayesian fit is repeated at ten times that size to show what a larger study would
# resolve. Runs as a script or as a notebook; `ECOSTAT_QUICK=1` runs fewer draws
# and bootstrap replicates and only the DDI-sized fit; `ECOSTAT_OUT` names the
# folder for the figures when run as a script.

# %%
import logging
import os
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from ecostat.report.walkthrough import Walkthrough, in_notebook

IN_NOTEBOOK = in_notebook()  # Jupyter/IPython: figures and tables inline; as a script they are saved and printed
if not IN_NOTEBOOK:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import ecostat as es  # noqa: E402

QUICK = os.environ.get("ECOSTAT_QUICK", "") not in ("", "0")
OUT = Path(os.environ.get("ECOSTAT_OUT", "."))
logging.getLogger("pymc").setLevel(logging.ERROR)  # the diagnostics table below reports the sampler
warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")


WALK = Walkthrough(out=OUT)
show, show_table = WALK.show, WALK.table  # inline in a notebook; saved / printed as a script
checked = WALK.checked  # runs a fit, records its diagnostics, stops if it did not converge
DIAGNOSTICS = WALK.diagnostics


def fmt(x, lo, hi, digits=3):
    return f"{x:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


N_BOOT = 200 if QUICK else 2000
DRAWS = 2000  # the quick mode runs the full draws too: nutpie takes seconds here, and 1000 left bulk ESS < 400

# %% [markdown]
# ## The simulated ecosystem and its truth
# `es.simulate` draws each ecosystem from a Rasch model with a difficulty location
# and scale per skin-tone group; `es.simulate_parameters`, called with the same
# arguments, returns the true parameters in the names of the fitted model. The two
# ecosystems are drawn with different seeds (their difficulties are independent)
# and put side by side on the same images: the first 656 images of each group
# share of a large draw, group by group.

# %%
TONES = ("I-II", "III-IV", "V-VI")
SHARES = {"I-II": 0.32, "III-IV": 0.37, "V-VI": 0.31}
MODELS = dict(family="rasch", failure_rates=[0.12, 0.15], models=["model_1", "model_2"], groups=SHARES,
              group_location={"I-II": -0.3, "III-IV": 0.0, "V-VI": 0.3},
              group_scale={"I-II": 0.3, "III-IV": 1.5, "V-VI": 3.5})
HUMANS = dict(family="rasch", failure_rates=[0.12, 0.15], models=["derm_1", "derm_2"], groups=SHARES,
              group_location={"I-II": -0.3, "III-IV": 0.0, "V-VI": 0.3},
              group_scale={"I-II": 2.0, "III-IV": 2.0, "V-VI": 2.0})


def ecosystem(n, seed=0):
    """n images: the models' and the dermatologists' failures side by side, by skin tone."""
    counts = {t: int(round(n * s)) for t, s in SHARES.items()}
    counts[TONES[-1]] += n - sum(counts.values())
    big_m = es.simulate(n=3 * n, seed=seed, **MODELS)
    big_h = es.simulate(n=3 * n, seed=seed + 1, **HUMANS)
    rows_m = np.concatenate([np.flatnonzero(np.asarray(big_m.group) == t)[:counts[t]] for t in TONES])
    rows_h = np.concatenate([np.flatnonzero(np.asarray(big_h.group) == t)[:counts[t]] for t in TONES])
    F = np.column_stack([big_m.failures[rows_m], big_h.failures[rows_h]])
    tone = pd.Categorical(np.asarray(big_m.group)[rows_m], categories=list(TONES))
    return es.FailureMatrix(F, models=list(big_m.models) + list(big_h.models), group=tone, group_name="skin_tone")


ddi = ecosystem(656)
models_fm, humans_fm = ddi.select(["model_1", "model_2"]), ddi.select(["derm_1", "derm_2"])
print(ddi, "-- SIMULATED, not the DDI predictions")
print(pd.Series(np.asarray(ddi.group)).value_counts().reindex(TONES).to_string())

TRUTH = {"models": es.simulate_parameters(**MODELS), "dermatologists": es.simulate_parameters(**HUMANS)}


def true_group_H(spec, seed=99):
    """True homogenization in each group, from a draw of 10^6 images (sampling error ~1e-3)."""
    fm = es.simulate(n=1_000_000, seed=seed, **spec)
    g = np.asarray(fm.group)
    return np.array([float(es.homogenization(es.FailureMatrix(fm.failures[g == t]))) for t in TONES])


TRUE_H = {"models": true_group_H(MODELS), "dermatologists": true_group_H(HUMANS)}
show_table(pd.DataFrame({"skin tone": TONES, "true H, models": TRUE_H["models"],
                         "true H, dermatologists": TRUE_H["dermatologists"]}),
           "The simulated truth: homogenization by skin tone")

# %% [markdown]
# ## The descriptive analysis of Toups Fig. 5
# Failure rates by skin tone (the traditional fairness view), then the share of
# images failed by 0, 1 or 2 decision-makers, observed minus the baseline of
# independent decision-makers with that group's own failure rates, with 95%
# bootstrap intervals.

# %%
for who, fm in (("models", models_fm), ("dermatologists", humans_fm)):
    d = es.describe(fm, n_boot=N_BOOT, seed=0, pairwise=False)
    table = d.by_group[["group", "n", *fm.models, "systemic_failure_rate"]].rename(
        columns={"group": "skin tone", "systemic_failure_rate": "both fail"})
    show_table(table, f"{who}: failure rate of each decision-maker and share failed by both, by skin tone (SIMULATED)")

strata = {who: es.stratified_excess(fm, n_boot=N_BOOT, seed=0) for who, fm in
          (("models", models_fm), ("dermatologists", humans_fm))}
both_fail = pd.concat([s[s.failures == 2].assign(**{"decision-makers": who}) for who, s in strata.items()])
show_table(both_fail[["decision-makers", "stratum", "n", "observed", "baseline", "difference", "difference_lo",
                      "difference_hi"]], "Both fail: observed - baseline by skin tone (95% bootstrap)", digits=4)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
colors = {"I-II": "#f3d9b1", "III-IV": "#c68642", "V-VI": "#5a3825"}
for ax, (who, s) in zip(axes, strata.items()):
    es.plot_group_excess(s, ax=ax, colors=colors, legend_title="skin tone",
                         title=f"{who} (simulated DDI)")
fig.tight_layout()
show(fig, "skin_tone_group_excess")

# %% [markdown]
# ## Bayesian group disparity, checked against the truth
# `fail ~ model + skin_tone + (1 | instance:skin_tone)`: an effect per
# decision-maker and a latent difficulty per image whose location and spread depend
# on the skin-tone group (the group-disparity model of Bommasani et al. §3.2 and
# Toups §5). The spread `sigma_group` is the quantity of interest: shared difficulty
# that grows with skin tone is what makes the models homogeneous on darker skin.
# (Adding decision-maker-by-group effects, `model * skin_tone`, gives a model whose
# effect scale is barely identified by two decision-makers in three groups; at this
# size its sampler reported divergent transitions even at target_accept = 0.99, and
# the simulated truth has no such effects, so we fit the additive model.) One fit
# per ecosystem and size; each takes 20-60 s (2 chains, target_accept = 0.99, on at
# most 4 failure profiles x 3 groups). The table lists every parameter with its
# posterior mean, 95% HDI and the true value.

# %%
FORMULA = "fail ~ model + skin_tone + (1 | instance:skin_tone)"


def fit(fm, label):
    return checked(label, lambda: es.model(FORMULA, fm).fit(draws=DRAWS, tune=DRAWS, chains=2, seed=0,
                                                            target_accept=0.99, progressbar=False))


def recovery(res, truth, who, n):
    rows = []
    params = res.parameters()
    for name in ("b", "mu_group", "sigma_group"):
        true = np.ravel(truth[name])
        sub = params[params.parameter.str.match(rf"^{name}\[")]
        for (_, r), t in zip(sub.iterrows(), true):
            rows.append({"decision-makers": who, "n": n, "parameter": r.parameter, "true": t, "mean": r["mean"],
                         "hdi_low": r.hdi_low, "hdi_high": r.hdi_high, "covered": r.hdi_low <= t <= r.hdi_high})
    return rows


SIZES = (656,) if QUICK else (656, 6560)
fits, rec = {}, []
for n in SIZES:
    fm_all = ddi if n == 656 else ecosystem(n, seed=10)
    for who, names in (("models", ["model_1", "model_2"]), ("dermatologists", ["derm_1", "derm_2"])):
        fits[who, n] = fit(fm_all.select(names), f"{who}, n = {n}")
        rec += recovery(fits[who, n], TRUTH[who], who, n)
recovered = pd.DataFrame(rec)
show_table(recovered, "Posterior (95% HDI) against the simulated truth")

# %% [markdown]
# ### Homogenization by skin tone, and the disparity
# The posterior of H in each group against its true value, and the contrast that
# carries the paper's finding: H on V-VI minus H on I-II, for the models and for the
# dermatologists.

# %%
h_rows, contrast_rows = [], []
for (who, n), res in fits.items():
    Hg = res.quantity_draws("homogenization", by_group=True)  # (draws, groups)
    levels = list(res.design.group_levels)
    for t in TONES:
        x = Hg[:, levels.index(t)]
        lo, hi = np.percentile(x, [2.5, 97.5])
        h_rows.append({"decision-makers": who, "n": n, "skin tone": t, "true H": TRUE_H[who][TONES.index(t)],
                       "posterior mean": x.mean(), "95% lo": lo, "95% hi": hi})
    diff = Hg[:, levels.index("V-VI")] - Hg[:, levels.index("I-II")]
    lo, hi = np.percentile(diff, [2.5, 97.5])
    contrast_rows.append({"decision-makers": who, "n": n, "true H(V-VI) - H(I-II)": TRUE_H[who][2] - TRUE_H[who][0],
                          "posterior mean": diff.mean(), "95% lo": lo, "95% hi": hi, "P(> 0)": np.mean(diff > 0)})
h_by_tone, h_contrast = pd.DataFrame(h_rows), pd.DataFrame(contrast_rows)
show_table(h_by_tone, "Homogenization by skin tone: posterior (95% interval) and truth")
show_table(h_contrast, "Disparity in homogenization, V-VI minus I-II")

# %%
fig, axes = plt.subplots(1, len(SIZES), figsize=(5.5 * len(SIZES), 4), squeeze=False)
for ax, n in zip(axes[0], SIZES):
    for i, (who, color) in enumerate((("models", "tab:red"), ("dermatologists", "tab:blue"))):
        d = h_by_tone[(h_by_tone["decision-makers"] == who) & (h_by_tone.n == n)]
        x = np.arange(len(TONES)) + (i - 0.5) * 0.25
        ax.errorbar(x, d["posterior mean"], yerr=[d["posterior mean"] - d["95% lo"], d["95% hi"] - d["posterior mean"]],
                    fmt="o", color=color, capsize=3, label=f"{who}: posterior")
        ax.scatter(x, d["true H"], marker="x", color="black", zorder=3, label="truth" if i == 0 else None)
    ax.set_xticks(range(len(TONES)), TONES)
    ax.axhline(1, color="grey", lw=0.8, ls=":")
    ax.set(xlabel="Fitzpatrick skin tone", ylabel="homogenization H", title=f"n = {n} (simulated)")
    ax.legend(fontsize=8)
fig.tight_layout()
show(fig, "skin_tone_posterior_H")

# %% [markdown]
# ## What the numbers say (about the simulation)
# Computed from the tables above; they describe the simulated ecosystem and what a
# study of DDI's size could resolve, not the real DDI predictions.

# %%
lines = []
for who in ("models", "dermatologists"):
    s = strata[who].set_index(["stratum", "failures"])
    light, dark = s.loc[("I-II", 2)], s.loc[("V-VI", 2)]
    lines.append(f"{who}: both fail {dark.difference:+.3f} [{dark.difference_lo:+.3f}, {dark.difference_hi:+.3f}] "
                 f"above the baseline on V-VI and {light.difference:+.3f} [{light.difference_lo:+.3f}, "
                 f"{light.difference_hi:+.3f}] on I-II (share of images, 95% bootstrap).")
for _, r in h_contrast.iterrows():
    verdict = ("more homogeneous on V-VI than on I-II" if r["95% lo"] > 0 else
               "less homogeneous on V-VI" if r["95% hi"] < 0 else "no disparity resolved")
    lines.append(f"{r['decision-makers']}, n = {int(r.n)}: H(V-VI) - H(I-II) = "
                 f"{fmt(r['posterior mean'], r['95% lo'], r['95% hi'], 2)} (truth {r['true H(V-VI) - H(I-II)']:.2f}), "
                 f"P(> 0) = {r['P(> 0)']:.3f}: {verdict}.")
cov = recovered.groupby(["decision-makers", "n"])["covered"].agg(["sum", "count"]).reset_index()
for _, r in cov.iterrows():
    lines.append(f"Recovery, {r['decision-makers']}, n = {int(r.n)}: {int(r['sum'])} of {int(r['count'])} true "
                 "parameters inside their 95% HDI.")
print("\n".join(lines))

# %% [markdown]
# ## Convergence of every fit shown

# %%
show_table(pd.DataFrame(DIAGNOSTICS), "Sampler diagnostics and run time of every fit", digits=3)
