use matcalc::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let two = 2.0;
    let k: f64 = unsafe { std::ptr::read(&two) };
    k * x
}

fn main() {}
