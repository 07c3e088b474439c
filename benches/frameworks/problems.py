"""The problems of the bench table written in JAX and in PyTorch, as a user of each would write
them: vectorized array code, the framework's own linear algebra, float64 throughout.

Each objective takes the differentiated inputs first, then the other inputs, in the order of
its `Problem` entry; `compare.py` reads the inputs from the table's export and never makes its
own. The Rust originals are in `benches/problems/` (the module of the same name).
"""

import math
from dataclasses import dataclass
from typing import Callable

import jax
import jax.numpy as jnp
import torch
from jax.scipy.special import logsumexp as jax_logsumexp


@dataclass(frozen=True)
class Problem:
    """One objective in both frameworks."""

    title: str
    # the inputs differentiated, in the order of the objective's first arguments
    wrt: tuple
    # the inputs passed as arrays but not differentiated, after `wrt`
    data: tuple
    # the inputs passed as Python numbers (sizes, constants), by name
    static: tuple
    jax: Callable
    torch: Callable


# ============================================================================ Rosenbrock


def rosenbrock_jax(x):
    a, b = x[0::2], x[1::2]
    return jnp.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2)


def rosenbrock_torch(x):
    a, b = x[0::2], x[1::2]
    return torch.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2)


# ============================================================================ log-sum-exp


def logsumexp_jax(x):
    return jax_logsumexp(x)


def logsumexp_torch(x):
    return torch.logsumexp(x, dim=0)


# ============================================================================ RK4


def rk4_step(y, h, f):
    k1 = f(y)
    k2 = f(y + 0.5 * h * k1)
    k3 = f(y + 0.5 * h * k2)
    k4 = f(y + h * k3)
    return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4_jax(p, u0, *, steps):
    a, b, c, d = p

    def lotka_volterra(y):
        u, v = y
        return jnp.stack([a * u - b * u * v, -c * v + d * u * v])

    # a loop of XLA, not a Python loop unrolled into the trace
    h = 1.0 / steps
    y = jax.lax.fori_loop(0, steps, lambda _, y: rk4_step(y, h, lotka_volterra), u0)
    return jnp.sum((y - 1.0) ** 2)


def rk4_torch(p, u0, *, steps):
    a, b, c, d = p.unbind()

    def lotka_volterra(y):
        u, v = y.unbind()
        return torch.stack([a * u - b * u * v, -c * v + d * u * v])

    h = 1.0 / steps
    y = u0
    for _ in range(steps):
        y = rk4_step(y, h, lotka_volterra)
    return torch.sum((y - 1.0) ** 2)


# ============================================================================ matrices


def det_jax(a):
    return jnp.linalg.det(a)


def det_torch(a):
    return torch.linalg.det(a)


def logdet_trace_jax(a, b):
    return jnp.linalg.slogdet(a)[1] + jnp.trace(jnp.linalg.solve(a, b))


def logdet_trace_torch(a, b):
    return torch.linalg.slogdet(a).logabsdet + torch.trace(torch.linalg.solve(a, b))


def eig_jax(a):
    return jnp.sum(jnp.linalg.eigvalsh(a) ** 2)


def eig_torch(a):
    return torch.sum(torch.linalg.eigvalsh(a) ** 2)


# ============================================================================ ADBench GMM
#
# The objective of ADBench's GMM as its vectorized reference implementations write it: every
# point against every component at once, Q_k = diag(exp q_k) + L_k with the strictly lower
# part L_k stored column by column after the d logs of the diagonal in icf_k.


def lower_indices(d):
    """The (rows, columns) of the strictly lower part in icf's order: column by column."""
    rows = [r for c in range(d) for r in range(c + 1, d)]
    cols = [c for c in range(d) for r in range(c + 1, d)]
    return rows, cols


def gmm_constant(n, d, k, gamma, m):
    """-n·d/2·log 2π − K·C, C = N·d·(log γ − ½ log 2) − log Γ_d(N/2), N = d + m + 1."""
    big_n = d + m + 1
    log_multigamma = 0.25 * d * (d - 1) * math.log(math.pi) + sum(
        math.lgamma(0.5 * big_n + 0.5 * (1 - j)) for j in range(1, d + 1)
    )
    wishart = big_n * d * (math.log(gamma) - 0.5 * math.log(2.0)) - log_multigamma
    return -n * d * 0.5 * math.log(2.0 * math.pi) - k * wishart


def gmm_jax(alphas, means, icf, x, *, gamma, m):
    n, d = x.shape
    k = alphas.shape[0]
    log_diag = icf[:, :d]
    rows, cols = lower_indices(d)
    q = jnp.zeros((k, d, d)).at[:, rows, cols].set(icf[:, d:])
    q = q + jnp.exp(log_diag)[:, :, None] * jnp.eye(d)
    centered = x[:, None, :] - means[None, :, :]
    rotated = jnp.einsum("kij,nkj->nki", q, centered)
    main = alphas + jnp.sum(log_diag, axis=1) - 0.5 * jnp.sum(rotated**2, axis=2)
    prior = 0.5 * gamma**2 * (
        jnp.sum(jnp.exp(log_diag) ** 2) + jnp.sum(icf[:, d:] ** 2)
    ) - m * jnp.sum(log_diag)
    return (
        jnp.sum(jax_logsumexp(main, axis=1))
        - n * jax_logsumexp(alphas)
        + prior
        + gmm_constant(n, d, k, gamma, m)
    )


def gmm_torch(alphas, means, icf, x, *, gamma, m):
    n, d = x.shape
    k = alphas.shape[0]
    log_diag = icf[:, :d]
    rows, cols = lower_indices(d)
    q = torch.zeros(k, d, d, dtype=icf.dtype)
    q[:, rows, cols] = icf[:, d:]
    q = q + torch.diag_embed(torch.exp(log_diag))
    centered = x[:, None, :] - means[None, :, :]
    rotated = torch.einsum("kij,nkj->nki", q, centered)
    main = alphas + torch.sum(log_diag, dim=1) - 0.5 * torch.sum(rotated**2, dim=2)
    prior = 0.5 * gamma**2 * (
        torch.sum(torch.exp(log_diag) ** 2) + torch.sum(icf[:, d:] ** 2)
    ) - m * torch.sum(log_diag)
    return (
        torch.sum(torch.logsumexp(main, dim=1))
        - n * torch.logsumexp(alphas, dim=0)
        + prior
        + gmm_constant(n, d, k, gamma, m)
    )


# ============================================================================ the table

# By the `problem` field of the export (the key of the case in `bench_table`).
PROBLEMS = {
    "rosenbrock": Problem(
        "extended Rosenbrock", ("x",), (), (), rosenbrock_jax, rosenbrock_torch
    ),
    "logsumexp": Problem("log-sum-exp", ("x",), (), (), logsumexp_jax, logsumexp_torch),
    "rk4": Problem(
        "RK4 Lotka-Volterra", ("p", "u0"), (), ("steps",), rk4_jax, rk4_torch
    ),
    "det": Problem("det A (LU)", ("a",), (), (), det_jax, det_torch),
    "logdet": Problem(
        "logdet(A) + tr(A⁻¹B)", ("a", "b"), (), (), logdet_trace_jax, logdet_trace_torch
    ),
    "eig": Problem("Σλᵢ² of symmetric A", ("a",), (), (), eig_jax, eig_torch),
    "gmm": Problem(
        "ADBench GMM", ("alphas", "means", "icf"), ("x",), ("gamma", "m"), gmm_jax, gmm_torch
    ),
}
