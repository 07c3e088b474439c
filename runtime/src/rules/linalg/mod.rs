//! The matrix calculus of linear algebra on nalgebra.
//!
//! Conventions (the course's): `vec` stacks columns, and gradients are taken with respect to the
//! Frobenius inner product ⟨A, B⟩ = tr(AᵀB), so the pullback X̄ of Y = f(X) satisfies
//! ⟨Ȳ, f′(X)[dX]⟩ = ⟨X̄, dX⟩ for every dX.

pub mod dense;
pub mod factorization;
pub mod functions;
