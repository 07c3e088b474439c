use matcalc::differentiate;

// The iterations of a checkpointed loop are recomputed one at a time: it may not leave for an
// outer loop (it may return).
#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let mut u = x;
    'outer: for _ in 0..3 {
        #[checkpoint]
        for i in 0..n {
            if i == 7 {
                return u;
            }
            if i == 9 {
                break 'outer;
            }
            u = u.sin() * x;
        }
    }
    u
}

fn main() {}
