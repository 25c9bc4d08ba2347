"""Quiet, well-aimed output: no PyTensor error log in a successful fit, warnings at the user's line, progress bar."""

from __future__ import annotations

import io
import logging
import sys
import warnings

import pytest

import ecostat as es


def test_hard_easy_compiles_without_pytensor_errors():
    """The gradient of max(f) made PyTensor's FusionOptimizer log a KeyError traceback (pymc-devs/pytensor#2145)."""
    from ecostat.bayes.model import model

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    log = logging.getLogger("pytensor")
    log.addHandler(handler)
    try:
        m = model("fail ~ model + (1 | instance)", es.simulate(n=400, family="hard_easy", seed=0), family="hard_easy")
        with m.build() as pm_model:
            pm_model.logp_dlogp_function(ravel_inputs=True)  # what NUTS compiles
    finally:
        log.removeHandler(handler)
    assert "ERROR" not in buf.getvalue() and "KeyError" not in buf.getvalue(), buf.getvalue()[:2000]


def test_hard_easy_delta_max_is_unchanged():
    """Delta = u * min((1 - alpha) / alpha, 1 / max_j f_j - 1), now written as one min: the same numbers."""
    import numpy as np
    import pytensor
    import pytensor.tensor as pt
    from pytensor.graph.replace import clone_replace

    from ecostat.bayes.families.design import make_design
    from ecostat.bayes.model import build_model

    m = build_model(make_design(es.simulate(n=200, family="hard_easy", seed=0)), "hard_easy")
    f, alpha, u = pt.vector("f"), pt.scalar("alpha"), pt.scalar("u")
    delta = clone_replace(m["delta"], {m["f"]: f, m["alpha"]: alpha, m["u"]: u})
    fn = pytensor.function([f, alpha, u], delta)
    rng = np.random.default_rng(0)
    for _ in range(50):
        fv, av, uv = rng.uniform(0.01, 0.6, 3), rng.uniform(0.01, 0.99), rng.uniform()
        assert float(fn(fv, av, uv)) == uv * min((1 - av) / av, 1 / fv.max() - 1)


def test_warnings_point_at_the_callers_line(hapi):
    with pytest.warns(UserWarning, match="rule='paper'") as caught:
        es.hard_easy_grid(hapi("digit"), rule="paper")
    assert caught[0].filename == __file__
    with pytest.warns(es.EcostatWarning, match="did not converge") as caught:
        es.fit(es.simulate(n=300, seed=0), "independence", draws=10, tune=10, chains=2, seed=0)
    assert [w.filename for w in caught if "did not converge" in str(w.message)] == [__file__]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        es.fit(es.simulate(n=300, seed=0), "independence", group=False, draws=100, tune=100, chains=1, seed=0)
    deprecated = [w for w in caught if issubclass(w.category, DeprecationWarning) and "grouped" in str(w.message)]
    assert deprecated and deprecated[0].filename == __file__


def test_warn_at_caller_skips_every_ecostat_frame():
    from ecostat.errors import user_stacklevel, warn_at_caller

    assert user_stacklevel() == 1  # called from a test: already outside the package
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_at_caller("here")
    assert caught[0].filename == __file__ and caught[0].category is es.EcostatWarning


@pytest.mark.parametrize("tty, expected", [(True, True), (False, False)])
def test_progressbar_defaults_to_a_terminal(monkeypatch, tty, expected):
    import pymc as pm

    from ecostat.bayes.sampling import sample_model, sampler_settings
    from ecostat.options import OPTIONS, default

    assert default("progressbar") is None and OPTIONS["progressbar"].nullable
    assert "terminal" in OPTIONS["progressbar"].help
    seen = {}

    def fake_sample(**kw):
        seen.update(kw)
        return "idata"

    monkeypatch.setattr(pm, "sample", fake_sample)
    monkeypatch.setattr(sys, "stderr", type("Err", (io.StringIO,), {"isatty": lambda self: tty})())
    with pm.Model():
        pm.Normal("x")
        settings = sampler_settings(draws=5, tune=5, chains=1, sampler="pymc")
        assert sample_model(pm.modelcontext(None), settings) == "idata"
        assert seen["progressbar"] is expected
        sample_model(pm.modelcontext(None), settings, progressbar=False)
        assert seen["progressbar"] is False


@pytest.mark.parametrize("family,kw", [("mvprobit", {}), ("rasch", {"groups": {"a": 0.5, "b": 0.5}})])
def test_fits_with_ecostat_likelihood_ops_warn_nothing_but_convergence(family, kw):
    """ecostat's own Ops run compiled kernels in object mode on purpose: no PyTensor notice reaches the user."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        es.fit(es.simulate(n=300, seed=0, **kw), family, draws=60, tune=60, chains=1, seed=0)
    # "always" above overrides every filter; the BLAS notice is filtered for users where ecostat.bayes loads
    expected = ("did not converge", "PyTensor could not link to a BLAS")
    noise = [str(w.message)[:120] for w in caught
             if not any(e in str(w.message) for e in expected) and not issubclass(w.category, DeprecationWarning)]
    assert not noise, noise
    assert any(action == "ignore" and pattern is not None and pattern.pattern.startswith("PyTensor could not link")
               for action, pattern, *_ in warnings.filters)


def test_laplace_of_mvprobit_shows_only_its_own_note():
    """method="laplace" compiles the GHK Op's object-mode call too: PyTensor's note about it is not the user's concern."""
    fm = es.simulate(n=300, family="mvprobit", seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        es.fit(fm, "mvprobit", method="laplace", draws=100, seed=0, backend="numba")
    shown = [str(w.message) for w in caught if not isinstance(w.message, es.EcostatWarning)]
    assert not [m for m in shown if "object mode" in m], shown


def test_arviz_daily_refactor_notice_does_not_reach_users(tmp_path):
    """ArviZ warns once a day per user (a stamp in the user cache) about its own coming API changes; a user of
    ecostat, whose first fit of the day imports ArviZ, does not see it."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    raw = subprocess.run([sys.executable, "-c", "import arviz"], capture_output=True, text=True, timeout=300,
                         env=dict(env, XDG_CACHE_HOME=str(tmp_path / "other")))
    if "ArviZ is undergoing" not in raw.stderr:
        pytest.skip("this ArviZ has no daily notice")
    out = subprocess.run([sys.executable, "-c", "import ecostat, arviz"], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "ArviZ is undergoing" not in out.stderr
