use matcalc::differentiate;
use nalgebra::DVector;

#[differentiate(wrt(x))]
fn f(x: f64, m: &DVector<f64>) -> f64 {
    m.map(|v| v * x).sum()
}

fn main() {}
