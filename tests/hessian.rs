//! Second derivatives: `f_hvp` (reverse over forward) and `f_hessian`.

use matcalc::differentiate;
use nalgebra::DMatrix;

#[differentiate(hessian)]
fn rosenbrock(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// xᵀ A x with x active: the Hessian is A + Aᵀ.
#[differentiate(wrt(x), hessian)]
fn quadratic(x: &[f64], a: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            s += x[i] * a[i * n + j] * x[j];
        }
    }
    s
}

#[test]
fn rosenbrock_hessian_at_the_minimum() {
    let (value, gradient, h) = rosenbrock_hessian(1.0, 1.0);
    assert_eq!(value, 0.0);
    assert_eq!(gradient, (0.0, 0.0));
    assert_eq!(
        h,
        DMatrix::from_row_slice(2, 2, &[802.0, -400.0, -400.0, 200.0])
    );
    let (_, _, hv) = rosenbrock_hvp(1.0, 1.0, 1.0, 2.0);
    assert_eq!(hv, (802.0 - 800.0, -400.0 + 400.0));
}

#[test]
fn hessian_of_a_quadratic_form_is_a_plus_a_transposed() {
    let a = [1.0, 2.0, 0.5, -1.0, 3.0, 0.0, 4.0, 1.5, 2.0];
    let (_, _, h) = quadratic_hessian(&[0.3, -0.2, 0.7], &a, 3);
    let a = DMatrix::from_row_slice(3, 3, &a);
    assert_eq!(h, &a + a.transpose());
}
