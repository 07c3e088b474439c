//! Tuples returned by annotated functions, named and read by field.

mod common;

use matcalc::differentiate;
use nalgebra::DVector;

#[differentiate(hessian)]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

/// The tuple a call returns, bound to a name and read by field.
#[differentiate(hessian)]
fn named_result(x: f64, y: f64) -> f64 {
    let (a, b) = (x * 2.0, y * 3.0);
    let p = polar(a, b);
    p.0 * p.1 + b
}

#[test]
fn fields_of_a_returned_tuple() {
    let f = |p: &(f64, f64)| named_result(p.0, p.1);
    let jvp = |p: &(f64, f64), d: &(f64, f64)| named_result_jvp(p.0, p.1, d.0, d.1);
    let vjp = |p: &(f64, f64), y: &f64| named_result_vjp(p.0, p.1).1(*y);
    common::check_both(f, jvp, vjp, &(0.7, 0.4));
    let (_, _, h) = named_result_hessian(0.7, 0.4);
    assert!((h[(0, 1)] - h[(1, 0)]).abs() < 1e-12);
}

/// Constants returned as components, of the declared types: a vector built inside the function
/// and float literals, from early returns and the tail. Their tangents and adjoints are zero,
/// made with the declared component's type and shape.
#[differentiate]
fn constant_components(x: &DVector<f64>, s: f64) -> (DVector<f64>, f64) {
    if s > 10.0 {
        return (DVector::zeros(x.len()), 1.0);
    }
    if s < -10.0 {
        return (x * s, 2.0);
    }
    (x * s, s * s)
}

#[test]
fn constant_components_of_a_returned_tuple() {
    type P = (DVector<f64>, f64);
    let f = |p: &P| constant_components(&p.0, p.1);
    let jvp = |p: &P, d: &P| constant_components_jvp(&p.0, p.1, &d.0, d.1);
    let vjp = |p: &P, y: &P| constant_components_vjp(&p.0, p.1).1(y.clone());
    let x = DVector::from_vec(vec![0.3, -1.2, 2.0]);
    common::check_at(
        f,
        jvp,
        vjp,
        &[(x.clone(), 0.7), (x.clone(), 11.0), (x.clone(), -11.0)],
    );
    let d = (DVector::from_vec(vec![1.0, 2.0, 3.0]), 1.5);
    let (_, (dv, ds)) = constant_components_jvp(&x, 11.0, &d.0, d.1);
    assert_eq!((dv, ds), (DVector::zeros(3), 0.0));
    let (_, (dv, ds)) = constant_components_jvp(&x, -11.0, &d.0, d.1);
    assert_eq!((dv, ds), (&x * 1.5 + &d.0 * -11.0, 0.0));
}

/// A literal returned early from a function with a second-order companion: the tangent
/// program returns its zero tangent too.
#[differentiate(hessian)]
fn clipped_square(x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    x * x
}

#[test]
fn literal_returned_early_has_zero_derivatives() {
    for x in [-0.5, 0.5] {
        let (value, gradient, hessian) = clipped_square_hessian(x);
        let expected = if x < 0.0 {
            (0.0, 0.0, 0.0)
        } else {
            (x * x, 2.0 * x, 2.0)
        };
        assert_eq!((value, gradient, hessian[(0, 0)]), expected, "at x = {x}");
    }
}
