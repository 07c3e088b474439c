use matcalc::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let k: f64 = match [1.0, 2.0].get(n) {
        Some(v) => *v,
        None => return 0.0,
    };
    k * x
}

fn main() {}
