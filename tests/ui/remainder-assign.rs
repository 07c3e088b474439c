use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x * 3.0;
    y %= 2.0;
    y
}

fn main() {}
