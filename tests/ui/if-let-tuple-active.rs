use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    if let (a, true) = (x * 2.0, x > 0.0) { a } else { x }
}

fn main() {}
