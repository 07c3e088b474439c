use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    if let Some(v) = x.get(1) { v * v } else { 0.0 }
}

fn main() {}
