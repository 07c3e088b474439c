//! `f_jacobian`: the Jacobian by forward or reverse mode, whichever needs fewer passes.

use matcalc::differentiate;
use nalgebra::DMatrix;

/// Two inputs, three outputs: forward mode.
#[differentiate]
fn spread(x: f64, y: f64) -> (f64, f64, f64) {
    (x * y, x + y, (x - y).sin())
}

/// Four inputs, one output: reverse mode.
#[differentiate]
fn norm2(v: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for x in v.iter() {
        s += x * x * w;
    }
    s
}

/// A linear map given by a matrix: its Jacobian is the matrix.
#[differentiate]
fn linear(x: [f64; 2]) -> [f64; 2] {
    [2.0 * x[0] + 3.0 * x[1], -x[0] + 0.5 * x[1]]
}

#[test]
fn jacobians_by_either_mode_match_the_closed_forms() {
    let (value, j) = spread_jacobian(2.0, 0.5);
    assert_eq!(value, (1.0, 2.5, 1.5f64.sin()));
    let c = 1.5f64.cos();
    assert_eq!(
        j,
        DMatrix::from_row_slice(3, 2, &[0.5, 2.0, 1.0, 1.0, c, -c])
    );

    let (value, j) = norm2_jacobian(&[1.0, 2.0, 3.0], 2.0);
    assert_eq!(value, 28.0);
    assert_eq!(j, DMatrix::from_row_slice(1, 4, &[4.0, 8.0, 12.0, 14.0]));

    let (_, j) = linear_jacobian([1.0, 1.0]);
    assert_eq!(j, DMatrix::from_row_slice(2, 2, &[2.0, 3.0, -1.0, 0.5]));
}
