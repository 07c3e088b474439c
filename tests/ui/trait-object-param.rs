use matcalc::differentiate;

#[differentiate]
fn f(x: f64, label: &dyn std::fmt::Display) -> f64 {
    let _ = label;
    x * x
}

fn main() {}
