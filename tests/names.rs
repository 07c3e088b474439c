//! Generated locals never collide with the user's names.

use matcalc::differentiate;

#[differentiate]
fn spread(point: f64, value: f64, pullback: f64, direction: f64) -> f64 {
    point * value + pullback * direction
}

#[test]
fn parameters_named_like_generated_locals() {
    let (_, _, h) = spread_hessian(1.0, 2.0, 3.0, 4.0);
    assert_eq!(h[(0, 1)], 1.0);
    assert_eq!(h[(2, 3)], 1.0);
    let (_, j) = spread_jacobian(1.0, 2.0, 3.0, 4.0);
    assert_eq!(j[(0, 0)], 2.0);
}
