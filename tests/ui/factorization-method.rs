use matcalc::differentiate;
use nalgebra::DMatrix;

#[differentiate]
fn f(a: &DMatrix<f64>) -> f64 {
    let qr = a.clone().qr();
    let (q, _) = qr.unpack();
    q.trace()
}

fn main() {}
