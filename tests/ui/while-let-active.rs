use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0; let mut i = 0; while let Some(v) = x.get(i) { s += v * v; i += 1; } s
}

fn main() {}
