use matcalc::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let Some(v) = x.first() else {
        return 0.0;
    };
    v * 2.0
}

fn main() {}
