//! Factorizations as values, the way nalgebra users write them: a Cholesky factor bound once and
//! used for a solve, its factor's diagonal and its log-determinant (a Gaussian-process marginal
//! likelihood), an LU used for a solve and a determinant. Checked in forward mode against finite
//! differences, in reverse mode by the dot-product test, and their Hessian-vector products
//! against differences of their gradients.

use crate::common::{check_both, check_hvp_by_gradient};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

/// The negative log marginal likelihood of a Gaussian process whose kernel matrix is
/// K = A·Aᵀ + I, as it is usually written: one Cholesky factor for the solve and for
/// log det K = 2 Σ log Lᵢᵢ. (The rules of Cholesky take K symmetric, as nalgebra reads its
/// lower triangle only: building K from A keeps every perturbation symmetric.)
#[differentiate(wrt(a), hessian)]
fn gp_negative_log_likelihood(a: &DMatrix<f64>, y: &DVector<f64>) -> f64 {
    let k = a * a.transpose() + DMatrix::identity(a.nrows(), a.nrows());
    let chol = k.clone().cholesky().unwrap();
    let alpha = chol.solve(y);
    0.5 * y.dot(&alpha) + chol.l().diagonal().map(f64::ln).sum()
}

/// The same with the factorization's own log-determinant and inverse.
#[differentiate(wrt(a), hessian)]
fn through_the_factor(a: &DMatrix<f64>, y: &DVector<f64>) -> f64 {
    let k = a * a.transpose() + DMatrix::identity(a.nrows(), a.nrows());
    let chol = k.clone().cholesky().expect("positive definite");
    0.5 * chol.ln_determinant() + y.dot(&(chol.inverse() * y)) + chol.determinant()
}

/// An LU bound once: a solve and a determinant.
#[differentiate(hessian)]
fn lu_solve_and_determinant(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let lu = a.clone().lu();
    let x = lu.solve(b).unwrap();
    x.sum() * lu.determinant() + a.clone().lu().try_inverse().unwrap().trace()
}

/// The factor A of K = A·Aᵀ + I.
fn factor() -> DMatrix<f64> {
    DMatrix::from_row_slice(3, 3, &[1.0, 0.5, 0.1, -0.2, 1.2, -0.3, 0.1, -0.3, 0.9])
}

#[test]
fn a_cholesky_factor_bound_once() {
    let y = DVector::from_vec(vec![1.0, -0.5, 0.25]);
    check_both(
        |k: &DMatrix<f64>| gp_negative_log_likelihood(k, &y),
        |k: &DMatrix<f64>, d: &DMatrix<f64>| gp_negative_log_likelihood_jvp(k, &y, d),
        |k: &DMatrix<f64>, s: &f64| gp_negative_log_likelihood_vjp(k, &y).1(*s),
        &factor(),
    );
    // the gradient in closed form: with G = K⁻¹ − K⁻¹yyᵀK⁻¹, ∂/∂A = G·A (K = A·Aᵀ + I)
    let a = factor();
    let (_, gradient) = gp_negative_log_likelihood_grad(&a, &y);
    let k = &a * a.transpose() + DMatrix::identity(3, 3);
    let inverse = k.try_inverse().unwrap();
    let alpha = &inverse * &y;
    let want = (&inverse - &alpha * alpha.transpose()) * &a;
    assert!((gradient - want).norm() < 1e-12);
    check_hvp_by_gradient(
        |k: &DMatrix<f64>| gp_negative_log_likelihood_grad(k, &y).1,
        |k: &DMatrix<f64>, d: &DMatrix<f64>| {
            let (_, gradient, hv) = gp_negative_log_likelihood_hvp(k, &y, d);
            (gradient, hv)
        },
        &factor(),
        1e-6,
    );
}

#[test]
fn a_cholesky_factors_determinant_and_inverse() {
    let y = DVector::from_vec(vec![0.3, 0.8, -1.0]);
    check_both(
        |k: &DMatrix<f64>| through_the_factor(k, &y),
        |k: &DMatrix<f64>, d: &DMatrix<f64>| through_the_factor_jvp(k, &y, d),
        |k: &DMatrix<f64>, s: &f64| through_the_factor_vjp(k, &y).1(*s),
        &factor(),
    );
    check_hvp_by_gradient(
        |a: &DMatrix<f64>| through_the_factor_grad(a, &y).1,
        |a: &DMatrix<f64>, v: &DMatrix<f64>| {
            let (_, g, hv) = through_the_factor_hvp(a, &y, v);
            (g, hv)
        },
        &factor(),
        1e-6,
    );
}

#[test]
fn an_lu_bound_once() {
    let a = DMatrix::from_row_slice(3, 3, &[2.0, -1.0, 0.3, 0.4, 1.5, -0.2, 0.1, 0.7, 1.1]);
    type P = (DMatrix<f64>, DVector<f64>);
    let point: P = (a, DVector::from_vec(vec![1.0, 0.5, -0.25]));
    check_both(
        |p: &P| lu_solve_and_determinant(&p.0, &p.1),
        |p: &P, d: &P| lu_solve_and_determinant_jvp(&p.0, &p.1, &d.0, &d.1),
        |p: &P, s: &f64| lu_solve_and_determinant_vjp(&p.0, &p.1).1(*s),
        &point,
    );
    check_hvp_by_gradient(
        |p: &P| lu_solve_and_determinant_grad(&p.0, &p.1).1,
        |p: &P, v: &P| {
            let (_, g, hv) = lu_solve_and_determinant_hvp(&p.0, &p.1, &v.0, &v.1);
            (g, hv)
        },
        &point,
        1e-6,
    );
}
