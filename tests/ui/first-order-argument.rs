use matcalc::differentiate;

// `first_order` was the way to leave out second order; it is now the default.
#[differentiate(first_order)]
fn f(x: f64) -> f64 {
    x * x
}

fn main() {}
