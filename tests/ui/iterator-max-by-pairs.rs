use matcalc::differentiate;

// The index of the largest entry: `max_by` over pairs, whose items are not floats.
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let (best, _) = x
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    x[best] * 2.0
}

fn main() {}
