//! Case 5: f(A, B) = log|det A| + tr(A⁻¹B), n = 4..64, through matcalc's `linalg::logdet` and
//! `linalg::solve` rules. Gradient, forward JVP and Hessian-vector product.

use matcalc::{differentiate, linalg};
use nalgebra::{DMatrix, RealField};

/// The sizes of the benchmark.
pub const SIZES: [usize; 5] = [4, 8, 16, 32, 64];

/// log|det A| + tr(A⁻¹B).
#[differentiate(hessian)]
pub fn logdet_trace(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    linalg::logdet(a) + linalg::solve(a, b).trace()
}

/// The same on any nalgebra real field (num-dual's dual numbers), by one LU.
pub fn logdet_trace_generic<T: RealField + Copy>(a: &DMatrix<T>, b: &DMatrix<T>) -> T {
    let lu = a.clone().lu();
    let logdet = lu
        .u()
        .diagonal()
        .iter()
        .fold(T::zero(), |s, u| s + u.abs().ln());
    logdet + lu.solve(b).expect("A is invertible").trace()
}

/// The value and the gradient (Ā, B̄) by hand: with X = A⁻¹,
/// Ā = X ᵀ − (X·B·X)ᵀ and B̄ = Xᵀ.
pub fn logdet_trace_by_hand(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
) -> (f64, (DMatrix<f64>, DMatrix<f64>)) {
    let lu = a.clone().lu();
    let logdet = lu.u().diagonal().iter().map(|u| u.abs().ln()).sum::<f64>();
    let x = lu.try_inverse().expect("A is invertible");
    let xb = &x * b;
    let value = logdet + xb.trace();
    let b_bar = x.transpose();
    let a_bar = &b_bar - (&xb * &x).transpose();
    (value, (a_bar, b_bar))
}

/// The value and the directional derivative along (Ȧ, Ḃ) by hand, with one LU:
/// ḟ = tr(A⁻¹Ȧ) + tr(A⁻¹Ḃ) − tr(A⁻¹Ȧ·A⁻¹B).
pub fn logdet_trace_jvp_by_hand(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    a_dot: &DMatrix<f64>,
    b_dot: &DMatrix<f64>,
) -> (f64, f64) {
    let lu = a.clone().lu();
    let logdet = lu.u().diagonal().iter().map(|u| u.abs().ln()).sum::<f64>();
    let x = lu.solve(b).expect("A is invertible");
    let y = lu.solve(a_dot).expect("A is invertible");
    let z = lu.solve(b_dot).expect("A is invertible");
    let tr_yx = y.component_mul(&x.transpose()).sum();
    (logdet + x.trace(), y.trace() + z.trace() - tr_yx)
}
