use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    match x.first() { Some(v) => v * 3.0, None => 0.0 }
}

fn main() {}
