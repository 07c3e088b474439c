//! Tuples returned by annotated functions, named and read by field.

mod common;

use matcalc::differentiate;

#[differentiate]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

/// The tuple a call returns, bound to a name and read by field.
#[differentiate]
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
