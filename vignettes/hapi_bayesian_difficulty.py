# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Why do commercial APIs fail the same people? Bayesian latent-difficulty models
#
# The descriptive analysis (vignette `hapi_homogeneous_outcomes.py`) shows that the
# APIs of HAPI fail the same instances far more often than independent
# decision-makers would (Toups et al. 2023, §3). Here we ask *why* and *how
# sure*: how much of it is shared instance difficulty, whether difficulty
# explains the homogeneity fully, and what it costs an ensemble.
#
# Every fit is collapsed onto the profile table, so the 6,358 FER+ images cost
# as much as eight profiles. Set `ECOSTAT_DRAWS` for longer chains (default 1000)
# and `ECOSTAT_OUT` to keep the figures.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import ecostat as es  # noqa: E402
from ecostat.descriptive.tetrachoric import tetrachoric_matrix  # noqa: E402

OUT = Path(os.environ.get("ECOSTAT_OUT", "vignette_out"))
OUT.mkdir(parents=True, exist_ok=True)
DRAWS = int(os.environ.get("ECOSTAT_DRAWS", "1000"))
fer = es.datasets.load("ferplus", models=["google", "microsoft", "facepp"])

# %% [markdown]
# ## Independence, shared difficulty, latent classes
# Three families on the same data: `independence` (the null of Toups eq. 2, with
# uncertainty), `rasch` (one latent difficulty per image shared by all APIs) and
# `latent_class` (two classes of images; generalizes the hard/easy baseline of
# App. A.3).

# %%
fits = {fam: es.fit(fer, fam, draws=DRAWS, tune=DRAWS, chains=2, seed=0)
        for fam in ("independence", "rasch", "latent_class")}
print(fits["rasch"].summary())

# %% [markdown]
# ## Posterior predictive checks say where each family fails
# Replicate the profile counts from each posterior and compare ecosystem
# statistics. Independence cannot produce the observed systemic failures; the
# Rasch model's single difficulty comes close; two latent classes saturate the
# 8 profiles of 3 APIs and fit everything.

# %%
rows = []
for fam, res in fits.items():
    ppc = res.ppc(seed=0).to_dict()
    rows.append({"family": fam, "systemic observed": ppc["systemic_failure_count"]["observed"],
                 "p systemic": ppc["systemic_failure_count"]["p_value"],
                 "p #failures (t=0..3)": ppc["failure_count_histogram"]["p_values"],
                 "p pairwise co-failures": ppc["pairwise_cofailures"]["p_values"]})
print(pd.DataFrame(rows).to_string(index=False))
ax = es.plot_ppc(fits["independence"].ppc(seed=0), statistic="systemic_failure_count")
ax.figure.savefig(OUT / "ppc_independence_systemic.png", dpi=120)
ax = es.plot_ppc(fits["rasch"].ppc(seed=0))
ax.figure.savefig(OUT / "ppc_rasch_histogram.png", dpi=120)

# %% [markdown]
# ## Comparison by LOO
# PSIS-LOO is computed per profile and weighted by counts (never an N x draws array).

# %%
print(es.compare(fits).as_text())

# %% [markdown]
# ## Does human ambiguity explain it? (Toups App. A.1)
# Ten crowd votes per image: shift difficulty by the votes for the label
# (`beta` is per standard deviation of the votes). If ambiguity explained the
# shared difficulty, the residual difficulty sd `sigma` would fall toward 0.
# It falls only from about 1.4 to 1.15: clear images are easier for every API,
# but most of the shared difficulty is not human ambiguity, as Toups §6 and App.
# A.1 conclude. (Population H stays the same: it counts shared difficulty from
# any source, the votes included.)

# %%
votes = es.datasets.ferplus_votes()  # the ten votes per image, with votes_for_label (0-10)
fer_votes = fer.attach(votes, on="instance_id", covariates=["votes_for_label"])
with_votes = es.fit(fer_votes, "rasch", covariates="votes_for_label", draws=DRAWS, tune=DRAWS, chains=2, seed=0)
print(with_votes.parameters().to_string(index=False))
print("difficulty sd without / with the votes:", round(float(fits["rasch"].draws["sigma"].mean()), 3),
      round(float(with_votes.draws["sigma"].mean()), 3))
print("H without / with the votes:", round(float(fits["rasch"].quantity("homogenization")["mean"]), 3),
      round(float(with_votes.quantity("homogenization")["mean"]), 3))

# %% [markdown]
# ## The full latent correlation: mvprobit vs maximum-likelihood tetrachoric
# The multivariate probit estimates the latent correlation of every pair of APIs;
# its posterior means agree with the classical two-step ML tetrachoric correlations.

# %%
mvp = es.fit(fer, "mvprobit", draws=max(DRAWS // 2, 200), tune=max(DRAWS // 2, 200), chains=2, seed=0)
tet = tetrachoric_matrix(fer)
iu = np.triu_indices(3, 1)
print(pd.DataFrame({"pair": [f"{fer.models[a]}~{fer.models[b]}" for a, b in zip(*iu)],
                    "mvprobit": mvp.draws["rho"].mean(0), "tetrachoric ML": tet.to_numpy()[iu]}).round(3).to_string(index=False))
