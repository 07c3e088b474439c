use matcalc::differentiate;

#[differentiate]
fn f(x: f64, out: &mut f64) -> f64 {
    *out = 1.0;
    x * x
}

fn main() {}
