"""Bayesian latent-difficulty models (docs/architecture.md §5, §8). PyMC and PyTensor are imported on first use."""

import warnings as _warnings

# The collapsed likelihoods are tiny and sampled through numba: PyTensor's notice that it found no BLAS (given
# when it is imported or compiles C code, wherever that happens first) says nothing about an ecostat fit.
_warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS installation")
# ArviZ's once-a-day notice of its coming refactor (on its first import each day, for each user) is about ArviZ's
# own API, which ecostat wraps: it reached users on their first fit of the day.
_warnings.filterwarnings("ignore", message=r"\s*ArviZ is undergoing a major refactor", category=FutureWarning)
