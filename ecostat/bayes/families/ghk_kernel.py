"""The mvprobit collapsed log-likelihood and its gradient as one compiled numba function (``mvprobit``'s fast path).

:func:`ecostat.bayes.families.ghk.pattern_log_prob_pt` writes the GHK
simulator (its module docstring has the recursion) as a PyTensor graph
unrolled over the k coordinates: every step is a dozen elementwise operations
on (profile row x QMC point) arrays, and the gradient doubles them. NUTS
evaluates it tens of thousands of times per fit.

This module computes the same quantity,

``sum_r n_r log mean_m prod_j Phi(c_rmj)``,

with its exact gradient with respect to ``(mu, L)``:

* Step j of the recursion depends only on the first j + 1 cells of a profile,
  so the rows with a positive count are arranged as a tree of their prefixes
  (:func:`prefix_tree`) and each step is computed once per distinct prefix:
  62 nodes instead of 5 x 30 cells for the LSAT table (k = 5), 14 instead of
  24 for the 8 profiles of k = 3. Rows with a zero count are left out.
* The factors ``Phi(c) >= Phi(-5)`` are multiplied (their product cannot
  underflow for k <= 12) and logged once per profile; a factor below
  ``Phi(-5)`` is kept in log space (``erfcx``), as the graph does, and that
  profile's mean over the points is a log-sum-exp.
* The reverse pass runs the recursion backwards (reverse-mode differentiation
  written out: ``d log Phi(c)/dc = phi(c) / Phi(c)``,
  ``d Phi^-1(q)/dq = 1 / phi(Phi^-1(q))``; a missing cell has ``c = 40`` and no
  gradient); a node's adjoint collects those of the profiles below it.

It is the same function (same points, same branches: the truncated draw
``min(Phi^-1(u Phi(c)), c)``, the floor 1e-300 of ``u Phi(c)``), so the
posterior is the same; value and gradient agree with PyTensor's gradient of
the graph to about 1e-13 (``tests/test_ghk_kernel.py``), only the order of
rounding differs. One evaluation for LSAT (M = 1024 points) takes about 2 ms
against about 10 ms for the compiled graph (BENCHMARKS.md, mvprobit).

In the model it is one PyTensor Op (:class:`GHKLogLik`) whose ``perform``
calls the kernel. Every buffer is allocated per call and the kernel releases
the GIL, so nutpie's chains run it in parallel threads; the Op holds only
arrays, so it pickles (PyMC's worker processes). ``scipy.special``'s
``ndtri`` and ``erfcx`` are called through their Cython entry points, so the
kernel is compiled once per process (numba cannot cache functions that hold C
pointers): about a second.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
from pytensor.graph.op import Op as _OpBase

from ...errors import EcostatError
from .ghk import _OPEN, _SPLIT, _TINY, _check_k, _resolve_u, _signs_and_mask

__all__ = ["ghk_loglik", "ghk_loglik_op", "prefix_tree", "GHKLogLik"]

_TREE_KEYS = ("level", "parent", "anc", "sign", "mask", "leaf_node", "leaf_w")

_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_kernel = None


def _scipy_scalar(name: str):
    """A ``double f(double)`` of ``scipy.special.cython_special`` as a ctypes function numba can call."""
    import ctypes

    import scipy.special.cython_special as cs

    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = (ctypes.py_object,)
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = (ctypes.py_object, ctypes.c_char_p)
    for key, capsule in cs.__pyx_capi__.items():
        if key in (name, f"__pyx_fuse_1{name}"):
            signature = get_name(capsule)
            if signature == b"double (double, int __pyx_skip_dispatch)":
                address = get_pointer(capsule, signature)
                return ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_int)(address)
    raise ImportError(f"scipy.special.cython_special has no double {name}(double)")  # pragma: no cover


def _get_kernel():
    """Compile the kernel (once per process; about a second)."""
    global _kernel
    if _kernel is not None:
        return _kernel
    import numba

    erfcx = _scipy_scalar("erfcx")
    ndtri = _scipy_scalar("ndtri")
    OPEN, SPLIT, TINY, SQRT2, SQRT_2PI = _OPEN, _SPLIT, _TINY, _SQRT2, _SQRT_2PI

    # error_model="numpy": a degenerate point (L_jj = 0 at the edge of the correlation space) gives inf/nan,
    # as the graph does, which the sampler rejects, instead of raising ZeroDivisionError
    @numba.njit(nogil=True, cache=False, error_model="numpy")
    def kernel(mu, L, level, parent, anc, sign, mask, leaf_node, leaf_w, u):
        N = level.shape[0]
        F = leaf_node.shape[0]
        M = u.shape[0]
        k = mu.shape[0]
        g_mu = np.zeros(k)
        g_L = np.zeros((k, k))
        # every buffer belongs to this call, so the kernel is safe to run from several threads at once;
        # rows are nodes, columns QMC points (the inner loops run over points, contiguous)
        c = np.empty((N, M))
        e = np.empty((N, M))
        h = np.empty((N, M))  # d log Phi(c) / dc = phi(c) / Phi(c) (0 for a missing cell)
        dv = np.empty((N, M))  # dv/dc of the truncated draw v = min(Phi^-1(u Phi(c)), c)
        pp = np.empty((N, M))  # product of the factors Phi(c) >= Phi(-5) along the path (>= 1e-79 for k <= 12)
        po = np.empty((N, M))  # sum of log Phi(c) of the factors Phi(c) < Phi(-5) along the path (mostly 0)
        # forward: the GHK recursion, node by node (parents first), every point
        for n in range(N):
            j = level[n]
            p = parent[n]
            s = sign[n]
            observed = mask[n]
            cn = c[n]
            if observed:
                for m in range(M):
                    cn[m] = mu[j]
                for l_ in range(j):
                    ljl = L[j, l_]
                    ea = e[anc[n, l_]]
                    for m in range(M):
                        cn[m] += ljl * ea[m]
                scale = s / L[j, j]
                for m in range(M):
                    cn[m] *= scale
            else:
                for m in range(M):
                    cn[m] = OPEN
            for m in range(M):
                cj = cn[m]
                prod = 1.0 if p < 0 else pp[p, m]
                offs = 0.0 if p < 0 else po[p, m]
                if not observed:
                    phi_c = 1.0  # Phi(40) == 1 exactly
                    h[n, m] = 0.0
                elif cj < SPLIT:  # log Phi(c) = log(erfcx(-c / sqrt 2) / 2) - c^2 / 2
                    half = 0.5 * erfcx(-cj / SQRT2, 0)
                    lpj = math.log(half) - 0.5 * cj * cj
                    phi_c = math.exp(lpj)
                    offs += lpj
                    h[n, m] = 1.0 / (SQRT_2PI * half)
                else:
                    phi_c = 0.5 * math.erfc(-cj / SQRT2)
                    prod *= phi_c
                    h[n, m] = math.exp(-0.5 * cj * cj) / (SQRT_2PI * phi_c)
                pp[n, m] = prod
                po[n, m] = offs
                if j < k - 1:
                    q = u[m, j] * phi_c
                    inside = q > TINY
                    if q < TINY:
                        q = TINY
                    elif q > 1.0:
                        q = 1.0
                    nq = ndtri(q, 0)
                    if nq < cj:
                        e[n, m] = -s * nq
                        # dv/dc = u phi(c) / phi(nq) = q h(c) sqrt(2 pi) exp(nq^2 / 2)
                        dv[n, m] = q * h[n, m] * SQRT_2PI * math.exp(0.5 * nq * nq) if inside else 0.0
                    else:
                        e[n, m] = -s * cj
                        dv[n, m] = 1.0 if observed else 0.0
        # the estimate of each complete pattern, and d/dP_m of w log mean_m P_m (into G, the leaves' rows)
        G = np.zeros((N, M))
        total = 0.0
        log_m = math.log(M)
        for f in range(F):
            n = leaf_node[f]
            w = leaf_w[f]
            tail = False
            for m in range(M):
                if po[n, m] != 0.0:
                    tail = True
            if not tail:  # P_m = pp_m, no underflow: mean in linear space
                z = 0.0
                for m in range(M):
                    z += pp[n, m]
                total += w * (math.log(z) - log_m)
                for m in range(M):
                    G[n, m] = w * pp[n, m] / z
            else:  # some factor below Phi(-5): log-sum-exp
                lg = np.empty(M)
                for m in range(M):
                    lg[m] = math.log(pp[n, m]) + po[n, m]
                top = lg.max()
                z = 0.0
                for m in range(M):
                    lg[m] = math.exp(lg[m] - top)
                    z += lg[m]
                total += w * (top + math.log(z) - log_m)
                for m in range(M):
                    G[n, m] = w * lg[m] / z
        # reverse: a node's log Phi(c) is in every leaf below it, so its adjoint is the sum G of theirs
        e_bar = np.zeros((N, M))
        a_bar = np.empty(M)
        for n in range(N - 1, -1, -1):  # children before parents
            j = level[n]
            s = sign[n]
            p = parent[n]
            if mask[n]:
                ljj = L[j, j]
                gjj = 0.0
                gmu = 0.0
                for m in range(M):
                    cb = G[n, m] * h[n, m]
                    if j < k - 1:
                        cb -= s * e_bar[n, m] * dv[n, m]
                    ab = cb * s / ljj
                    a_bar[m] = ab
                    gjj += cb * c[n, m]
                    gmu += ab
                g_L[j, j] -= gjj / ljj
                g_mu[j] += gmu
                for l_ in range(j):
                    an = anc[n, l_]
                    ljl = L[j, l_]
                    acc = 0.0
                    for m in range(M):
                        acc += a_bar[m] * e[an, m]
                        e_bar[an, m] += a_bar[m] * ljl
                    g_L[j, l_] += acc
            if p >= 0:
                for m in range(M):
                    G[p, m] += G[n, m]
        return total, g_mu, g_L

    _kernel = kernel
    return kernel


def prefix_tree(patterns, counts) -> dict:
    """The profile rows with a positive count as a tree of their prefixes (the kernel's input).

    Node ``n`` is one distinct prefix ``pattern[:j + 1]`` (``j = level[n]``):
    the GHK step j is the same for every row that shares it, so it is computed
    once. Nodes are ordered by level (parents first).

    Returns
    -------
    dict
        ``level``, ``parent`` (-1 at level 0), ``anc`` ((N, k): the node's
        ancestor at each level up to its own), ``sign``, ``mask`` (of the
        node's own cell), ``leaf_node`` and ``leaf_w`` (each distinct complete
        pattern and its total count).
    """
    pats = np.asarray(patterns)
    k = pats.shape[1]
    w = np.asarray(counts, dtype=float)
    if w.shape != (pats.shape[0],):
        raise EcostatError(f"counts must have one entry per profile row ({pats.shape[0]}); got shape {w.shape}.")
    keep = w > 0
    pats, w = pats[keep].astype(np.int64), w[keep]
    level, parent, sign, mask, anc_rows = [], [], [], [], []
    node_of_row = np.full(len(pats), -1, dtype=np.int64)
    for j in range(k):
        ids = {}
        new_node_of_row = np.empty(len(pats), dtype=np.int64)
        for r in range(len(pats)):
            key = (int(node_of_row[r]), int(pats[r, j]))
            if key not in ids:
                ids[key] = len(level)
                level.append(j)
                parent.append(key[0])
                sign.append(-1.0 if key[1] == 0 else 1.0)
                mask.append(key[1] >= 0)
                row = [0] * k if key[0] < 0 else list(anc_rows[key[0]])
                row[j] = ids[key]
                anc_rows.append(row)
            new_node_of_row[r] = ids[key]
        node_of_row = new_node_of_row
    leaves, row_leaf = np.unique(node_of_row, return_inverse=True)
    return {"level": np.array(level, dtype=np.int64), "parent": np.array(parent, dtype=np.int64),
            "anc": np.array(anc_rows, dtype=np.int64).reshape(len(level), k),
            "sign": np.array(sign, dtype=float), "mask": np.array(mask, dtype=np.bool_),
            "leaf_node": leaves.astype(np.int64),
            "leaf_w": np.bincount(row_leaf.reshape(-1), weights=w, minlength=len(leaves)).astype(float)}


def ghk_loglik(mu, L, patterns, counts, u=None) -> tuple[float, np.ndarray, np.ndarray]:
    """``sum_r counts_r log P(pattern_r)`` under the multivariate probit, and its gradient in ``mu`` and ``L``.

    The value is ``counts @ pattern_log_prob_np(mu, L, patterns, u)`` (GHK with
    the same fixed QMC points, :mod:`ecostat.bayes.families.ghk`).

    Parameters
    ----------
    mu : array_like, shape (k,)
    L : array_like, shape (k, k)
        Lower Cholesky factor (only the lower triangle is read).
    patterns : array_like of int, shape (R, k)
        1 failure, 0 success, -1 missing.
    counts : array_like, shape (R,)
    u : array_like, shape (M, k), optional
        Uniforms replacing the default points.

    Returns
    -------
    value : float
    grad_mu : ndarray, shape (k,)
    grad_L : ndarray, shape (k, k)
        Lower triangular.

    Examples
    --------
    >>> import numpy as np
    >>> from ecostat.bayes.families.ghk import pattern_log_prob_np
    >>> pats, n = [[1, 1], [1, 0], [0, 0]], np.array([5.0, 2.0, 3.0])
    >>> L = np.linalg.cholesky([[1.0, 0.4], [0.4, 1.0]])
    >>> value, g_mu, g_L = ghk_loglik(np.array([0.2, -0.1]), L, pats, n)
    >>> bool(abs(value - n @ pattern_log_prob_np(np.array([0.2, -0.1]), L, pats)) < 1e-10)
    True
    """
    mu = np.ascontiguousarray(mu, dtype=float)
    L = np.ascontiguousarray(L, dtype=float)
    k = mu.shape[-1]
    _check_k(k)
    if mu.shape != (k,) or L.shape != (k, k):
        raise EcostatError(f"mu must be (k,) and L (k, k); got shapes {mu.shape} and {L.shape}.")
    pats = np.asarray(patterns)
    _signs_and_mask(pats, k)  # validates the patterns
    tree = prefix_tree(pats.reshape(-1, k), counts)
    u = np.ascontiguousarray(_resolve_u(u, k))
    return _get_kernel()(mu, L, *(tree[name] for name in _TREE_KEYS), u)


class GHKLogLik(_OpBase):
    """PyTensor Op ``(mu, L) -> (loglik, d loglik/d mu, d loglik/d L)`` calling the kernel.

    Its inputs are the profile rows as a prefix tree and the QMC points
    (constants); two Ops with the same constants are equal (``key`` is their
    SHA-256), so PyTensor merges the value and the gradient into one call.
    Defined at module level and holding only arrays, it pickles (PyMC's
    multiprocess sampler sends the compiled model to its workers).
    """

    __props__ = ("key",)

    def __init__(self, tree: dict, u: np.ndarray):
        self.tree = tree
        self.u = u
        digest = hashlib.sha256()
        for name in _TREE_KEYS:
            digest.update(np.ascontiguousarray(tree[name]).tobytes())
        digest.update(np.ascontiguousarray(u).tobytes())
        self.key = digest.hexdigest()

    def make_node(self, mu, L):
        import pytensor.tensor as pt
        from pytensor.graph.basic import Apply

        ins = [pt.as_tensor_variable(v).astype("float64") for v in (mu, L)]
        return Apply(self, ins, [pt.dscalar(), ins[0].type(), ins[1].type()])

    def perform(self, node, inputs, outputs):
        t = self.tree
        value, g_mu, g_L = _get_kernel()(np.ascontiguousarray(inputs[0], dtype=float),
                                         np.ascontiguousarray(inputs[1], dtype=float),
                                         *(t[name] for name in _TREE_KEYS), self.u)
        outputs[0][0] = np.asarray(value)
        outputs[1][0], outputs[2][0] = g_mu, g_L

    def grad(self, inputs, output_grads):
        _, g_mu, g_L = self(*inputs)
        gz = output_grads[0]
        return [gz * g_mu, gz * g_L]

    def infer_shape(self, fgraph, node, shapes):
        return [(), shapes[0], shapes[1]]


def ghk_loglik_op(patterns, counts, u=None):
    """A PyTensor function ``(mu, L) -> sum_r counts_r log P(pattern_r)`` with the kernel's exact gradient.

    Replaces ``pt.dot(counts, pattern_log_prob_pt(mu, L, patterns))`` in the
    mvprobit model (same value and gradient, far fewer operations).

    Examples
    --------
    >>> import numpy as np, pytensor, pytensor.tensor as pt
    >>> mu, L = pt.dvector("mu"), pt.dmatrix("L")
    >>> f = pytensor.function([mu, L], ghk_loglik_op([[1, 1], [0, 0]], [3, 1])(mu, L))
    >>> bool(abs(f(np.zeros(2), np.eye(2)) - 4 * np.log(0.25)) < 1e-4)
    True
    """
    pats = np.asarray(patterns)
    k = pats.shape[-1]
    _check_k(k)
    _signs_and_mask(pats, k)  # validates the patterns
    uu = np.ascontiguousarray(_resolve_u(u, k))
    op = GHKLogLik(prefix_tree(pats, counts), uu)

    def apply(mu, L):
        return op(mu, L)[0]

    return apply
