//! A type error in an operation on active values, in a binding's declared type or in what a
//! function returns reads the same as without the macro: each `annotated_*` function gives the
//! error of its `plain_*` twin, on the same tokens, and the derivative functions the macro
//! writes beside it add none of their own (see `ir::Guard`, `ir::ScalarMethod::witness`,
//! `Model::scalar_argument`, `Op::Declared` and `Stmt::Return` in the macro).

use matcalc::differentiate;
use nalgebra::{Matrix2, Vector2, Vector3};

// A float times a slice: rustc labels the operator.
#[differentiate]
fn annotated_product(x: f64, v: &[f64]) -> f64 {
    let y = x * v;
    y.sin()
}

fn plain_product(x: f64, v: &[f64]) -> f64 {
    let y = x * v;
    y.sin()
}

// A sum of vectors, which `Vec` does not implement: rustc labels both operands, the first of
// them an expression of several tokens.
#[differentiate]
fn annotated_sum(a: Vec<f64>, b: Vec<f64>) -> f64 {
    let s = a.clone() + b;
    s[0]
}

fn plain_sum(a: Vec<f64>, b: Vec<f64>) -> f64 {
    let s = a.clone() + b;
    s[0]
}

// A quotient inside a loop, its result carried to the next iteration.
#[differentiate]
fn annotated_quotient(x: f64, v: &[f64], n: usize) -> f64 {
    let mut s = x;
    for _ in 0..n {
        s = s / v + 1.0;
    }
    s
}

fn plain_quotient(x: f64, v: &[f64], n: usize) -> f64 {
    let mut s = x;
    for _ in 0..n {
        s = s / v + 1.0;
    }
    s
}

// `dot` of a float, which has no such method.
#[differentiate]
fn annotated_dot(x: f64, y: f64) -> f64 {
    x.dot(&y)
}

fn plain_dot(x: f64, y: f64) -> f64 {
    x.dot(&y)
}

// An item of `.iter()`, a reference, times a slice.
#[differentiate]
fn annotated_items(v: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for vi in v.iter() {
        s = s + vi * w;
    }
    s
}

fn plain_items(v: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for vi in v.iter() {
        s = s + vi * w;
    }
    s
}

// A parenthesized difference of elements times the whole slice.
#[differentiate]
fn annotated_parenthesized(v: &[f64], n: usize) -> f64 {
    let mut s = v[0];
    for i in 1..n {
        s = (s - v[i]) * v;
    }
    s
}

fn plain_parenthesized(v: &[f64], n: usize) -> f64 {
    let mut s = v[0];
    for i in 1..n {
        s = (s - v[i]) * v;
    }
    s
}

// A float method called on a slice, which has no such method: rustc names the receiver's type.
#[differentiate]
fn annotated_method(x: f64, v: &[f64]) -> f64 {
    x * v.sin()
}

fn plain_method(x: f64, v: &[f64]) -> f64 {
    x * v.sin()
}

// A method of two floats on a slice, inside a loop, its result carried to the next iteration.
#[differentiate]
fn annotated_method_of_two(x: f64, v: &[f64], n: usize) -> f64 {
    let mut s = x;
    for _ in 0..n {
        s = v.max(s) * s;
    }
    s
}

fn plain_method_of_two(x: f64, v: &[f64], n: usize) -> f64 {
    let mut s = x;
    for _ in 0..n {
        s = v.max(s) * s;
    }
    s
}

// A vector returned where a float is declared.
#[differentiate]
fn annotated_returned_vector(v: &[f64]) -> f64 {
    let w = v.to_vec();
    w
}

fn plain_returned_vector(v: &[f64]) -> f64 {
    let w = v.to_vec();
    w
}

// An `f32` returned where an `f64` is declared (rustc suggests a conversion).
#[differentiate]
fn annotated_returned_precision(x: f64) -> f64 {
    let y = x as f32 * 2.0;
    y
}

fn plain_returned_precision(x: f64) -> f64 {
    let y = x as f32 * 2.0;
    y
}

// One component of a returned tuple of the wrong type.
#[differentiate]
fn annotated_returned_component(x: f64, y: f64) -> (f64, f64) {
    let a = x * y;
    let b = vec![x, y];
    (a, b)
}

fn plain_returned_component(x: f64, y: f64) -> (f64, f64) {
    let a = x * y;
    let b = vec![x, y];
    (a, b)
}

// A count returned where a float is declared: a value that is not active, whose zero tangent
// is made from the value as returned.
#[differentiate]
fn annotated_returned_count(x: f64, n: usize) -> f64 {
    if x > 0.0 {
        return n;
    }
    x * 2.0
}

fn plain_returned_count(x: f64, n: usize) -> f64 {
    if x > 0.0 {
        return n;
    }
    x * 2.0
}

// The same, as a component of a returned tuple.
#[differentiate]
fn annotated_returned_count_component(x: f64, n: usize) -> (f64, f64) {
    (x * 2.0, n)
}

fn plain_returned_count_component(x: f64, n: usize) -> (f64, f64) {
    (x * 2.0, n)
}

// An early return of the wrong type, from inside a loop.
#[differentiate]
fn annotated_early_return(x: f64, v: Vec<f64>) -> f64 {
    let mut s = x;
    for i in 0..v.len() {
        if v[i] > 1.0 {
            return v;
        }
        s = s * v[i];
    }
    s
}

fn plain_early_return(x: f64, v: Vec<f64>) -> f64 {
    let mut s = x;
    for i in 0..v.len() {
        if v[i] > 1.0 {
            return v;
        }
        s = s * v[i];
    }
    s
}

// A sum of a float and a slice, both active: the sum's tangent has one type for both terms.
#[differentiate]
fn annotated_sum_of_float_and_slice(x: f64, v: &[f64]) -> f64 {
    let s = x + v;
    s
}

fn plain_sum_of_float_and_slice(x: f64, v: &[f64]) -> f64 {
    let s = x + v;
    s
}

// The negation of a slice, and a constant minus a slice (whose tangent is a negation).
#[differentiate]
fn annotated_negation(x: f64, v: &[f64]) -> f64 {
    let y = -v;
    let z = 2.0 - v;
    x * y * z
}

fn plain_negation(x: f64, v: &[f64]) -> f64 {
    let y = -v;
    let z = 2.0 - v;
    x * y * z
}

// Arguments of float methods that are not active, of the wrong type: a count as the exponent
// of `powi` (rustc suggests a conversion), a float literal there, a count and an integer
// literal where a float belongs.
#[differentiate]
fn annotated_method_arguments(x: f64, n: usize) -> f64 {
    x.powi(n) + x.powi(2.0) + x.max(n) + x.min(0)
}

fn plain_method_arguments(x: f64, n: usize) -> f64 {
    x.powi(n) + x.powi(2.0) + x.max(n) + x.min(0)
}

// Active arguments of float methods of the wrong type: a slice, and a vector.
#[differentiate]
fn annotated_active_arguments(x: f64, v: &[f64], w: Vec<f64>) -> f64 {
    x.atan2(v) + x.max(w)
}

fn plain_active_arguments(x: f64, v: &[f64], w: Vec<f64>) -> f64 {
    x.atan2(v) + x.max(w)
}

// A product of matrices of the wrong shapes: nalgebra's own bound on the inner dimensions.
#[differentiate]
fn annotated_shapes(a: &Matrix2<f64>, v: &Vector3<f64>) -> f64 {
    let w = a * v;
    w.norm()
}

fn plain_shapes(a: &Matrix2<f64>, v: &Vector3<f64>) -> f64 {
    let w = a * v;
    w.norm()
}

// A dot product of vectors of different lengths, reported on the argument.
#[differentiate]
fn annotated_dot_of_shapes(a: Vector2<f64>, v: Vector3<f64>) -> f64 {
    a.dot(&v)
}

fn plain_dot_of_shapes(a: Vector2<f64>, v: Vector3<f64>) -> f64 {
    a.dot(&v)
}

// A binding whose declared type differs from its value's.
#[differentiate]
fn annotated_declared(x: f64) -> f64 {
    let y: f32 = x * 2.0;
    y as f64
}

fn plain_declared(x: f64) -> f64 {
    let y: f32 = x * 2.0;
    y as f64
}

// The same of a variable, and of a float method.
#[differentiate]
fn annotated_declared_variable(x: f64, v: Vec<f64>) -> f64 {
    let y: f64 = v;
    let z: Vec<f64> = x.sin();
    y * z[0]
}

fn plain_declared_variable(x: f64, v: Vec<f64>) -> f64 {
    let y: f64 = v;
    let z: Vec<f64> = x.sin();
    y * z[0]
}

fn main() {}
