use matcalc::differentiate;

#[differentiate]
fn g(x: &[f64]) -> f64 {
    x[0] * x[0]
}

#[differentiate]
fn f(x: &[f64]) -> f64 {
    g(&x[1..])
}

fn main() {}
