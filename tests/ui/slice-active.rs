use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let head = &x[0..2];
    head[0] * head[1]
}

fn main() {}
