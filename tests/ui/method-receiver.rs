use matcalc::differentiate;

struct Model {
    scale: f64,
}

impl Model {
    #[differentiate]
    fn f(&self, x: f64) -> f64 {
        self.scale * x
    }
}

fn main() {}
