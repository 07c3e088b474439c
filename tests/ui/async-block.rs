use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let _pending = async { 1.0 };
    x * x
}

fn main() {}
