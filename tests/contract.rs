//! The public contract of `#[differentiate]` (DESIGN.md, "The public contract"), written as a test.
//! Copy it into the project as `tests/contract.rs`; it must compile and pass unchanged. The parts
//! behind `cfg(any())` switch on as the issues that deliver them land: remove the cfg then.
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

// Two active scalars: G is a tuple in parameter order.
#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    x * y.sin()
}

// One active slice, one inactive integer: G is the bare adjoint, `&[f64]` -> `Vec<f64>`.
#[differentiate]
fn g(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += x[i] * x[i];
    }
    s
}

// `wrt` restricts the active parameters.
#[differentiate(wrt(x))]
fn h(x: f64, k: f64) -> f64 {
    k * x * x
}

// A tuple return: the seed of the pullback is a tuple too.
#[differentiate]
fn p(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[test]
fn scalar_contract() {
    let (v, (dx, dy)): (f64, (f64, f64)) = f_grad(2.0, 0.5);
    assert_eq!(v, 2.0 * 0.5f64.sin());
    assert!((dx - 0.5f64.sin()).abs() < 1e-15 && (dy - 2.0 * 0.5f64.cos()).abs() < 1e-15);

    let (v, t): (f64, f64) = f_jvp(2.0, 0.5, 1.0, 0.0);
    assert_eq!(v, 2.0 * 0.5f64.sin());
    assert!((t - 0.5f64.sin()).abs() < 1e-15);

    let (_, back) = f_vjp(2.0, 0.5);
    let (bx, _): (f64, f64) = back(3.0);
    let (bx2, _) = back(1.0); // a pullback can be called again
    assert!((bx - 3.0 * bx2).abs() < 1e-15);

    let (_, gx): (f64, Vec<f64>) = g_grad(&[1.0, 2.0, 3.0], 2);
    assert_eq!(gx, vec![2.0, 4.0, 0.0]);
    let (_, t): (f64, f64) = g_jvp(&[1.0, 2.0, 3.0], 2, &[1.0, 1.0, 1.0]);
    assert_eq!(t, 6.0);

    let (_, gx): (f64, f64) = h_grad(3.0, 2.0);
    assert_eq!(gx, 12.0);

    let ((a, b), back) = p_vjp(2.0, 0.0);
    assert_eq!((a, b), (2.0, 0.0));
    let (br, bt): (f64, f64) = back((0.0, 1.0));
    assert!((br - 0.0).abs() < 1e-15 && (bt - 2.0).abs() < 1e-15);
}

// Matrices: tangents have the parameter's type, adjoints its owned type.
#[differentiate]
#[cfg(any())]
fn q(a: &DMatrix<f64>, x: &DVector<f64>) -> f64 {
    x.dot(&(a * x))
}

#[test]
#[cfg(any())]
fn matrix_contract() {
    let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let x = DVector::from_vec(vec![1.0, -1.0]);
    let (v, (ga, gx)): (f64, (DMatrix<f64>, DVector<f64>)) = q_grad(&a, &x);
    assert_eq!(v, 0.0);
    assert_eq!(ga, &x * x.transpose()); // d(x^T A x)/dA = x x^T
    assert_eq!(gx, (&a + a.transpose()) * &x);
    let (_, t): (f64, f64) = q_jvp(&a, &x, &DMatrix::identity(2, 2), &DVector::zeros(2));
    assert_eq!(t, 2.0);
}

// Higher order (issue "Higher order and composition"): remove the cfg when it lands.
#[cfg(any())]
#[test]
fn higher_order_contract() {
    let (_, _, hess): (f64, (f64, f64), DMatrix<f64>) = f_hessian(2.0, 0.5);
    assert_eq!(hess.shape(), (2, 2));
    let (_, _, hv): (f64, (f64, f64), (f64, f64)) = f_hvp(2.0, 0.5, 1.0, 0.0);
    assert!((hv.0 - hess[(0, 0)]).abs() < 1e-14 && (hv.1 - hess[(1, 0)]).abs() < 1e-14);
    let ((_, _), jac): ((f64, f64), DMatrix<f64>) = p_jacobian(2.0, 0.3);
    assert_eq!(jac.shape(), (2, 2));
}
