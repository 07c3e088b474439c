use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> Option<f64> {
    Some(x * x)
}

fn main() {}
