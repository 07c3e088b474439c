use matcalc::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let mut u = x;
    #[checkpoint]
    loop {
        u = u.sin();
        if u < 0.1 {
            break;
        }
    }
    #[checkpoint(every = 10)]
    for _ in 0..n {
        u = u * x;
    }
    u
}

fn main() {}
