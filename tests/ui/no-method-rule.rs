use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    x.to_degrees()
}

fn main() {}
