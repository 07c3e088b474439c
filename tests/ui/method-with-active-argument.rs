use matcalc::differentiate;

#[differentiate]
fn copy(x: &[f64]) -> f64 {
    let mut y = vec![0.0; x.len()];
    y.copy_from_slice(x);
    y[0] * y[1]
}

fn main() {}
