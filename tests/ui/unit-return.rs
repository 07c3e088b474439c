use matcalc::differentiate;

#[differentiate]
fn f(x: f64) {
    let _ = x * x;
}

fn main() {}
