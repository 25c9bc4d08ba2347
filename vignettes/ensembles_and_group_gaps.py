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
# # Ensembles and group gaps: when does averaging seeds close the gap, and what mix of groups is best?
#
# Ko et al. (arXiv 2501.14551, "Fairness of deep ensembles") train *homogeneous*
# ensembles (the same network from different random seeds, predictions averaged) on
# data with two groups whose tasks differ in difficulty, and sweep the share of each
# group in the training data. They find that ensembles raise the accuracy of both
# groups and narrow the gap ("positive-sum fairness"), and that the best training mix
# over-represents the harder group rather than balancing 50-50.
#
# This walkthrough repeats that experiment on simulated data with scikit-learn
# networks and adds the ecosystem-level view: the members of an ensemble are k
# decision-makers judging the same people, so ecostat measures how much they fail
# the *same* people in each group, and how much accuracy the majority vote loses
# against members that failed independently (the ensemble gap).
#
# **The data.** Two groups, A and B, with two features. Group A's points centre at
# (-1, 0) and its label is `1[x2 > 0]`; group B's points centre at (+1, 0), its
# boundary is rotated by 40 degrees, and a fifth of B's *training* labels are flipped
# (noisy supervision). The clouds overlap, the network is not told the group, and the
# test labels are clean: B is the harder task. A training set of 600 points has a
# share `p_B` of B (the representation ratio), swept from 10% to 90%; the test set
# has 3,000 points of each group.
#
# Runs as a script or as a notebook. `ECOSTAT_QUICK=1` runs a reduced design (three
# ratios, fewer members, replicates, draws and bootstrap replicates) in under a
# minute; `ECOSTAT_OUT` names the folder for the figures when run as a script.

# %%
import logging
import os
import time
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
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import ecostat as es  # noqa: E402

QUICK = os.environ.get("ECOSTAT_QUICK", "") not in ("", "0")
OUT = Path(os.environ.get("ECOSTAT_OUT", "."))
logging.getLogger("pymc").setLevel(logging.ERROR)  # the diagnostics table below reports the sampler
warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
warnings.filterwarnings("ignore", category=ConvergenceWarning)


WALK = Walkthrough(out=OUT)
show, show_table = WALK.show, WALK.table  # inline in a notebook; saved / printed as a script
checked = WALK.checked  # runs a fit, records its diagnostics, stops if it did not converge
DIAGNOSTICS = WALK.diagnostics


def fmt(x, lo, hi, digits=3):
    return f"{x:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


# %% [markdown]
# ## The design

# %%
RATIOS = (0.2, 0.5, 0.8) if QUICK else (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MEMBERS = 5                          # networks per ensemble (odd: the majority vote has no ties)
REPLICATES = 2 if QUICK else 4       # independent training sets per ratio
N_TRAIN, N_TEST_PER_GROUP = 600, 3000
NOISE_B, ANGLE_B = 0.2, np.deg2rad(40)
N_BOOT = 200 if QUICK else 1000
DRAWS = 500 if QUICK else 1000
GROUPS = ("A", "B")


def draw(n_a, n_b, rng, noisy):
    """Points of both groups: features, labels, group (B's labels flipped with probability NOISE_B if noisy)."""
    xa = rng.normal([-1.0, 0.0], 1.0, size=(n_a, 2))
    xb = rng.normal([1.0, 0.0], 1.0, size=(n_b, 2))
    ya = xa[:, 1] > 0
    yb = -np.sin(ANGLE_B) * (xb[:, 0] - 1.0) + np.cos(ANGLE_B) * xb[:, 1] > 0
    if noisy:
        yb = yb ^ (rng.random(n_b) < NOISE_B)
    return np.vstack([xa, xb]), np.concatenate([ya, yb]).astype(int), np.array(["A"] * n_a + ["B"] * n_b)


X_TEST, Y_TEST, G_TEST = draw(N_TEST_PER_GROUP, N_TEST_PER_GROUP, np.random.default_rng(0), noisy=False)
print(f"design: ratios {RATIOS}, {MEMBERS} members x {REPLICATES} training sets per ratio"
      + (" (quick mode)" if QUICK else ""))

# %% [markdown]
# ## Training the ensembles
# For each ratio and replicate: one training set, `MEMBERS` networks (two hidden layers
# of 32 units, L-BFGS, weak regularisation) that differ only in their random seed,
# and the ensemble that averages their predicted probabilities (as the paper does).
# Each member's failures on the test set form a failure matrix with the group
# attached: one ecosystem per ratio and replicate.

# %%
def train(ratio, replicate):
    rng = np.random.default_rng([int(ratio * 100), replicate])
    n_b = int(round(N_TRAIN * ratio))
    X, y, _ = draw(N_TRAIN - n_b, n_b, rng, noisy=True)
    probs = []
    for m in range(MEMBERS):
        net = MLPClassifier(hidden_layer_sizes=(32, 32), solver="lbfgs", alpha=1e-4, max_iter=500,
                            random_state=1000 * replicate + m).fit(X, y)
        probs.append(net.predict_proba(X_TEST)[:, 1])
    probs = np.array(probs)                                    # (members, test points)
    member_fail = ((probs > 0.5).astype(int) != Y_TEST).T      # (test points, members)
    ensemble_fail = (probs.mean(axis=0) > 0.5).astype(int) != Y_TEST
    return member_fail.astype(np.int8), ensemble_fail


t0 = time.perf_counter()
with threadpool_limits(1):  # many small fits: one BLAS thread each
    RUNS = {(ratio, r): train(ratio, r) for ratio in RATIOS for r in range(REPLICATES)}
print(f"trained {len(RUNS) * MEMBERS} networks in {time.perf_counter() - t0:.0f} s")

# %% [markdown]
# ## Accuracy by group: single networks and the ensemble
# Per ratio: the accuracy in each group of a single network (averaged over members)
# and of the ensemble, the gap A - B of each, and how much the ensemble narrows the
# gap. Intervals: a two-way bootstrap that resamples test points (within each group)
# and training replicates.

# %%
is_b = G_TEST == "B"
rng = np.random.default_rng(1)
idx_a, idx_b = np.flatnonzero(~is_b), np.flatnonzero(is_b)
W = np.zeros((N_BOOT, len(G_TEST)))
for idx in (idx_a, idx_b):  # stratified bootstrap weights: each group keeps its size
    W[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=N_BOOT) / len(idx)
W0 = np.zeros((1, len(G_TEST)))
W0[0, idx_a], W0[0, idx_b] = 1 / len(idx_a), 1 / len(idx_b)
REP_IDX = rng.integers(0, REPLICATES, size=(N_BOOT, REPLICATES))


def accuracies(ratio, w, rep_idx=None):
    """Per-group accuracies of single networks and of the ensemble, averaged over replicates: dict of (B,) arrays."""
    out = {}
    reps = np.arange(REPLICATES)[None, :] if rep_idx is None else rep_idx
    for g, mask in (("A", ~is_b), ("B", is_b)):
        wg = w * mask
        single = np.stack([1 - wg @ RUNS[ratio, r][0].mean(axis=1) for r in range(REPLICATES)], axis=1)
        ens = np.stack([1 - wg @ RUNS[ratio, r][1] for r in range(REPLICATES)], axis=1)
        out[f"single {g}"] = np.take_along_axis(np.broadcast_to(single, (len(w), REPLICATES)), reps, 1).mean(1)
        out[f"ensemble {g}"] = np.take_along_axis(np.broadcast_to(ens, (len(w), REPLICATES)), reps, 1).mean(1)
    out["gap single"] = out["single A"] - out["single B"]
    out["gap ensemble"] = out["ensemble A"] - out["ensemble B"]
    out["gap narrowed by"] = out["gap single"] - out["gap ensemble"]
    out["ensemble gain A"] = out["ensemble A"] - out["single A"]
    out["ensemble gain B"] = out["ensemble B"] - out["single B"]
    out["mean accuracy (ensemble)"] = (out["ensemble A"] + out["ensemble B"]) / 2
    return out


EST = {ratio: accuracies(ratio, W0) for ratio in RATIOS}
BOOT = {ratio: accuracies(ratio, W, REP_IDX) for ratio in RATIOS}


def summary_rows(names):
    rows = []
    for ratio in RATIOS:
        row = {"share of B in training": ratio}
        for name in names:
            lo, hi = np.percentile(BOOT[ratio][name], [2.5, 97.5])
            row[name], row[f"{name} lo"], row[f"{name} hi"] = EST[ratio][name][0], lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


acc = summary_rows(["single A", "single B", "ensemble A", "ensemble B"])
show_table(acc, "Accuracy by group (95% two-way bootstrap)")
gaps = summary_rows(["gap single", "gap ensemble", "gap narrowed by", "ensemble gain A", "ensemble gain B",
                     "mean accuracy (ensemble)"])
show_table(gaps, "Gap A - B, how much the ensemble narrows it, and its gain in each group")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for name, color, ls in (("single A", "tab:blue", "--"), ("ensemble A", "tab:blue", "-"),
                        ("single B", "tab:red", "--"), ("ensemble B", "tab:red", "-")):
    axes[0].errorbar(acc["share of B in training"], acc[name], yerr=[acc[name] - acc[f"{name} lo"], acc[f"{name} hi"] - acc[name]],
                     color=color, ls=ls, marker="o", ms=3, capsize=2, label=name)
axes[0].set(xlabel="share of group B in training", ylabel="accuracy", title="Accuracy by group")
axes[0].legend(fontsize=8)
for name, color in (("gap single", "tab:grey"), ("gap ensemble", "tab:purple")):
    axes[1].errorbar(gaps["share of B in training"], gaps[name], yerr=[gaps[name] - gaps[f"{name} lo"], gaps[f"{name} hi"] - gaps[name]],
                     color=color, marker="o", ms=3, capsize=2, label=name)
axes[1].axhline(0, color="black", lw=0.8, ls=":")
axes[1].set(xlabel="share of group B in training", ylabel="accuracy A - accuracy B", title="Gap between groups")
axes[1].legend(fontsize=8)
fig.tight_layout()
show(fig, "ensembles_accuracy_and_gap")

# %% [markdown]
# ## Where is the best mix?
# The ratio with the smallest ensemble gap, and the ratio with the highest mean
# accuracy over the two groups (the test set is balanced). The bootstrap replicates
# say how sure each choice is: the share of replicates in which each ratio wins.

# %%
def winners(name, best):
    vals = np.column_stack([BOOT[r][name] for r in RATIOS])
    pick = best(vals, axis=1)
    share = pd.Series(np.array(RATIOS)[pick]).value_counts(normalize=True).reindex(RATIOS, fill_value=0.0)
    est = RATIOS[int(best(np.array([EST[r][name][0] for r in RATIOS])))]
    return est, share


best_gap, gap_share = winners("gap ensemble", lambda v, axis=None: np.argmin(np.abs(v), axis=axis))
best_acc, acc_share = winners("mean accuracy (ensemble)", lambda v, axis=None: np.argmax(v, axis=axis))
show_table(pd.DataFrame({"share of B in training": RATIOS, "P(smallest ensemble gap)": gap_share.to_numpy(),
                         "P(highest mean accuracy)": acc_share.to_numpy()}), "How often each ratio is best (bootstrap)")

# %% [markdown]
# ## The ecosystem view: do the members fail the same people, in each group?
# `es.describe` of one ensemble's members (first replicate) with the group attached:
# the group-level homogenization measures of Bommasani et al. (eq. 6-8: H_avg,
# H_unif, H_worst; 1 when the members' *group* failure rates combine as if
# independent) and each group's systemic failure rate (all members wrong: no
# aggregation of these members can recover these points).

# %%
def members(ratio, replicate=0):
    return es.FailureMatrix(RUNS[ratio, replicate][0], models=[f"seed{m}" for m in range(MEMBERS)], group=G_TEST,
                            group_name="group")


rows, by_group_rows = [], []
for ratio in RATIOS:
    d = es.describe(members(ratio), n_boot=N_BOOT, seed=0, pairwise=False)
    row = {"share of B in training": ratio}
    for name in ("h_avg", "h_unif", "h_worst"):
        e = d.group_scalars[name]
        row[name], row[f"{name} lo"], row[f"{name} hi"] = e.estimate, e.lo, e.hi
    rows.append(row)
    for _, r in d.by_group.iterrows():
        by_group_rows.append({"share of B in training": ratio, "group": r["group"],
                              "systemic failure rate": r["systemic_failure_rate"]})
show_table(pd.DataFrame(rows), "Group homogenization of the members (es.describe, 95% bootstrap)", digits=4)
show_table(pd.DataFrame(by_group_rows).pivot(index="share of B in training", columns="group",
                                             values="systemic failure rate").reset_index(),
           "Systemic failure rate (all members wrong) by group", digits=4)

# %% [markdown]
# ## Bayesian: the ensemble gap against independent members, by group
# A Rasch model with a difficulty location and scale per group,
# `fail ~ model + group + (1 | instance:group)`, fitted to the members' failures
# (first replicate). `quantity("ensemble_gap", by_group=True)` is the majority vote's
# accuracy minus that of members with the same failure rates failing independently:
# how much accuracy the ensemble loses, in each group, because its members fail the
# same points.
#
# **These fits are slow: about 1-2 minutes of CPU each** (2 chains x 1,000 draws, on at
# most 2^5 profiles per group). Members trained on the same data from different seeds
# fail almost the same points, so the latent difficulty has a large spread (sigma
# about 3-4 on the logit scale), and the posterior of the model effects and sigma is
# strongly correlated: NUTS needs long trajectories. We therefore fit three mixes
# (20%, 50% and 80% of B) rather than all nine; the quick mode skips the fits.

# %%
BAYES_RATIOS = () if QUICK else tuple(r for r in RATIOS if r in (0.2, 0.5, 0.8))
post_rows = []
for ratio in BAYES_RATIOS:
    fm = members(ratio)
    res = checked(f"members at share of B = {ratio}", lambda fm=fm: es.model(
        "fail ~ model + group + (1 | instance:group)", fm).fit(draws=DRAWS, tune=DRAWS, chains=2, seed=0,
                                                                progressbar=False))
    q = res.quantity("ensemble_gap", by_group=True)
    maj = res.quantity("ensemble_majority_accuracy", by_group=True)
    for g, level in enumerate(res.design.group_levels):
        post_rows.append({"share of B in training": ratio, "group": level,
                          "majority accuracy": maj["mean"][g], "ensemble gap vs independence": q["mean"][g],
                          "gap lo": q["hdi_low"][g], "gap hi": q["hdi_high"][g],
                          "sigma (difficulty sd)": res.draws["sigma_group"][:, g].mean()})
post = pd.DataFrame(post_rows, columns=["share of B in training", "group", "majority accuracy",
                                        "ensemble gap vs independence", "gap lo", "gap hi", "sigma (difficulty sd)"])
if len(post):
    show_table(post, "Ensemble gap vs independence by group (posterior mean, 95% HDI)")

# %% [markdown]
# ## What the numbers say
# Every sentence below is computed from the tables above.

# %%
def sign_word(lo, hi, positive, negative, neither):
    return positive if lo > 0 else negative if hi < 0 else neither


lines = []
g = gaps.set_index("share of B in training")
narrows = [r for r in RATIOS if g.loc[r, "gap narrowed by lo"] > 0]
lines.append(f"The ensemble narrows the A - B gap with 95% certainty at {len(narrows)} of {len(RATIOS)} ratios"
             + (f" ({', '.join(f'{r:.0%}' for r in narrows)})." if narrows else "."))
for r in RATIOS:
    lines.append(f"  share of B {r:.0%}: gap single {fmt(g.loc[r, 'gap single'], g.loc[r, 'gap single lo'], g.loc[r, 'gap single hi'])}, "
                 f"ensemble {fmt(g.loc[r, 'gap ensemble'], g.loc[r, 'gap ensemble lo'], g.loc[r, 'gap ensemble hi'])}; "
                 f"gain A {fmt(g.loc[r, 'ensemble gain A'], g.loc[r, 'ensemble gain A lo'], g.loc[r, 'ensemble gain A hi'])}, "
                 f"gain B {fmt(g.loc[r, 'ensemble gain B'], g.loc[r, 'ensemble gain B lo'], g.loc[r, 'ensemble gain B hi'])}")
both = [r for r in RATIOS if g.loc[r, "ensemble gain A lo"] > 0 and g.loc[r, "ensemble gain B lo"] > 0]
lines.append(f"Positive-sum (the ensemble beats a single network in both groups, 95% intervals above 0) at "
             f"{len(both)} of {len(RATIOS)} ratios.")
lines.append(f"Smallest ensemble gap at a share of B of {best_gap:.0%} (chosen in {gap_share[best_gap]:.0%} of bootstrap "
             f"replicates); highest mean accuracy at {best_acc:.0%} (chosen in {acc_share[best_acc]:.0%}).")
lines.append("A balanced 50-50 mix is " + ("" if best_gap == 0.5 else "not ") + "the mix with the smallest gap; the "
             "best mix " + ("over-represents" if best_gap > 0.5 else "under-represents" if best_gap < 0.5 else "balances")
             + " the harder group B.")
for _, r in post.iterrows():
    lines.append(f"  posterior, share of B {r['share of B in training']:.0%}, group {r.group}: ensemble gap vs independence "
                 f"{fmt(r['ensemble gap vs independence'], r['gap lo'], r['gap hi'])} ("
                 + sign_word(r["gap lo"], r["gap hi"], "the majority vote does better than with",
                             "the majority vote does worse than with", "no clear difference from") + " independent members).")
print("\n".join(lines))

# %% [markdown]
# ## Convergence of every fit shown

# %%
if DIAGNOSTICS:
    show_table(pd.DataFrame(DIAGNOSTICS), "Sampler diagnostics and run time of every fit", digits=3)
else:
    print("quick mode: no Bayesian fit")
