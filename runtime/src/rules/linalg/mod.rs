//! The matrix calculus of linear algebra on nalgebra, by domain, forward and reverse rules side
//! by side (the public entry point is [`crate::linalg`], which re-exports the functions):
//!
//! - [`constructors`]: vectors and matrices built from buffers, diagonals and single entries;
//! - [`extrema`]: the largest and smallest entries (`max`, `min`, `amax`, `amin`);
//! - [`dense`]: the products (`*`, `/` and `dot` between matrices, vectors and scalars of every
//!   size), transpose, trace, sums and norms, sums and means along rows or columns, entrywise
//!   products, Kronecker products, columns, rows and blocks;
//! - [`factorization`]: one file per factorization: the LU-based det, logdet, inv and solve;
//!   cholesky and its solves; the triangular solves; QR; the symmetric eigenproblem (eigh,
//!   eigvalsh); the SVD, singular values and solves through the SVD;
//! - [`functions`]: the matrix exponential, integer powers, and `exp` for floats and matrices.
//!
//! Conventions (the course's): `vec` stacks columns, and gradients are taken with respect to the
//! Frobenius inner product ⟨A, B⟩ = tr(AᵀB), so the pullback X̄ of Y = f(X) satisfies
//! ⟨Ȳ, f′(X)\[dX\]⟩ = ⟨X̄, dX⟩ for every dX.
//!
//! # Second order
//!
//! Each function also has a fourth companion, `f_jvp_vjp`, the reverse mode of `f_jvp`: for
//! Hessians by reverse over forward mode, the code `#[differentiate]` generates calls it where
//! its tangent program calls `f_jvp`. It takes the arguments of `f_jvp` and returns
//! `((Y, Ẏ), pullback)` with `(Y, Ẏ) = f_jvp(..)`; the pullback takes `(Ȳ, Ẏ̄)` and returns the
//! adjoints of every argument that has a tangent, first those of the matrix arguments, then
//! those of their tangents, as one flat tuple (`(Ā, Ǡ)`, or `(Ā, B̄, Ǡ, Ḃ̄)` for two matrix
//! arguments). With F(A, Ȧ) = (f(A), f′(A)\[Ȧ\]):
//!
//! - Ǡ = f′(A)ᵀ\[Ẏ̄\], the first-order pullback of Ẏ̄ (Ẏ is linear in Ȧ);
//! - Ā = f′(A)ᵀ\[Ȳ\] + (f″(A)\[Ȧ, ·\])ᵀ\[Ẏ̄\], the first-order pullback of Ȳ plus the second
//!   derivative along Ȧ; seeded with (0, 1) for a scalar f, Ā is the Hessian-vector product
//!   H·Ȧ and Ǡ the gradient.
//!
//! Each rule derives its second-order term by hand, the formula beside it.
//!
//! ```
//! use matcalc_runtime::rules::linalg::factorization::lu::{inv_jvp, inv_jvp_vjp};
//! use nalgebra::Matrix2;
//!
//! // Y = A⁻¹: the value and tangent of `inv_jvp`, and the adjoints (Ā, Ǡ) of (Ȳ, Ẏ̄)
//! let (a, a_dot) = (Matrix2::new(2.0, 1.0, 1.0, 3.0), Matrix2::new(1.0, 0.0, 0.0, 0.0));
//! let ((y, y_dot), pullback) = inv_jvp_vjp(&a, &a_dot);
//! assert_eq!((y, y_dot), inv_jvp(&a, &a_dot));
//! let (_, a_dot_bar) = pullback((Matrix2::zeros(), Matrix2::identity()));
//! // Ǡ is the first-order pullback of Ẏ̄ = I: −YᵀYᵀ
//! assert!((a_dot_bar + y.transpose() * y.transpose()).norm() < 1e-14);
//! ```

/// The pullback of the tangent map (A, Ȧ) ↦ (f(A), f(Ȧ)) of a linear `f`: its own pullback
/// applied to both halves.
pub(crate) fn both<Y, X>(pullback: impl Fn(Y) -> X) -> impl Fn((Y, Y)) -> (X, X) {
    move |(y_bar, y_dot_bar)| (pullback(y_bar), pullback(y_dot_bar))
}

pub mod constructors;
pub mod dense;
pub mod extrema;
pub mod factorization;
pub mod functions;
