//! `linalg` functions called by their bare names, as they are imported: `use
//! matcalc::linalg::{logdet, solve};` then `solve(k, y)`, without their companions. Such a name
//! is `linalg`'s (the emitted function checks it, `tests/ui/bare-linalg-name-of-ones-own.rs`); a
//! function of one's own by that name is called by its path, and the names of matrix methods
//! (`trace` here) stay the user's.

use crate::common::{check_both, check_hvp_by_gradient};
use nalgebra::{DMatrix, DVector};

/// K = A·Aᵀ + I, symmetric positive definite for any A.
fn kernel(a: &DMatrix<f64>) -> DMatrix<f64> {
    a * a.transpose() + DMatrix::identity(a.nrows(), a.nrows())
}

fn factor() -> DMatrix<f64> {
    DMatrix::from_row_slice(3, 3, &[1.0, 0.5, 0.1, -0.2, 1.2, -0.3, 0.1, -0.3, 0.9])
}

mod imported {
    use matcalc::differentiate;
    use matcalc::linalg::{det, eigvalsh, logdet, qr, solve, svd_solve};
    use nalgebra::{DMatrix, DVector};

    /// The negative log marginal likelihood of a Gaussian process, by the imported names.
    #[differentiate(wrt(a), hessian)]
    pub fn gp(a: &DMatrix<f64>, y: &DVector<f64>) -> f64 {
        let k = a * a.transpose() + DMatrix::identity(a.nrows(), a.nrows());
        let alpha = solve(&k, y);
        0.5 * y.dot(&alpha) + 0.5 * logdet(&k)
    }

    /// An inactive right-hand side built in the body, a determinant of a temporary, a tuple
    /// from `qr`, the eigenvalues, and a tolerance that takes no tangent.
    #[differentiate(hessian)]
    pub fn mixed(a: &DMatrix<f64>) -> f64 {
        let ones = DVector::from_element(a.nrows(), 1.0);
        let x = solve(a, &ones);
        let (q, r) = qr(a);
        let twice = a * 2.0;
        let least_squares = svd_solve(a, &ones, 1e-12);
        x.sum() + det(&twice) + (q * r).trace() + eigvalsh(&(a + a.transpose())).sum()
            - least_squares.norm_squared()
    }

    pub struct Model {
        pub scale: f64,
    }

    impl Model {
        /// A method, whose expansion stands in an `impl`.
        #[differentiate(wrt(k))]
        pub fn log_det(&self, k: &DMatrix<f64>) -> f64 {
            self.scale * logdet(k)
        }
    }
}

mod own {
    use matcalc::differentiate;
    use nalgebra::DMatrix;

    /// A function of the user's own, named like `linalg::trace` but not a trace.
    #[differentiate(hessian)]
    pub fn trace(a: &DMatrix<f64>) -> f64 {
        a.sum() + a[(0, 0)] * a[(0, 0)]
    }

    /// One named like `linalg::solve`.
    #[differentiate(hessian)]
    pub fn solve(a: &DMatrix<f64>) -> f64 {
        a[(1, 1)] * a[(1, 1)]
    }

    /// Calls the user's own `trace` by its bare name, and the own `solve` by its path.
    #[differentiate(hessian)]
    pub fn through_own(a: &DMatrix<f64>) -> f64 {
        3.0 * trace(a) + self::solve(a)
    }

    pub struct Model;

    impl Model {
        /// And from a method.
        #[differentiate(wrt(a))]
        pub fn through_own(&self, a: &DMatrix<f64>) -> f64 {
            3.0 * trace(a) + self::solve(a)
        }
    }
}

#[test]
fn an_imported_solve_and_logdet() {
    let y = DVector::from_vec(vec![1.0, -0.5, 0.25]);
    check_both(
        |a: &DMatrix<f64>| imported::gp(a, &y),
        |a: &DMatrix<f64>, d: &DMatrix<f64>| imported::gp_jvp(a, &y, d),
        |a: &DMatrix<f64>, s: &f64| imported::gp_vjp(a, &y).1(*s),
        &factor(),
    );
    // the gradient in closed form: with G = K⁻¹ − K⁻¹yyᵀK⁻¹, ∂/∂A = G·A
    let a = factor();
    let inverse = kernel(&a).try_inverse().unwrap();
    let alpha = &inverse * &y;
    let want = (&inverse - &alpha * alpha.transpose()) * &a;
    assert!((imported::gp_grad(&a, &y).1 - want).norm() < 1e-12);
    check_hvp_by_gradient(
        |a: &DMatrix<f64>| imported::gp_grad(a, &y).1,
        |a: &DMatrix<f64>, d: &DMatrix<f64>| {
            let (_, gradient, hv) = imported::gp_hvp(a, &y, d);
            (gradient, hv)
        },
        &factor(),
        1e-6,
    );
}

#[test]
fn imported_names_with_inactive_arguments_tuples_and_a_tolerance() {
    let a = DMatrix::from_row_slice(3, 3, &[2.0, 0.3, -0.4, 0.1, 1.5, 0.2, -0.3, 0.6, 1.8]);
    check_both(
        imported::mixed,
        imported::mixed_jvp,
        |a: &DMatrix<f64>, s: &f64| imported::mixed_vjp(a).1(*s),
        &a,
    );
    check_hvp_by_gradient(
        |a: &DMatrix<f64>| imported::mixed_grad(a).1,
        |a: &DMatrix<f64>, d: &DMatrix<f64>| {
            let (_, gradient, hv) = imported::mixed_hvp(a, d);
            (gradient, hv)
        },
        &a,
        1e-6,
    );
}

#[test]
fn an_imported_name_in_a_method() {
    let model = imported::Model { scale: 2.0 };
    let k = kernel(&factor());
    let (value, gradient) = model.log_det_grad(&k);
    assert!((value - 2.0 * k.determinant().ln()).abs() < 1e-12);
    // ∂ log det K = K⁻ᵀ
    let want = 2.0 * k.try_inverse().unwrap().transpose();
    assert!((gradient - want).norm() < 1e-12);
}

#[test]
fn functions_of_ones_own_named_like_linalg_functions() {
    let a = factor();
    // d/dA (3(ΣA + A₀₀²) + A₁₁²) = 3 + 6A₀₀ E₀₀ + 2A₁₁ E₁₁: not linalg's gradients
    let mut want = DMatrix::from_element(3, 3, 3.0);
    want[(0, 0)] += 6.0 * a[(0, 0)];
    want[(1, 1)] += 2.0 * a[(1, 1)];
    let (value, gradient) = own::through_own_grad(&a);
    assert_eq!(value, own::through_own(&a));
    assert!((gradient - &want).norm() < 1e-12);
    check_both(
        own::through_own,
        own::through_own_jvp,
        |a: &DMatrix<f64>, s: &f64| own::through_own_vjp(a).1(*s),
        &a,
    );
    let (_, gradient, hessian) = own::through_own_hessian(&a);
    assert!((gradient - &want).norm() < 1e-12);
    // the second derivatives: 6 along A₀₀ and 2 along A₁₁ (index 4 of vec(A))
    let mut want_hessian = DMatrix::zeros(9, 9);
    want_hessian[(0, 0)] = 6.0;
    want_hessian[(4, 4)] = 2.0;
    assert!((hessian - want_hessian).norm() < 1e-12);
    let (_, from_method) = own::Model.through_own_grad(&a);
    assert!((from_method - want).norm() < 1e-12);
}
