//! The matrix calculus of linear algebra on nalgebra, by domain, forward and reverse rules side
//! by side (the public entry point is [`crate::linalg`], which re-exports the functions):
//!
//! - [`dense`]: the products (`*`, `/` and `dot` between matrices, vectors and scalars of every
//!   size), transpose, trace, sums and norms, entrywise products, Kronecker products, columns
//!   and rows, and the LU-based det, logdet, inv and solve;
//! - [`factorization`]: cholesky, the symmetric eigenproblem (eigh, eigvalsh), singular values;
//! - [`functions`]: the matrix exponential, integer powers, and `exp` for floats and matrices.
//!
//! Conventions (the course's): `vec` stacks columns, and gradients are taken with respect to the
//! Frobenius inner product ⟨A, B⟩ = tr(AᵀB), so the pullback X̄ of Y = f(X) satisfies
//! ⟨Ȳ, f′(X)\[dX\]⟩ = ⟨X̄, dX⟩ for every dX.

pub mod dense;
pub mod factorization;
pub mod functions;
