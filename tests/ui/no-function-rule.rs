use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    f64::to_degrees(x)
}

fn main() {}
