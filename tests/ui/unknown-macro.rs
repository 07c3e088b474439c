use matcalc::differentiate;

macro_rules! my_macro {
    ($e:expr) => {
        $e * 2.0
    };
}

#[differentiate]
fn f(x: f64) -> f64 {
    my_macro!(x)
}

fn main() {}
