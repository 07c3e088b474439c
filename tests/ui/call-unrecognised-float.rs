use matcalc::differentiate;

fn offset(n: usize) -> f64 {
    n as f64 * 0.5
}

// Tangents for `a` and `b`: given none for `offset(n)`, the caller's tangents of `x` and `y`
// would land on `a` and `b` instead of `b` and `c`.
#[differentiate(wrt(a, b))]
fn weigh(a: f64, b: f64, c: f64) -> f64 {
    a * 2.0 + b * 3.0 + c
}

#[differentiate]
fn f(x: f64, y: f64, n: usize) -> f64 {
    weigh(offset(n), x, y)
}

fn main() {}
