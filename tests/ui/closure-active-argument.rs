use matcalc::differentiate;

#[differentiate]
fn f(x: f64, v: &[usize]) -> f64 {
    let n = v.iter().filter(|k| (**k as f64) < x).count();
    x * n as f64
}

fn main() {}
