use matcalc::differentiate;

// A struct of parameters that does not derive `Differentiable`, made active by `wrt`.
pub struct Params {
    pub a: f64,
    pub b: f64,
}

#[differentiate(wrt(p))]
fn f(p: &Params, x: f64) -> f64 {
    p.a * x + p.b
}

fn main() {}
