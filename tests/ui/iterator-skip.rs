use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    x.iter().skip(1).map(|v| v * v).sum::<f64>()
}

fn main() {}
