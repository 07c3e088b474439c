use matcalc::{Differentiable, differentiate};

#[derive(Clone, Differentiable)]
pub struct Params {
    pub a: f64,
    pub b: Vec<f64>,
}

// Iterating a field of an active struct: once read as an inactive loop, a zero gradient for
// the field; now a compile error that says what to write.
#[differentiate(wrt(s))]
fn energy(s: &Params) -> f64 {
    let mut e = s.a * s.a;
    for v in s.b.iter() {
        e += s.a * v;
    }
    e
}

fn main() {}
