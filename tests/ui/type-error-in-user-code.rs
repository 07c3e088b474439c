//! A type error in the user's own code reads the same inside an annotated function as outside
//! one: the error of `annotated` is the error of `plain`, on the same tokens.

use matcalc::differentiate;

#[differentiate]
fn annotated(x: f64, n: usize) -> f64 {
    let k: i32 = n;
    x * k as f64
}

fn plain(x: f64, n: usize) -> f64 {
    let k: i32 = n;
    x * k as f64
}

fn main() {
    let _ = (annotated(1.0, 2), plain(1.0, 2));
}
