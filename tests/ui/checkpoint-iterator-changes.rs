use matcalc::differentiate;

// The iterator is evaluated again to recompute an iteration: it may not read what the loop
// changes.
#[differentiate(wrt(x))]
fn f(x: f64, weights: &[f64]) -> f64 {
    let mut u = x;
    let mut n = weights.len();
    #[checkpoint]
    for w in weights[..n].iter() {
        u = u * w + x;
        n -= 1;
    }
    u * n as f64
}

fn main() {}
