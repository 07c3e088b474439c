use matcalc::differentiate;

fn double(v: &mut f64) {
    *v *= 2.0;
}

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    double(&mut y);
    y
}

fn main() {}
