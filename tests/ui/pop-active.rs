use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.push(x[0] * x[1]);
    v.pop();
    v[0] * v[1]
}

fn main() {}
