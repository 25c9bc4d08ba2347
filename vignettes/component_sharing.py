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
# # Does sharing components homogenize outcomes? Data and model sharing on handwritten digits
#
# Bommasani et al. (2022, §4-5) ask whether decision-makers that *share components*
# (training data, a foundation model) fail the *same* people more often than
# decision-makers that do not. This walkthrough runs their two experiments on real
# data that ships with scikit-learn: the 1,797 handwritten digits of `load_digits`
# (8x8 images), on which we define three binary tasks, as ACS PUMS defines three
# tasks on the same people:
#
# * **even**: is the digit even?
# * **large**: is the digit 5 or more?
# * **loop**: does the digit have a closed loop (0, 6, 8, 9)?
#
# A held-out set of test images is the population; one model per task makes an
# ecosystem of k = 3 decision-makers, and an image is a *systemic failure* when all
# three models get their task wrong on it.
#
# 1. **Data sharing (§4)**: the three task models are trained on the **fixed**
#    protocol (the same n training images for every task) or the **disjoint**
#    protocol (three disjoint sets of n images from the same pool), over several
#    subsamples, seeds and training sizes n.
# 2. **Model sharing (§5)**: the task models either share one representation
#    (a "foundation model": one network fitted once with a head per task, or one
#    PCA fitted once with a linear probe per task) or each learn their own network.
#
# For every setting we report homogenization H = P(all fail) / prod_j f_j
# (Bommasani eq. 3; 1 under independence) with a bootstrap interval, and the
# posterior of H and of the latent inter-model correlation from a Bayesian
# one-factor model, and we ask with what certainty fixed > disjoint.
#
# Runs as a script or as a notebook; `ECOSTAT_QUICK=1` runs a reduced design
# (fewer training sizes, subsamples, seeds, draws) in well under a minute;
# `ECOSTAT_OUT` names the folder for the figures when run as a script.

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
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import ecostat as es  # noqa: E402

QUICK = os.environ.get("ECOSTAT_QUICK", "") not in ("", "0")
OUT = Path(os.environ.get("ECOSTAT_OUT", "."))
logging.getLogger("pymc").setLevel(logging.ERROR)  # the fit summaries below report the sampler
warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
warnings.filterwarnings("ignore", category=ConvergenceWarning)  # lbfgs at max_iter on the smallest sets


WALK = Walkthrough(out=OUT)
show, show_table = WALK.show, WALK.table  # inline in a notebook; saved / printed as a script
checked = WALK.checked  # runs a fit, records its diagnostics, stops if it did not converge
DIAGNOSTICS = WALK.diagnostics


def fmt(x, lo, hi, digits=2):
    return f"{x:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


# %% [markdown]
# ## Data, tasks and the design
# One split of the digits into 597 test images (the population whose outcomes we
# measure) and a pool of 1,200 training images. The disjoint protocol needs 3n
# training images, so n is at most 400.

# %%
SIZES = (50, 200) if QUICK else (25, 50, 100, 200, 400)
SUBSAMPLES = 2 if QUICK else 5          # training subsamples per size
SEEDS = 2 if QUICK else 5               # training seeds per subsample (the paper's 5 x 5 = 25 runs)
N_BOOT = 200 if QUICK else 1000         # bootstrap replicates
DRAWS = 1000 if QUICK else 2000         # posterior draws per chain (and as many tuning steps)

X, digit = load_digits(return_X_y=True)
X = X / 16.0
TASKS = {"even": np.isin(digit, [0, 2, 4, 6, 8]), "large": digit >= 5, "loop": np.isin(digit, [0, 6, 8, 9])}
MODELS = list(TASKS)
Y = np.column_stack([TASKS[t] for t in MODELS]).astype(int)
order = np.random.default_rng(0).permutation(len(X))
test, pool = order[:597], order[597:]
print(f"{len(test)} test images, {len(pool)} training images; tasks {MODELS}; base rates",
      Y[test].mean(axis=0).round(2).tolist())
print(f"design: sizes {SIZES}, {SUBSAMPLES} subsamples x {SEEDS} seeds = {SUBSAMPLES * SEEDS} runs per setting"
      + (" (quick mode)" if QUICK else ""))


def mlp(seed):
    """The task model: one hidden layer of 32 units (L-BFGS; small data)."""
    return MLPClassifier(hidden_layer_sizes=(32,), solver="lbfgs", alpha=1e-2, max_iter=300, random_state=seed)


def failures_of(predictions):
    """Failure matrix (test images x tasks): 1 where a task model got its task wrong."""
    return (np.column_stack(predictions) != Y[test]).astype(np.int8)


# %% [markdown]
# ## 1. Data sharing: fixed vs disjoint
# For training size n, subsample s and seed t: draw a random order of the pool; the
# **fixed** protocol trains every task model on its first n images, the **disjoint**
# protocol trains task j on images `jn .. (j+1)n`. Both protocols give every task
# model its own initialisation (seed `(s, t, j)`), so the only difference between them
# is whether the tasks share the training *inputs*.

# %%
def data_sharing_runs():
    runs = {}
    for n in SIZES:
        for protocol in ("fixed", "disjoint"):
            runs[protocol, n] = []
        for s in range(SUBSAMPLES):
            perm = np.random.default_rng([n, s]).permutation(pool)
            for t in range(SEEDS):
                for protocol in ("fixed", "disjoint"):
                    preds = []
                    for j in range(len(MODELS)):
                        rows = perm[:n] if protocol == "fixed" else perm[j * n:(j + 1) * n]
                        model = mlp(seed=1000 * s + 10 * t + j).fit(X[rows], Y[rows, j])
                        preds.append(model.predict(X[test]))
                    runs[protocol, n].append(failures_of(preds))
    return {key: np.stack(v) for key, v in runs.items()}  # (runs, test images, tasks)


t0 = time.perf_counter()
with threadpool_limits(1):  # many tiny fits: one BLAS thread each is ~10x faster than several
    RUNS = data_sharing_runs()
n_fits = sum(v.shape[0] * v.shape[2] for v in RUNS.values())
print(f"trained {n_fits} task models in {time.perf_counter() - t0:.0f} s")

# %% [markdown]
# ### One ecosystem, described
# `es.describe` on a single run (n = 50, first subsample and seed) for each protocol:
# failure rates, systemic failure rate and H, each with a 95% bootstrap interval over
# test images.

# %%
def described(F, label):
    d = es.describe(es.FailureMatrix(F, models=MODELS), n_boot=N_BOOT, seed=0, pairwise=False)
    rows = [{"ecosystem": label, "quantity": f"failure rate {r.model}", "estimate": r.estimate, "95% lo": r.lo,
             "95% hi": r.hi} for r in d.failure_rates.itertuples()]
    for name in ("systemic_failure_rate", "independence_systemic_failure_rate", "homogenization"):
        e = d.scalars[name]
        rows.append({"ecosystem": label, "quantity": name.replace("_", " "), "estimate": e.estimate, "95% lo": e.lo,
                     "95% hi": e.hi})
    return pd.DataFrame(rows)


show_table(pd.concat([described(RUNS[p, 50][0], f"{p}, n = 50, run 0") for p in ("fixed", "disjoint")]),
           "One run of each protocol (es.describe, 95% bootstrap over test images)")

# %% [markdown]
# ### Every setting, over runs
# One run's H rests on a handful of systemic failures, so per setting we pool the
# runs: H = (systemic failures observed over all runs) / (systemic failures expected
# under independence, run by run from that run's own failure rates). The interval must
# cover two sources of chance: which images happen to be in the test set, and which
# training subsamples and seeds happened to be drawn. A *two-way* bootstrap resamples
# both: each replicate draws test images with replacement (the same images for every
# run and both protocols) and runs with replacement. The same replicates give the
# interval of the difference fixed - disjoint and the share of replicates in which
# fixed > disjoint.

# %%
def run_stats(F, w):
    """Per-run systemic failure rate, its value under independence and failure rates, under image weights w.

    F: (R, N, k) failures; w: (B, N) weights (bootstrap counts / N).
    Returns systemic (B, R), independence (B, R), rates (B, R, k).
    """
    rates = np.einsum("bn,rnk->brk", w, F)
    systemic = w @ F.all(axis=2).T.astype(float)
    return systemic, rates.prod(axis=2), rates


rng = np.random.default_rng(1)
N_TEST, R = len(test), SUBSAMPLES * SEEDS
W = rng.multinomial(N_TEST, np.full(N_TEST, 1 / N_TEST), size=N_BOOT) / N_TEST   # test-image resamples
RUN_IDX = rng.integers(0, R, size=(N_BOOT, R))                                  # run resamples
W0 = np.full((1, N_TEST), 1 / N_TEST)


def pooled_H(F):
    """H over runs (estimate) and its two-way bootstrap replicates."""
    sys0, ind0, _ = run_stats(F, W0)
    sys_b, ind_b, _ = run_stats(F, W)
    take = lambda a: np.take_along_axis(a, RUN_IDX, axis=1).sum(axis=1)  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        return sys0.sum() / ind0.sum(), take(sys_b) / take(ind_b)


def interval(x):
    return np.nanpercentile(x, [2.5, 97.5])


rows, boot_H = [], {}
for (protocol, n), F in RUNS.items():
    H, boot_H[protocol, n] = pooled_H(F)
    lo, hi = interval(boot_H[protocol, n])
    sys0, ind0, rates0 = run_stats(F, W0)
    rows.append({"protocol": protocol, "n": n, "runs": F.shape[0], "mean error rate": rates0.mean(),
                 "systemic failure rate": sys0.mean(), "under independence": ind0.mean(), "H": H,
                 "H 95% lo": lo, "H 95% hi": hi})
data_sharing = pd.DataFrame(rows).sort_values(["n", "protocol"], ascending=[True, False])
show_table(data_sharing, "Data sharing: H per setting, pooled over runs (two-way bootstrap 95% intervals)", digits=4)

contrast_rows = []
for n in SIZES:
    diff = boot_H["fixed", n] - boot_H["disjoint", n]
    H = data_sharing.set_index(["protocol", "n"])["H"]
    lo, hi = interval(diff)
    contrast_rows.append({"n": n, "H fixed - H disjoint": H["fixed", n] - H["disjoint", n], "95% lo": lo, "95% hi": hi,
                          "share of replicates fixed > disjoint": float(np.mean(diff > 0))})
contrast = pd.DataFrame(contrast_rows)
show_table(contrast, "Fixed minus disjoint: difference of H (two-way bootstrap)")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for protocol, color in (("fixed", "tab:red"), ("disjoint", "tab:blue")):
    d = data_sharing[data_sharing.protocol == protocol]
    axes[0].errorbar(d.n, d["H"], yerr=[d["H"] - d["H 95% lo"], d["H 95% hi"] - d["H"]], marker="o", capsize=3,
                     color=color, label=protocol)
    axes[1].plot(d.n, d["mean error rate"], marker="o", color=color, label=protocol)
axes[0].axhline(1, color="grey", lw=0.8, ls=":")
axes[0].set(xscale="log", xlabel="training images per task model (n)", ylabel="homogenization H",
            title="Homogenization (95% two-way bootstrap)")
axes[1].set(xscale="log", xlabel="training images per task model (n)", ylabel="mean error rate",
            title="Error rates are the same")
for ax in axes:
    ax.set_xticks(SIZES, [str(s) for s in SIZES])
    ax.legend()
fig.tight_layout()
show(fig, "component_sharing_data")

# %% [markdown]
# ### The Bayesian view: posterior of H and of the latent correlation
# A latent-difficulty model (`rasch` family, logit link) gives every test image a
# latent difficulty theta with standard deviation sigma, shared by the three task
# models: `P(fail) = logistic(theta_i + b_j)`. The latent correlation of two models'
# failures (the correlation of their latent propensities, whose logistic noise has
# variance pi^2 / 3) is then `rho = sigma^2 / (sigma^2 + pi^2 / 3)`, and H follows from
# the implied profile probabilities. (With a probit link, 500 draws per chain did not
# reach R-hat <= 1.01 here; the logit fits converge at the draws used.) Each setting's runs are pooled into one failure matrix
# (an instance is a test image in one run). Unlike the descriptive H above, which
# compares each run with its own independence baseline, the pooled model also counts
# as shared difficulty a run whose three models are all worse than usual (an unlucky
# training subsample hurts all tasks at once under the fixed protocol); giving every
# run its own difficulty location (`+ group`) would remove that, at about three times
# the sampling cost. The posterior is conditional on the trained models: its
# intervals cover test-set sampling, the bootstrap above covers the training runs too.
#
# Each fit takes 10-30 s (2 chains, collapsed onto the 8 failure profiles); the
# quick mode fits only the smallest training size.

# %%
def bayes_fit(label, F):
    fm = es.FailureMatrix(F.reshape(-1, F.shape[2]), models=MODELS)   # runs stacked: (runs x images, tasks)
    return checked(label, lambda: es.fit(fm, "rasch", draws=DRAWS, tune=DRAWS, chains=2, seed=0, progressbar=False))


def latent_correlation(res):
    s2 = res.draws["sigma"] ** 2
    return s2 / (s2 + np.pi ** 2 / 3)


def posterior_row(res, **keys):
    H, rho = res.quantity_draws("homogenization"), latent_correlation(res)
    (hlo, hhi), (rlo, rhi) = np.percentile(H, [2.5, 97.5]), np.percentile(rho, [2.5, 97.5])
    return {**keys, "H posterior mean": H.mean(), "H 95% lo": hlo, "H 95% hi": hhi,
            "latent correlation": rho.mean(), "rho 95% lo": rlo, "rho 95% hi": rhi}


BAYES_SIZES = SIZES[:1] if QUICK else SIZES
bayes = {(p, n): bayes_fit(f"data sharing: {p}, n = {n}", RUNS[p, n]) for n in BAYES_SIZES for p in ("fixed", "disjoint")}
bayes_table = pd.DataFrame([posterior_row(res, protocol=p, n=n) for (p, n), res in bayes.items()])
show_table(bayes_table.sort_values(["n", "protocol"], ascending=[True, False]),
           "Posterior of H and of the latent inter-model correlation (rasch; 95% intervals)")

post_rows = []
for n in BAYES_SIZES:
    d_rho = latent_correlation(bayes["fixed", n]) - latent_correlation(bayes["disjoint", n])
    d_H = bayes["fixed", n].quantity_draws("homogenization") - bayes["disjoint", n].quantity_draws("homogenization")
    lo, hi = np.percentile(d_rho, [2.5, 97.5])
    post_rows.append({"n": n, "P(H fixed > H disjoint)": np.mean(d_H > 0), "rho fixed - disjoint": d_rho.mean(),
                      "95% lo": lo, "95% hi": hi, "P(rho fixed > rho disjoint)": np.mean(d_rho > 0)})
post_contrast = pd.DataFrame(post_rows)
show_table(post_contrast, "Posterior contrasts, fixed vs disjoint (independent fits, draws paired in order)")

# %% [markdown]
# ## 2. Model sharing: one representation or one per task
# All three task models now see the same n training images (fixed protocol) and
# differ only in what they share:
#
# * **separate networks** ("scratch"): one MLP per task, each with its own hidden
#   layer (its own representation) and seed: the fixed-protocol runs of part 1;
# * **shared network** (multi-task "fine-tuning" of one model): one MLP with one
#   hidden layer and three output units, trained once on the three tasks together;
# * **shared PCA + probes** (a frozen "foundation model"): one PCA with 20
#   components fitted once per run on unlabelled images (a bootstrap sample of the
#   training pool, drawn with the run's seed), and a logistic regression probe per
#   task on its features.
#
# Bommasani et al. rank these from least to most sharing and predict H to follow.

# %%
MODEL_SIZES = (50,) if QUICK else (50, 200)


def model_sharing_runs():
    runs = {}
    for n in MODEL_SIZES:
        for kind in ("separate networks", "shared network", "shared PCA + probes"):
            runs[kind, n] = []
        for s in range(SUBSAMPLES):
            rows = np.random.default_rng([n, s]).permutation(pool)[:n]
            for t in range(SEEDS):
                multi = mlp(1000 * s + 10 * t).fit(X[rows], Y[rows]).predict(X[test])
                runs["shared network", n].append(failures_of(list(multi.T)))
                unlabelled = np.random.default_rng([s, t]).choice(pool, size=len(pool))
                Z = PCA(n_components=20).fit(X[unlabelled]).transform(X)   # one foundation model per run
                probes = [LogisticRegression(C=10.0, max_iter=2000).fit(Z[rows], Y[rows, j]).predict(Z[test])
                          for j in range(len(MODELS))]
                runs["shared PCA + probes", n].append(failures_of(probes))
        runs["separate networks", n] = list(RUNS["fixed", n])  # the same subsamples and seeds as part 1
    return {key: np.stack(v) for key, v in runs.items()}


t0 = time.perf_counter()
with threadpool_limits(1):
    MRUNS = model_sharing_runs()
print(f"model-sharing runs in {time.perf_counter() - t0:.0f} s")

rows, mboot = [], {}
for (kind, n), F in MRUNS.items():
    H, mboot[kind, n] = pooled_H(F)
    lo, hi = interval(mboot[kind, n])
    sys0, ind0, rates0 = run_stats(F, W0)
    rows.append({"components": kind, "n": n, "mean error rate": rates0.mean(), "systemic failure rate": sys0.mean(),
                 "H": H, "H 95% lo": lo, "H 95% hi": hi})
model_sharing = pd.DataFrame(rows)
show_table(model_sharing, "Model sharing: H per setting, pooled over runs (two-way bootstrap 95% intervals)", digits=4)

mrows = []
H = model_sharing.set_index(["components", "n"])["H"]
for n in MODEL_SIZES:
    for kind in ("shared network", "shared PCA + probes"):
        diff = mboot[kind, n] - mboot["separate networks", n]
        lo, hi = interval(diff)
        mrows.append({"n": n, "contrast": f"{kind} - separate networks",
                      "difference of H": H[kind, n] - H["separate networks", n],
                      "95% lo": lo, "95% hi": hi, "share of replicates > 0": float(np.mean(diff > 0))})
model_contrast = pd.DataFrame(mrows)
show_table(model_contrast, "Shared minus separate representations (two-way bootstrap)")

# separate networks at size n are the fixed-protocol runs of part 1 (same subsamples and seeds): reuse their fit
# (the quick mode skips these fits)
mbayes = {} if QUICK else {
    (kind, n): bayes["fixed", n] if kind == "separate networks" else bayes_fit(f"model sharing: {kind}, n = {n}", F)
    for (kind, n), F in MRUNS.items()}
if mbayes:
    show_table(pd.DataFrame([posterior_row(res, components=kind, n=n) for (kind, n), res in mbayes.items()]),
               "Model sharing: posterior of H and of the latent correlation (rasch; 95% intervals)")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for i, (kind, color) in enumerate((("separate networks", "tab:blue"), ("shared network", "tab:orange"),
                                   ("shared PCA + probes", "tab:green"))):
    d = model_sharing[model_sharing.components == kind]
    x = np.arange(len(d)) + (i - 1) * 0.2
    ax.errorbar(x, d["H"], yerr=[d["H"] - d["H 95% lo"], d["H 95% hi"] - d["H"]], fmt="o", capsize=3, color=color,
                label=kind)
ax.set_xticks(np.arange(len(MODEL_SIZES)), [f"n = {n}" for n in MODEL_SIZES])
ax.axhline(1, color="grey", lw=0.8, ls=":")
ax.set(ylabel="homogenization H", title="Model sharing (95% two-way bootstrap)")
ax.legend()
show(fig, "component_sharing_models")

# %% [markdown]
# ## What the numbers say
# The sentences below are computed from the tables above.

# %%
def verdict(row, name):
    lo, hi = row["95% lo"], row["95% hi"]
    if lo > 0:
        return f"{name} is higher (interval excludes 0)"
    if hi < 0:
        return f"{name} is lower (interval excludes 0)"
    return f"{name} is not distinguishable (interval includes 0)"


lines = ["Data sharing (fixed vs disjoint), difference of H with two-way bootstrap 95% intervals:"]
for _, r in contrast.iterrows():
    lines.append(f"  n = {int(r.n):>3}: {fmt(r['H fixed - H disjoint'], r['95% lo'], r['95% hi'])}; "
                 f"fixed > disjoint in {r['share of replicates fixed > disjoint']:.0%} of replicates -> "
                 + verdict(r, "fixed"))
n_sure = int((contrast["95% lo"] > 0).sum())
lines.append(f"  fixed > disjoint with 95% certainty at {n_sure} of {len(contrast)} training sizes.")
for _, r in post_contrast.iterrows():
    lines.append(f"  posterior (n = {int(r.n)}): P(H fixed > H disjoint) = {r['P(H fixed > H disjoint)']:.3f}; latent correlation "
                 f"fixed - disjoint {fmt(r['rho fixed - disjoint'], r['95% lo'], r['95% hi'], 3)}, "
                 f"P(fixed > disjoint) = {r['P(rho fixed > rho disjoint)']:.3f}.")
lines.append("Model sharing, shared minus separate representations:")
for _, r in model_contrast.iterrows():
    lines.append(f"  n = {int(r.n)}, {r.contrast}: {fmt(r['difference of H'], r['95% lo'], r['95% hi'])} -> "
                 + verdict(r, r.contrast.split(' - ')[0]))
err = data_sharing.pivot(index="n", columns="protocol", values="mean error rate")
lines.append("Error rates of the two protocols differ by at most "
             f"{np.abs(err['fixed'] - err['disjoint']).max():.3f}: accuracy alone cannot tell the protocols apart.")
print("\n".join(lines))

# %% [markdown]
# ## Convergence of every fit shown
# Each Bayesian fit above ran 2 chains at the draws and tuning steps given; the
# vignette stops if one has R-hat above 1.01, a low effective sample size or a
# divergent transition.

# %%
show_table(pd.DataFrame(DIAGNOSTICS), "Sampler diagnostics and run time of every fit", digits=3)
