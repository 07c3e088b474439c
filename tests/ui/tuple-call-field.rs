use matcalc::differentiate;

#[differentiate]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    let r = polar(x, y);
    r.0
}

fn main() {}
