use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut stack = x.to_vec();
    let mut s = 0.0;
    while let Some(v) = stack.pop() {
        s = s * 0.5 + v * v;
    }
    s
}

fn main() {}
