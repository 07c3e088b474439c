//! A two-layer perceptron whose weights live in a struct deriving `Differentiable`, trained by
//! gradient descent on a small synthetic data set with gradients from `#[differentiate]`.
//!
//! `cargo run --release --example mlp` prints the loss as it falls.

use matcalc::{Differentiable, Tangent, differentiate};
use nalgebra::{DMatrix, DVector};

/// y = w2 · tanh(W1 x + b1) + b2.
#[derive(Clone, Debug, Differentiable)]
struct Mlp {
    w1: DMatrix<f64>,
    b1: DVector<f64>,
    w2: DVector<f64>,
    b2: f64,
}

impl Mlp {
    /// Deterministic small weights, so that the example always runs the same way.
    fn new(inputs: usize, hidden: usize) -> Mlp {
        let wave = |i: usize, j: usize| 0.5 * ((3 * i + 7 * j + 1) as f64).sin();
        Mlp {
            w1: DMatrix::from_fn(hidden, inputs, wave),
            b1: DVector::from_fn(hidden, |i, _| 0.1 * wave(i, 5)),
            w2: DVector::from_fn(hidden, |i, _| wave(i, 11)),
            b2: 0.0,
        }
    }
}

/// The mean squared error over the samples (the columns of `xs`).
#[differentiate(wrt(model))]
fn loss(model: &Mlp, xs: &DMatrix<f64>, ys: &DVector<f64>) -> f64 {
    let mut total = 0.0;
    for k in 0..xs.ncols() {
        let x = xs.column(k).into_owned();
        let z = &model.w1 * &x + &model.b1;
        let h = z.map(|v| v.tanh());
        let r = model.w2.dot(&h) + model.b2 - ys[k];
        total += r * r;
    }
    total / xs.ncols() as f64
}

/// Samples of y = sin(x₁) + x₂² / 2 on a grid.
fn data() -> (DMatrix<f64>, DVector<f64>) {
    let n = 40;
    let xs = DMatrix::from_fn(2, n, |i, k| {
        let t = k as f64 / (n - 1) as f64;
        if i == 0 {
            3.0 * t - 1.5
        } else {
            (7.0 * t).cos()
        }
    });
    let ys = DVector::from_fn(n, |k, _| xs[(0, k)].sin() + 0.5 * xs[(1, k)].powi(2));
    (xs, ys)
}

fn main() {
    let (xs, ys) = data();
    let mut model = Mlp::new(2, 8);
    let rate = 0.1;
    let (first, _) = loss_grad(&model, &xs, &ys);
    println!("step     loss");
    let mut last = first;
    for step in 0..=2000 {
        let (value, gradient) = loss_grad(&model, &xs, &ys);
        if step % 250 == 0 {
            println!("{step:>4}  {value:.6}");
        }
        model.axpy(-rate, &gradient);
        last = value;
    }
    println!("loss fell from {first:.4} to {last:.4}");
    assert!(
        last < first / 10.0,
        "training did not reduce the loss tenfold"
    );
}
