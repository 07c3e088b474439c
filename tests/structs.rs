//! Structs deriving `Differentiable` as active parameters, locals and results, and methods.

mod common;

use matcalc::{Differentiable, check, differentiate};
use nalgebra::{DMatrix, DVector};

#[derive(Clone, Debug, PartialEq, Differentiable)]
struct Layer {
    w: DMatrix<f64>,
    b: DVector<f64>,
    scale: f64,
}

#[derive(Clone, Debug, PartialEq, Differentiable)]
struct Pair {
    first: Layer,
    second: Vec<f64>,
}

#[differentiate(wrt(layer, x))]
fn apply(layer: &Layer, x: &DVector<f64>) -> f64 {
    let z = &layer.w * x + &layer.b;
    z.norm_squared() * layer.scale
}

/// A struct built, written and returned.
#[differentiate(wrt(pair))]
fn rebuild(pair: &Pair, k: usize) -> Pair {
    let mut b = pair.first.b.clone();
    b[0] = pair.second[0];
    let mut layer = Layer {
        w: pair.first.w.clone() * 2.0,
        b,
        scale: pair.second[k] * pair.first.scale,
    };
    layer.scale = layer.scale * layer.scale;
    Pair {
        first: layer,
        second: pair.second.clone(),
    }
}

impl Layer {
    #[differentiate]
    fn energy(&self, x: f64) -> f64 {
        self.scale * x * x + self.b.sum()
    }

    #[differentiate]
    fn twice(&self, x: f64) -> f64 {
        self.energy(x) * 2.0
    }

    /// The receiver alone is active: `x` is data.
    #[differentiate(wrt(self))]
    fn weighted(&self, x: f64) -> f64 {
        self.scale * x + self.b[1] * self.b[1]
    }

    #[differentiate(wrt(self, x))]
    fn scaled(&self, x: f64, k: usize) -> f64 {
        self.scale * x * k as f64
    }

    /// A loop over a range reading the receiver and a slice the method never writes: the
    /// pullback computes the iteration again from its copy of the slice, and reads the receiver
    /// off the tape (it cannot bind `self` again).
    #[differentiate]
    fn along(&self, x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            let j = i % self.b.len();
            s += self.scale * x[i] * x[i] + self.b[j] * x[i];
        }
        s
    }
}

fn layer() -> Layer {
    Layer {
        w: DMatrix::from_row_slice(2, 3, &[1.0, -0.5, 0.2, 0.3, 0.8, -1.0]),
        b: DVector::from_vec(vec![0.1, -0.2]),
        scale: 1.5,
    }
}

#[test]
fn struct_parameters_have_struct_gradients() {
    let x = DVector::from_vec(vec![0.5, -1.0, 2.0]);
    let point = (layer(), x);
    type P = (Layer, DVector<f64>);
    let f = |p: &P| apply(&p.0, &p.1);
    let jvp = |p: &P, d: &P| apply_jvp(&p.0, &p.1, &d.0, &d.1);
    let vjp = |p: &P, y: &f64| apply_vjp(&p.0, &p.1).1(*y);
    common::check_both(f, jvp, vjp, &point);
    let (_, (g, _)) = apply_grad(&point.0, &point.1);
    let z = &point.0.w * &point.1 + &point.0.b;
    assert!((g.scale - z.norm_squared()).abs() < 1e-12);
}

#[test]
fn structs_built_written_and_returned() {
    let pair = Pair {
        first: layer(),
        second: vec![0.7, -0.4, 1.1],
    };
    let f = |p: &Pair| rebuild(p, 2);
    let jvp = |p: &Pair, d: &Pair| rebuild_jvp(p, 2, d);
    let vjp = |p: &Pair, y: &Pair| rebuild_vjp(p, 2).1(y.clone());
    common::check_both(f, jvp, vjp, &pair);
}

#[test]
fn methods_with_an_active_receiver() {
    let l = layer();
    let f = |p: &(Layer, f64)| p.0.twice(p.1);
    let jvp = |p: &(Layer, f64), d: &(Layer, f64)| p.0.twice_jvp(p.1, &d.0, d.1);
    let vjp = |p: &(Layer, f64), y: &f64| p.0.twice_vjp(p.1).1(*y);
    common::check_both(f, jvp, vjp, &(l.clone(), 0.8));
    let (_, (g, dx)) = l.twice_grad(0.8);
    assert_eq!(dx, 2.0 * 2.0 * 1.5 * 0.8);
    assert!((g.scale - 2.0 * 0.8 * 0.8).abs() < 1e-15);
    assert_eq!(g.b, DVector::from_vec(vec![2.0, 2.0]));
    let _ = check::Config::for_jvp::<f64>();
}

#[test]
fn wrt_names_the_receiver() {
    let l = layer();
    // `wrt(self)`: the gradient is the receiver's alone
    let (value, g): (f64, Layer) = l.weighted_grad(0.8);
    assert_eq!(value, 1.5 * 0.8 + 0.04);
    assert_eq!(g.scale, 0.8);
    assert_eq!(g.b, DVector::from_vec(vec![0.0, -0.4]));
    assert_eq!(g.w, DMatrix::zeros(2, 3));
    // `wrt(self, x)`: the receiver's and x's, `k` inactive
    let (value, (g, dx)): (f64, (Layer, f64)) = l.scaled_grad(0.8, 3);
    assert_eq!((value, dx), (1.5 * 0.8 * 3.0, 1.5 * 3.0));
    assert_eq!(g.scale, 0.8 * 3.0);
    let f = |p: &(Layer, f64)| p.0.scaled(p.1, 3);
    let jvp = |p: &(Layer, f64), d: &(Layer, f64)| p.0.scaled_jvp(p.1, 3, &d.0, d.1);
    let vjp = |p: &(Layer, f64), y: &f64| p.0.scaled_vjp(p.1, 3).1(*y);
    common::check_both(f, jvp, vjp, &(l, 0.8));
}

#[test]
fn a_method_loop_over_a_range() {
    let point = (layer(), vec![0.3, -1.2, 0.7, 2.0]);
    type P = (Layer, Vec<f64>);
    let f = |p: &P| p.0.along(&p.1);
    let jvp = |p: &P, d: &P| p.0.along_jvp(&p.1, &d.0, &d.1);
    let vjp = |p: &P, y: &f64| p.0.along_vjp(&p.1).1(*y);
    common::check_both(f, jvp, vjp, &point);
}

/// A struct of `f32`s, the one active parameter: the function's float type is the struct's,
/// told by the return type.
#[derive(Clone, Debug, PartialEq, Differentiable)]
struct Single {
    a: f32,
    b: Vec<f32>,
}

#[differentiate(wrt(s))]
fn single_energy(s: &Single) -> f32 {
    let mut e = s.a * s.a;
    // (a field is iterated through a copy: `s.b.iter()` is a compile error that says so,
    // `tests/ui/iterate-field.rs`, where it once read as inactive)
    let b = s.b.clone();
    for v in b.iter() {
        e += s.a * v;
    }
    e
}

#[test]
fn a_struct_of_f32_alone() {
    let s = Single {
        a: 1.5,
        b: vec![0.5, -2.0],
    };
    let (value, g) = single_energy_grad(&s);
    assert_eq!(value, 1.5 * 1.5 + 1.5 * (0.5 - 2.0));
    // ∂e/∂a = 2a + Σb, ∂e/∂bᵢ = a
    assert_eq!(
        g,
        Single {
            a: 2.0 * 1.5 + (0.5 - 2.0),
            b: vec![1.5, 1.5]
        }
    );
    let (_, jacobian) = single_energy_jacobian(&s);
    assert_eq!(jacobian.shape(), (1, 3));
    assert_eq!(jacobian[(0, 0)], g.a);
}
