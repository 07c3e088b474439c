use matcalc::differentiate;

#[differentiate]
fn f(x: f64, scale: impl Fn(f64) -> f64) -> f64 {
    scale(2.0) * x
}

fn main() {}
