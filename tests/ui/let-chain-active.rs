use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0; if let Some(v) = x.get(0) && *v > 0.0 { s = *v * 5.0; } s
}

fn main() {}
