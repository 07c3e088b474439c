//! The generated pullback names what it captures (nothing), so it outlives borrowed arguments;
//! `tests/edition-2021` runs the same test on edition 2021.

use matcalc::differentiate;

#[differentiate]
#[allow(clippy::ptr_arg)] // `&Vec<F>` is one of the parameter types the contract promises
fn weighted_sum(x: &[f64], w: &Vec<f64>, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += w[i] * x[i].sin();
    }
    s
}

#[test]
fn the_pullback_outlives_its_borrowed_arguments() {
    let pullback = {
        let x = vec![0.5, 1.0];
        let w = vec![2.0, 3.0];
        weighted_sum_vjp(&x, &w, 2).1
    };
    let (gx, gw) = pullback(1.0);
    assert_eq!(gx, vec![2.0 * 0.5f64.cos(), 3.0 * 1.0f64.cos()]);
    assert_eq!(gw, vec![0.5f64.sin(), 1.0f64.sin()]);
}
