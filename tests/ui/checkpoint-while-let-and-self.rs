use matcalc::differentiate;

struct Decay {
    rate: f64,
}

impl Decay {
    #[differentiate(wrt(x))]
    fn run(&self, x: f64, steps: usize) -> f64 {
        let mut u = x;
        #[checkpoint]
        for _ in 0..steps {
            u = u * self.rate;
        }
        u
    }
}

#[differentiate]
fn g(x: f64, mut rest: Vec<usize>) -> f64 {
    let mut u = x;
    #[checkpoint]
    #[checkpoint]
    while let Some(k) = rest.pop() {
        u = u * k as f64;
    }
    u
}

fn main() {}
