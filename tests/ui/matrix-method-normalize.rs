use matcalc::differentiate;
use nalgebra::DVector;

#[differentiate]
fn f(v: &DVector<f64>) -> f64 {
    let u = v.normalize();
    u[0]
}

fn main() {}
