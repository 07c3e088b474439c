//! Case 6: Σλᵢ² over the eigenvalues of a symmetric matrix, n = 3..32, through the eigenvalue
//! rule (∇ = V·diag(2λ)·Vᵀ, which is 2A: a check of the result).

use matcalc::differentiate;
use nalgebra::DMatrix;

/// The sizes of the benchmark.
pub const SIZES: [usize; 5] = [3, 4, 8, 16, 32];

/// Σλᵢ² of the symmetric matrix `a`.
#[differentiate]
pub fn eig_sum_squares(a: &DMatrix<f64>) -> f64 {
    a.symmetric_eigenvalues().norm_squared()
}
