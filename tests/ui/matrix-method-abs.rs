use matcalc::differentiate;
use nalgebra::DMatrix;

#[differentiate]
fn f(m: &DMatrix<f64>) -> f64 {
    m.abs().sum()
}

fn main() {}
