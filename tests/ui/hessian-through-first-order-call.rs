use matcalc::differentiate;

// Differentiated to first order only: no second-order companion.
#[differentiate]
fn square(x: f64) -> f64 {
    x * x
}

// Asks for second derivatives, which need those of `square`.
#[differentiate(hessian)]
fn f(x: f64) -> f64 {
    square(x) * 2.0
}

fn main() {}
