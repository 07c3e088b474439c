use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

/// A function of the user's own, named like `matcalc::linalg::solve`.
fn solve(a: &DMatrix<f64>, b: &DVector<f64>) -> DVector<f64> {
    a.clone().lu().solve(b).unwrap()
}

#[differentiate]
fn f(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    solve(a, b).sum()
}

fn main() {}
