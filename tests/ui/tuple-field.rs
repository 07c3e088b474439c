use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let (a, b) = (x * 2.0, x * 3.0);
    let t = pair(a, b);
    t.0 + b
}

#[differentiate]
fn pair(a: f64, b: f64) -> (f64, f64) {
    (a * b, a - b)
}

fn main() {}
