use matcalc::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    if n == 0 { x } else { f(x, n - 1).sin() * x }
}

fn main() {}
