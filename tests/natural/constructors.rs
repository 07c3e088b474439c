//! Vectors and matrices built from active values with nalgebra's own constructors:
//! `DMatrix::from_diagonal`, `DVector::from_element` and `repeat`, `DMatrix::from_element`,
//! checked in forward mode against finite differences, in reverse mode by the dot-product test,
//! and in second order against central differences of the gradient.

use crate::common::check_both;
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

/// A quadratic form with a diagonal built from the parameters: xᵀ·diag(w)·x + Σ b·x.
#[differentiate(hessian)]
fn diagonal_form(w: &DVector<f64>, x: &DVector<f64>, b: f64) -> f64 {
    let d = DMatrix::from_diagonal(w);
    let shift = DVector::from_element(x.len(), b);
    x.dot(&(d * x)) + shift.dot(x)
}

/// A matrix of one repeated entry, and a vector of another, through a product.
#[differentiate]
fn repeated(a: f64, c: f64, x: &DVector<f64>) -> f64 {
    let m = DMatrix::from_element(2, x.len(), a);
    let v = DVector::repeat(2, c);
    v.dot(&(m * x))
}

#[test]
fn from_diagonal_and_from_element() {
    let w = DVector::from_vec(vec![0.5, -1.0, 2.0]);
    let x = DVector::from_vec(vec![1.5, 0.25, -0.75]);
    type P = (DVector<f64>, DVector<f64>, f64);
    let point: P = (w, x, 0.3);
    check_both(
        |p: &P| diagonal_form(&p.0, &p.1, p.2),
        |p: &P, d: &P| diagonal_form_jvp(&p.0, &p.1, p.2, &d.0, &d.1, d.2),
        |p: &P, y: &f64| diagonal_form_vjp(&p.0, &p.1, p.2).1(*y),
        &point,
    );
    let (_, (gw, gx, gb)) = diagonal_form_grad(&point.0, &point.1, point.2);
    assert_eq!(gw, point.1.component_mul(&point.1));
    assert_eq!(gb, point.1.sum());
    assert_eq!(
        gx,
        2.0 * point.0.component_mul(&point.1) + DVector::from_element(3, 0.3)
    );
}

#[test]
fn from_element_and_repeat_of_matrices() {
    type P = (f64, f64, DVector<f64>);
    let point: P = (0.7, -1.3, DVector::from_vec(vec![1.0, 2.0, -0.5]));
    check_both(
        |p: &P| repeated(p.0, p.1, &p.2),
        |p: &P, d: &P| repeated_jvp(p.0, p.1, &p.2, d.0, d.1, &d.2),
        |p: &P, y: &f64| repeated_vjp(p.0, p.1, &p.2).1(*y),
        &point,
    );
}

#[test]
fn second_order_through_a_built_diagonal() {
    let w = DVector::from_vec(vec![0.5, -1.0, 2.0]);
    let x = DVector::from_vec(vec![1.5, 0.25, -0.75]);
    let (dw, dx) = (
        DVector::from_vec(vec![0.1, 0.2, -0.3]),
        DVector::from_vec(vec![-0.4, 0.5, 0.6]),
    );
    let (_, _, (hw, hx, hb)) = diagonal_form_hvp(&w, &x, 0.3, &dw, &dx, 0.0);
    let h = 1e-5;
    let grad = |s: f64| diagonal_form_grad(&(&w + &dw * s), &(&x + &dx * s), 0.3).1;
    let (plus, minus) = (grad(h), grad(-h));
    assert!((hw - (plus.0 - minus.0) / (2.0 * h)).norm() < 1e-8);
    assert!((hx - (plus.1 - minus.1) / (2.0 * h)).norm() < 1e-8);
    assert!((hb - (plus.2 - minus.2) / (2.0 * h)).abs() < 1e-8);
}
