//! The matrix calculus of linear algebra on nalgebra: determinants, inverses, solves,
//! factorizations, eigenproblems and matrix functions, each with its derivatives.
//!
//! Every function `f` here comes as a triple, the shape `#[differentiate]` calls (and the shape
//! of a custom rule):
//!
//! | item | signature | meaning |
//! |---|---|---|
//! | `f` | `(a, ..) -> Y` | the value |
//! | `f_jvp` | `(a, .., a_dot, ..) -> (Y, Y)` | the value and its directional derivative; one tangent per matrix argument, in order (integer arguments get none) |
//! | `f_vjp` | `(a, ..) -> (Y, impl Fn(Y) -> Ā)` | the value and the pullback, which owns what it needs (a factorization, the output) and may be called many times; with two matrix arguments it returns `(Ā, B̄)` |
//! | `f_jvp_vjp` | `(a, .., a_dot, ..) -> ((Y, Y), impl Fn((Y, Y)) -> (Ā, .., Ǡ, ..))` | second order, the reverse mode of `f_jvp` (for Hessians by reverse over forward mode): the value `(Y, Ẏ)` of `f_jvp` and the pullback `(Ȳ, Ẏ̄) ↦` the adjoints of the matrix arguments, then of their tangents, in one flat tuple |
//!
//! Matrix arguments are taken by reference and may be static (`Matrix3`, `SMatrix<T, N, M>`,
//! `Vector3`) or dynamic (`DMatrix`, `DVector`), of `f32` or `f64`. Conventions are the
//! course's (MIT 18.S096, arXiv 2501.14787): `vec` stacks columns, and gradients are taken with
//! respect to the Frobenius inner product ⟨A, B⟩ = tr(AᵀB), so the pullback Ā of Y = f(A)
//! satisfies ⟨Ȳ, f′(A)\[dA\]⟩ = ⟨Ā, dA⟩ for every dA.
//!
//! The pullback of `f_jvp_vjp` returns `Ǡ = f′(A)ᵀ[Ẏ̄]` and `Ā = f′(A)ᵀ[Ȳ] + f″(A)[Ȧ, ·]ᵀ[Ẏ̄]`;
//! seeded with `(0, 1)` for a scalar `f`, that is the Hessian-vector product `H·Ȧ` and the
//! gradient. Every function here has it, with the second derivative derived by hand (the formula
//! is beside each rule, see [`crate::rules::linalg`]).
//!
//! - dense ([`crate::rules::linalg::dense`]): [`transpose`], [`trace`], [`sum`], [`norm`],
//!   [`norm_squared`], [`dot`], [`component_mul`], [`component_div`], [`kronecker`], [`column()`],
//!   [`row`], [`rows`], [`columns`], [`view`]; [`row_sum`], [`column_sum`], [`row_mean`],
//!   [`column_mean`];
//! - extrema ([`crate::rules::linalg::extrema`]): [`max_entry`], [`min_entry`], [`amax`],
//!   [`amin`];
//! - constructors ([`crate::rules::linalg::constructors`]): [`from_vec`], [`from_diagonal`] and
//!   its adjoint [`diagonal`],
//!   [`vector_from_element`], [`matrix_from_element`];
//! - factorizations ([`crate::rules::linalg::factorization`]): [`det`], [`logdet`], [`inv`],
//!   [`solve`] (LU); [`cholesky`], [`cholesky_solve`], [`cholesky_inverse`]; [`eigh`],
//!   [`eigvalsh`]; [`svd`], [`svdvals`], [`svd_solve`]; [`qr`]; [`solve_lower_triangular`], [`solve_upper_triangular`];
//! - matrix functions ([`crate::rules::linalg::functions`]): [`expm`], [`pow`], and [`exp`],
//!   which works on floats and on square matrices alike;
//! - vectorization ([`vectorize`]): [`vec()`], [`unvec`], [`jacobian_matrix`].
//!
//! ```
//! use matcalc_runtime::linalg::{det, det_jvp, det_vjp};
//! use nalgebra::Matrix2;
//!
//! let a = Matrix2::new(2.0f64, 1.0, 1.0, 3.0);
//! assert_eq!(det(&a), 5.0);
//! // forward: d det = det(A)·tr(A⁻¹dA)
//! let (_, d_det) = det_jvp(&a, &Matrix2::new(1.0, 0.0, 0.0, 0.0));
//! assert!((d_det - 3.0).abs() < 1e-14);
//! // reverse: the gradient is the cofactor matrix det(A)·A⁻ᵀ
//! let (_, pullback) = det_vjp(&a);
//! assert!((pullback(1.0) - Matrix2::new(3.0, -1.0, -1.0, 2.0)).norm() < 1e-14);
//! ```

pub mod vectorize;

pub use crate::rules::linalg::constructors::{
    diagonal, diagonal_jvp, diagonal_jvp_vjp, diagonal_vjp, from_diagonal, from_diagonal_jvp,
    from_diagonal_jvp_vjp, from_diagonal_vjp, from_vec, from_vec_jvp, from_vec_jvp_vjp,
    from_vec_vjp, matrix_from_element, matrix_from_element_jvp, matrix_from_element_jvp_vjp,
    matrix_from_element_vjp, vector_from_element, vector_from_element_jvp,
    vector_from_element_jvp_vjp, vector_from_element_vjp,
};
pub use crate::rules::linalg::dense::{
    DotRule, column, column_jvp, column_jvp_vjp, column_mean, column_mean_jvp, column_mean_jvp_vjp,
    column_mean_vjp, column_sum, column_sum_jvp, column_sum_jvp_vjp, column_sum_vjp, column_vjp,
    columns, columns_jvp, columns_jvp_vjp, columns_vjp, component_div, component_div_jvp,
    component_div_jvp_vjp, component_div_vjp, component_mul, component_mul_jvp,
    component_mul_jvp_vjp, component_mul_vjp, dot, dot_jvp, dot_jvp_vjp, dot_vjp, kronecker,
    kronecker_jvp, kronecker_jvp_vjp, kronecker_vjp, norm, norm_jvp, norm_jvp_vjp, norm_squared,
    norm_squared_jvp, norm_squared_jvp_vjp, norm_squared_vjp, norm_vjp, row, row_jvp, row_jvp_vjp,
    row_mean, row_mean_jvp, row_mean_jvp_vjp, row_mean_vjp, row_sum, row_sum_jvp, row_sum_jvp_vjp,
    row_sum_vjp, row_vjp, rows, rows_jvp, rows_jvp_vjp, rows_vjp, sum, sum_jvp, sum_jvp_vjp,
    sum_vjp, trace, trace_jvp, trace_jvp_vjp, trace_vjp, transpose, transpose_jvp,
    transpose_jvp_vjp, transpose_vjp, view, view_jvp, view_jvp_vjp, view_vjp,
};
pub use crate::rules::linalg::extrema::{
    amax, amax_jvp, amax_jvp_vjp, amax_vjp, amin, amin_jvp, amin_jvp_vjp, amin_vjp, max_entry,
    max_entry_jvp, max_entry_jvp_vjp, max_entry_vjp, min_entry, min_entry_jvp, min_entry_jvp_vjp,
    min_entry_vjp,
};
pub use crate::rules::linalg::factorization::cholesky::{
    cholesky, cholesky_inverse, cholesky_inverse_jvp, cholesky_inverse_jvp_vjp,
    cholesky_inverse_vjp, cholesky_jvp, cholesky_jvp_vjp, cholesky_solve, cholesky_solve_jvp,
    cholesky_solve_jvp_vjp, cholesky_solve_vjp, cholesky_vjp,
};
pub use crate::rules::linalg::factorization::eigen::{
    eigh, eigh_jvp, eigh_jvp_vjp, eigh_vjp, eigvalsh, eigvalsh_jvp, eigvalsh_jvp_vjp, eigvalsh_vjp,
};
pub use crate::rules::linalg::factorization::lu::{
    det, det_jvp, det_jvp_vjp, det_vjp, inv, inv_jvp, inv_jvp_vjp, inv_vjp, logdet, logdet_jvp,
    logdet_jvp_vjp, logdet_vjp, solve, solve_jvp, solve_jvp_vjp, solve_vjp,
};
pub use crate::rules::linalg::factorization::qr::{qr, qr_jvp, qr_jvp_vjp, qr_vjp};
pub use crate::rules::linalg::factorization::svd::{
    svd, svd_jvp, svd_jvp_vjp, svd_vjp, svdvals, svdvals_jvp, svdvals_jvp_vjp, svdvals_vjp,
};
pub use crate::rules::linalg::factorization::svd_solve::{
    svd_solve, svd_solve_jvp, svd_solve_jvp_vjp, svd_solve_vjp,
};
pub use crate::rules::linalg::factorization::triangular::{
    solve_lower_triangular, solve_lower_triangular_jvp, solve_lower_triangular_jvp_vjp,
    solve_lower_triangular_vjp, solve_upper_triangular, solve_upper_triangular_jvp,
    solve_upper_triangular_jvp_vjp, solve_upper_triangular_vjp,
};
pub use crate::rules::linalg::functions::{
    ExpRule, exp, exp_jvp, exp_jvp_vjp, exp_vjp, expm, expm_jvp, expm_jvp_vjp, expm_vjp, pow,
    pow_jvp, pow_jvp_vjp, pow_vjp,
};
pub use vectorize::{
    jacobian_matrix, unvec, unvec_jvp, unvec_jvp_vjp, unvec_vjp, vec, vec_jvp, vec_jvp_vjp, vec_vjp,
};
