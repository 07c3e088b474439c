use matcalc::differentiate;

pub struct Config {
    pub rate: f64,
}

// The loop keeps a copy of what it reads when it starts: `Config` must be `Clone`.
#[differentiate(wrt(x))]
fn f(x: f64, cfg: &Config, steps: usize) -> f64 {
    let mut u = x;
    #[checkpoint]
    for _ in 0..steps {
        u = u * cfg.rate;
    }
    u
}

fn main() {}
