# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Formulas, summaries for papers, and the classical tests beside them
#
# Do three commercial sentiment APIs fail the same Chinese restaurant reviews
# (HAPI `waimai`), and is that homogeneity the same for positive and negative
# reviews? This vignette writes the models as formulas (lme4/brms style), checks
# the priors before fitting, prints the summaries as text and writes them as
# LaTeX and HTML, compares models by LOO, puts the statsmodels counterparts
# (Cochran's Q, McNemar, GEE) beside the Bayesian answer, and runs a named
# analysis from `models/`. Set `ECOSTAT_DRAWS` (default 1000) and `ECOSTAT_OUT`.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import ecostat as es  # noqa: E402
from ecostat import frequentist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("ECOSTAT_OUT", "vignette_out"))
OUT.mkdir(parents=True, exist_ok=True)
DRAWS = int(os.environ.get("ECOSTAT_DRAWS", "1000"))
SAMPLER = dict(draws=DRAWS, tune=DRAWS, chains=2, seed=0)

fm = es.datasets.load("waimai", models=["google", "amazon", "baidu"], group="label")
fm = fm.with_group(fm.group.rename_categories({0: "positive", 1: "negative"}), name="sentiment")
print(fm)

# %% [markdown]
# ## A model as a formula
# `fail ~ model + (1 | instance)` is the Rasch model: one effect per API and a
# latent difficulty per review shared by all APIs. Crossing `model * sentiment`
# adds API-by-sentiment effects, and `(1 | instance:sentiment)` lets the spread
# of difficulty differ between positive and negative reviews (the group can be
# called `group` or by its name). `es.model` returns an unfitted model.

# %%
m = es.model("fail ~ model * sentiment + (1 | instance:sentiment)", fm)
print(m)
print(m.priors().to_string(index=False))

# %% [markdown]
# ## What do the priors imply?
# Before fitting, draw from the priors and look at the ecosystem statistics they
# imply for data of this size. The priors are weak: they allow anything from
# independence to near-total homogeneity, and the observed statistics are
# not in their far tails.

# %%
pp = m.prior_predictive(draws=200, seed=0)
print(pp.summary().as_text())

# %% [markdown]
# ## Fit, summarize, and write the summary into a paper
# `summary()` prints as text, renders in notebooks (`_repr_html_`), and writes
# LaTeX (`standalone=True` gives a document that compiles as is) and HTML.

# %%
res = m.fit(**SAMPLER)
s = res.summary()
print(s.as_text())
(OUT / "waimai_disparity.tex").write_text(s.as_latex(standalone=True))
(OUT / "waimai_disparity.html").write_text(s.as_html())
print(s.to_frame().head())

# %% [markdown]
# ## Is the extra structure worth it? LOO
# The plain Rasch model against the sentiment model, on the same data
# (PSIS-LOO on the profile table), with their homogenization side by side.

# %%
plain = es.model("fail ~ model + (1 | instance)", fm).fit(**SAMPLER)
print(es.compare({"rasch": plain, "rasch by sentiment": res}).as_text())

# %% [markdown]
# ## The classical tests
# Cochran's Q asks whether the APIs' failure rates differ; McNemar does it per
# pair; a GEE with an exchangeable working correlation estimates how strongly
# failures of the same review go together: the classical counterpart of shared
# difficulty. The fit summary shows them beside the posterior.

# %%
print(frequentist.cochrans_q(fm))
print(frequentist.mcnemar_pairs(fm).to_string(index=False))
gee = frequentist.gee_exchangeable(fm)
print(gee)

# %% [markdown]
# ## A named analysis
# The catalogue in `models/` holds the papers' analyses as specs; the same run
# from the command line is
# `ecostat fit "$(python -m ecostat.datasets path waimai)" --models google,amazon,baidu --spec models/toups2023_fit_rasch.toml`.

# %%
spec = es.load_spec(ROOT / "models" / "toups2023_fit_rasch.toml")
named = spec.run(es.datasets.load("waimai", models=["google", "amazon", "baidu"]))
print(spec.name, round(float(named.quantity("homogenization")["mean"]), 2))
ax = es.plot_ppc(res.ppc(seed=0), statistic="group_homogenization")
ax.figure.savefig(OUT / "ppc_group_homogenization.png", dpi=120)
