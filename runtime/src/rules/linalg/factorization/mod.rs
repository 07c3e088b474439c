//! Factorizations, one file each: [`lu`] (det, logdet, inv, solve), [`cholesky`], [`eigen`]
//! (the symmetric eigenproblem), [`svd`] (singular values).
//!
//! Each function comes as the triple `f`, `f_jvp`, `f_vjp` and the second-order companion
//! `f_jvp_vjp` (see [`super`] for the conventions). The rules for symmetric inputs (`cholesky`,
//! `eigh`, `eigvalsh`) differentiate `A ↦ f((A + Aᵀ)/2)`: they symmetrize the tangent, and
//! their adjoints are symmetric. At a symmetric point this is the derivative on the space of
//! symmetric matrices, the one the course uses, whatever triangle the factorization reads.

use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, OMatrix, RealField};

pub mod cholesky;
pub mod eigen;
pub mod lu;
pub mod svd;

/// (X + Xᵀ)/2.
pub(crate) fn symmetric_part<T, D>(x: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    (x + x.transpose()) * <T as Real>::from_f64(0.5)
}
