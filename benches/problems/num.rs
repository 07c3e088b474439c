//! One generic scalar type for the baselines that run the objective on their own number type:
//! num-dual's `Dual64` (one direction per pass) and `DualSVec64<N>` (N directions per pass), and
//! RustQuant_autodiff's tape `Variable`. Each problem writes its objective once more, generic over
//! [`Num`], beside the annotated one.

use num_dual::{Dual64, DualNum, DualSVec64};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// The arithmetic the generic objectives use. Constants enter through [`Num::lift`], comparisons
/// (the max of log-sum-exp, the branch of Rodrigues' formula) through [`Num::re`].
pub trait Num:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// The constant `c` as a number of the same kind (on the same tape).
    fn lift(&self, c: f64) -> Self;
    /// The value.
    fn re(&self) -> f64;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn sqrt(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
}

impl Num for f64 {
    fn lift(&self, c: f64) -> Self {
        c
    }
    fn re(&self) -> f64 {
        *self
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn sin(self) -> Self {
        f64::sin(self)
    }
    fn cos(self) -> Self {
        f64::cos(self)
    }
}

impl Num for Dual64 {
    fn lift(&self, c: f64) -> Self {
        Dual64::from_re(c)
    }
    fn re(&self) -> f64 {
        self.re
    }
    fn exp(self) -> Self {
        DualNum::exp(&self)
    }
    fn ln(self) -> Self {
        DualNum::ln(&self)
    }
    fn sqrt(self) -> Self {
        DualNum::sqrt(&self)
    }
    fn sin(self) -> Self {
        DualNum::sin(&self)
    }
    fn cos(self) -> Self {
        DualNum::cos(&self)
    }
}

impl<const N: usize> Num for DualSVec64<N> {
    fn lift(&self, c: f64) -> Self {
        DualSVec64::from_re(c)
    }
    fn re(&self) -> f64 {
        self.re
    }
    fn exp(self) -> Self {
        DualNum::exp(&self)
    }
    fn ln(self) -> Self {
        DualNum::ln(&self)
    }
    fn sqrt(self) -> Self {
        DualNum::sqrt(&self)
    }
    fn sin(self) -> Self {
        DualNum::sin(&self)
    }
    fn cos(self) -> Self {
        DualNum::cos(&self)
    }
}

impl<'v> Num for RustQuant_autodiff::Variable<'v> {
    fn lift(&self, c: f64) -> Self {
        self.graph.var(c)
    }
    fn re(&self) -> f64 {
        self.value
    }
    fn exp(self) -> Self {
        RustQuant_autodiff::Variable::exp(self)
    }
    fn ln(self) -> Self {
        RustQuant_autodiff::Variable::ln(self)
    }
    fn sqrt(self) -> Self {
        RustQuant_autodiff::Variable::sqrt(self)
    }
    fn sin(self) -> Self {
        RustQuant_autodiff::Variable::sin(self)
    }
    fn cos(self) -> Self {
        RustQuant_autodiff::Variable::cos(self)
    }
}

/// The gradient of `f` at `x` by forward mode, one direction per pass (`Dual64`): n passes.
pub fn gradient_dual(f: impl Fn(&[Dual64]) -> Dual64, x: &[f64]) -> (f64, Vec<f64>) {
    let mut xs: Vec<Dual64> = x.iter().map(|&v| Dual64::from_re(v)).collect();
    let mut g = vec![0.0; x.len()];
    let mut value = f64::NAN;
    for i in 0..x.len() {
        xs[i].eps = 1.0;
        let y = f(&xs);
        xs[i].eps = 0.0;
        value = y.re;
        g[i] = y.eps;
    }
    (value, g)
}

/// The gradient of `f` at `x` by forward mode, `N` directions per pass (`DualSVec64<N>`):
/// ⌈n/N⌉ passes.
pub fn gradient_dual_batched<const N: usize>(
    f: impl Fn(&[DualSVec64<N>]) -> DualSVec64<N>,
    x: &[f64],
) -> (f64, Vec<f64>) {
    let mut xs: Vec<DualSVec64<N>> = x.iter().map(|&v| DualSVec64::from_re(v)).collect();
    let mut g = vec![0.0; x.len()];
    let mut value = f64::NAN;
    for start in (0..x.len()).step_by(N) {
        let end = (start + N).min(x.len());
        for i in start..end {
            xs[i] = DualSVec64::from_re(x[i]).derivative(i - start);
        }
        let y = f(&xs);
        for i in start..end {
            xs[i] = DualSVec64::from_re(x[i]);
        }
        value = y.re;
        if let Some(eps) = y.eps.0 {
            for i in start..end {
                g[i] = eps[i - start];
            }
        }
    }
    (value, g)
}

/// The gradient of `f` at `x` by RustQuant_autodiff: record the tape, then one reverse sweep.
pub fn gradient_tape(
    f: impl for<'v> Fn(&[RustQuant_autodiff::Variable<'v>]) -> RustQuant_autodiff::Variable<'v>,
    x: &[f64],
) -> (f64, Vec<f64>) {
    use RustQuant_autodiff::{Accumulate, Gradient, Graph};
    let graph = Graph::new();
    let vars = graph.vars(x);
    let y = f(&vars);
    let adjoints = y.accumulate();
    (y.value, adjoints.wrt(&vars))
}

/// The gradient of a function of one square matrix by forward mode, one entry per pass
/// (`Dual64`): n² passes.
pub fn matrix_gradient_dual(
    f: impl Fn(&nalgebra::DMatrix<Dual64>) -> Dual64,
    a: &nalgebra::DMatrix<f64>,
) -> (f64, nalgebra::DMatrix<f64>) {
    let mut ad = a.map(Dual64::from_re);
    let mut g = a.clone();
    let mut value = f64::NAN;
    for i in 0..a.len() {
        ad[i].eps = 1.0;
        let y = f(&ad);
        ad[i].eps = 0.0;
        value = y.re;
        g[i] = y.eps;
    }
    (value, g)
}

/// The same with `N` entries per pass (`DualSVec64<N>`): ⌈n²/N⌉ passes.
pub fn matrix_gradient_dual_batched<const N: usize>(
    f: impl Fn(&nalgebra::DMatrix<DualSVec64<N>>) -> DualSVec64<N>,
    a: &nalgebra::DMatrix<f64>,
) -> (f64, nalgebra::DMatrix<f64>) {
    let mut ad = a.map(DualSVec64::from_re);
    let mut g = a.clone();
    let mut value = f64::NAN;
    for start in (0..a.len()).step_by(N) {
        let end = (start + N).min(a.len());
        for i in start..end {
            ad[i] = DualSVec64::from_re(a[i]).derivative(i - start);
        }
        let y = f(&ad);
        for i in start..end {
            ad[i] = DualSVec64::from_re(a[i]);
        }
        value = y.re;
        if let Some(eps) = y.eps.0 {
            for i in start..end {
                g[i] = eps[i - start];
            }
        }
    }
    (value, g)
}
