//! Iterator chains that end in a reduction (`sum`, `product`, `fold`, `max_by`, `min_by`,
//! `reduce`, `collect`), through maps and filters, written as people write them: each checked in forward mode against finite differences, in reverse mode by the
//! dot-product test, and its Hessian-vector products against central differences of its
//! gradient.

use crate::common::{Domain, Sampler, assert_close, check_at};
use matcalc::differentiate;
use nalgebra::DVector;

/// A few points with entries in [-1.5, 1.5].
fn points(n: usize) -> Vec<Vec<f64>> {
    let mut s = Sampler::seeded();
    (0..4).map(|_| s.vec(&Domain::new(-1.5, 1.5), n)).collect()
}

/// Checks a function of one buffer, `f`, with its `f_jvp` and `f_vjp`, at `points`.
fn check_buffer_function<P: Fn(f64) -> Vec<f64>>(
    f: fn(&[f64]) -> f64,
    f_jvp: fn(&[f64], &[f64]) -> (f64, f64),
    f_vjp: fn(&[f64]) -> (f64, P),
    points: &[Vec<f64>],
) {
    check_at(
        |x: &Vec<f64>| f(x),
        |x: &Vec<f64>, d: &Vec<f64>| f_jvp(x, d),
        |x: &Vec<f64>, y: &f64| f_vjp(x).1(*y),
        points,
    );
}

#[differentiate(hessian)]
fn sum_of_squares(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>()
}

#[differentiate(hessian)]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y.iter()).map(|(a, b)| a * b).sum()
}

#[differentiate(hessian)]
fn weighted_sines(x: &[f64]) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, v)| (i as f64 + 1.0) * v.sin())
        .sum::<f64>()
}

#[differentiate(hessian)]
fn largest(x: &[f64]) -> f64 {
    x.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

#[differentiate(hessian)]
fn tanh_sum(x: &[f64]) -> f64 {
    x.iter().copied().map(f64::tanh).sum()
}

#[differentiate(hessian)]
fn product(x: &[f64]) -> f64 {
    x.iter().map(|v| 1.0 + v * v).product::<f64>()
}

#[differentiate(hessian)]
fn discounted(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |acc, v| 0.5 * acc + v.exp())
}

/// Log-sum-exp with the max trick, the way it is usually written.
#[differentiate(hessian)]
fn logsumexp(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = x.iter().map(|v| (v - m).exp()).sum();
    m + total.ln()
}

#[differentiate(hessian)]
fn neighbours(x: &[f64], n: usize) -> f64 {
    (0..n).map(|i| x[i] * x[(i + 1) % n]).sum::<f64>()
}

#[differentiate(hessian)]
fn mapped_twice(x: &[f64]) -> f64 {
    x.iter().copied().map(|v| v * 2.0).map(f64::cos).sum()
}

#[differentiate(hessian)]
fn nested(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .map(|a| y.iter().map(|b| (a - b) * (a - b)).sum::<f64>())
        .sum()
}

#[differentiate(hessian)]
fn positive_squares(x: &[f64]) -> f64 {
    x.iter().filter(|v| **v > 0.0).map(|v| v * v).sum::<f64>()
}

/// Every other pair of a zip, by an enumerate's index.
#[differentiate(hessian)]
fn even_pairs(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y.iter())
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, (a, b))| a * b.sin())
        .sum()
}

#[differentiate(hessian)]
fn largest_by(x: &[f64]) -> f64 {
    x.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap()
}

/// `max_by` and `min_by` over references, with and without a `*`, by `partial_cmp`.
#[differentiate(hessian)]
fn spread(x: &[f64]) -> f64 {
    let smallest = *x.iter().min_by(|a, b| a.partial_cmp(b).unwrap()).unwrap();
    x.iter().max_by(|a, b| a.total_cmp(b)).expect("not empty") - smallest
}

/// The largest of a mapped chain, compared by a path.
#[differentiate(hessian)]
fn largest_of_a_map(x: &[f64]) -> f64 {
    x.iter()
        .map(|v| v.sin() * v)
        .max_by(f64::total_cmp)
        .unwrap()
}

#[differentiate(hessian)]
fn reduced(x: &[f64]) -> f64 {
    let nested = x.iter().copied().reduce(|a, b| a * b.cos() + b).unwrap();
    nested + x.iter().copied().reduce(f64::min).unwrap()
}

/// Buffers collected from chains, by a typed `let` and by a turbofish, then zipped.
#[differentiate(hessian)]
fn collected(x: &[f64]) -> f64 {
    let squares: Vec<f64> = x.iter().map(|v| v * v).collect();
    let sines = x
        .iter()
        .filter(|v| v.abs() < 1.0)
        .map(|v| v.sin())
        .collect::<Vec<_>>();
    squares
        .iter()
        .zip(sines.iter())
        .map(|(a, b)| a * b)
        .sum::<f64>()
}

#[test]
fn filters_maxima_reductions_and_collections() {
    let y = [0.5, -1.0, 2.0, 0.25, 1.5];
    let at = points(5);
    check_buffer_function(
        positive_squares,
        positive_squares_jvp,
        positive_squares_vjp,
        &at,
    );
    check_at(
        |x: &Vec<f64>| even_pairs(x, &y),
        |x: &Vec<f64>, d: &Vec<f64>| even_pairs_jvp(x, &y, d, &[0.0; 5]),
        |x: &Vec<f64>, s: &f64| even_pairs_vjp(x, &y).1(*s).0,
        &at,
    );
    check_buffer_function(largest_by, largest_by_jvp, largest_by_vjp, &at);
    check_buffer_function(spread, spread_jvp, spread_vjp, &at);
    check_buffer_function(
        largest_of_a_map,
        largest_of_a_map_jvp,
        largest_of_a_map_vjp,
        &at,
    );
    check_buffer_function(reduced, reduced_jvp, reduced_vjp, &at);
    check_buffer_function(collected, collected_jvp, collected_vjp, &at);
    for x in at {
        check_hvp(
            |x| positive_squares_grad(x).1,
            |x, v| positive_squares_hvp(x, v).2,
            &x,
        );
        check_hvp(
            |x| even_pairs_grad(x, &y).1.0,
            |x, v| even_pairs_hvp(x, &y, v, &[0.0; 5]).2.0,
            &x,
        );
        check_hvp(|x| spread_grad(x).1, |x, v| spread_hvp(x, v).2, &x);
        check_hvp(
            |x| largest_of_a_map_grad(x).1,
            |x, v| largest_of_a_map_hvp(x, v).2,
            &x,
        );
        check_hvp(|x| reduced_grad(x).1, |x, v| reduced_hvp(x, v).2, &x);
        check_hvp(|x| collected_grad(x).1, |x, v| collected_hvp(x, v).2, &x);
    }
    // what each computes, against the same reduction written with std's iterators
    let x = [0.3, -1.2, 1.1, 0.4, -0.1];
    let (largest, gradient) = largest_by_grad(&x);
    assert_eq!(largest, 1.1);
    assert_eq!(gradient, vec![0.0, 0.0, 1.0, 0.0, 0.0]);
    let (value, gradient) = spread_grad(&x);
    assert_eq!(value, 1.1 - -1.2);
    assert_eq!(gradient, vec![0.0, -1.0, 1.0, 0.0, 0.0]);
    let positive: f64 = x.iter().filter(|v| **v > 0.0).map(|v| v * v).sum();
    assert_eq!(positive_squares(&x), positive);
    assert_eq!(positive_squares_grad(&x).0, positive);
}

/// A matrix scaled by the items of `xs.iter()` read with `*x`: the float, not a reference to it.
#[differentiate]
fn scaled_state(s0: &DVector<f64>, xs: &[f64]) -> f64 {
    let mut s = s0.clone();
    for x in xs.iter() {
        s = &s * *x + s0;
    }
    s.norm_squared()
}

#[test]
fn items_read_through_a_deref_times_a_matrix() {
    let s0 = DVector::from_vec(vec![0.5, -1.0, 0.25]);
    let xs = vec![0.9, -0.4, 1.3];
    check_at(
        |p: &(DVector<f64>, Vec<f64>)| scaled_state(&p.0, &p.1),
        |p: &(DVector<f64>, Vec<f64>), d: &(DVector<f64>, Vec<f64>)| {
            scaled_state_jvp(&p.0, &p.1, &d.0, &d.1)
        },
        |p: &(DVector<f64>, Vec<f64>), y: &f64| scaled_state_vjp(&p.0, &p.1).1(*y),
        &[(s0, xs)],
    );
}

#[test]
fn ties_go_as_in_std() {
    // `max_by` keeps the last of equal items, `min_by` the first: the gradient goes to it
    let x = [1.0, -2.0, 1.0, -2.0];
    assert_eq!(spread_grad(&x).1, vec![0.0, -1.0, 1.0, 0.0]);
}

#[test]
#[should_panic(expected = "an empty iterator has no item to unwrap")]
fn an_empty_maximum_panics_as_unwrap_does() {
    largest_by_grad(&[]);
}

#[test]
fn sum_of_a_map() {
    check_buffer_function(
        sum_of_squares,
        sum_of_squares_jvp,
        sum_of_squares_vjp,
        &points(5),
    );
}

#[test]
fn sum_of_a_zip() {
    let y = [0.5, -1.0, 2.0, 0.25];
    check_at(
        |x: &Vec<f64>| dot(x, &y),
        |x: &Vec<f64>, d: &Vec<f64>| dot_jvp(x, &y, d, &[0.0; 4]),
        |x: &Vec<f64>, s: &f64| dot_vjp(x, &y).1(*s).0,
        &points(4),
    );
}

#[test]
fn sum_of_an_enumerate() {
    check_buffer_function(
        weighted_sines,
        weighted_sines_jvp,
        weighted_sines_vjp,
        &points(6),
    );
}

#[test]
fn fold_with_a_float_method_path() {
    // away from ties, where the maximum is differentiable
    let at = vec![vec![0.3, -1.2, 1.1, 0.4], vec![-0.2, 0.9, -0.7, 0.1]];
    check_buffer_function(largest, largest_jvp, largest_vjp, &at);
    let (value, gradient) = largest_grad(&at[0]);
    assert_eq!(value, 1.1);
    assert_eq!(gradient, vec![0.0, 0.0, 1.0, 0.0]);
}

#[test]
fn map_by_a_path_and_twice() {
    check_buffer_function(tanh_sum, tanh_sum_jvp, tanh_sum_vjp, &points(5));
    check_buffer_function(mapped_twice, mapped_twice_jvp, mapped_twice_vjp, &points(5));
}

#[test]
fn product_and_fold_with_a_closure() {
    check_buffer_function(product, product_jvp, product_vjp, &points(5));
    check_buffer_function(discounted, discounted_jvp, discounted_vjp, &points(5));
}

#[test]
fn logsumexp_with_the_max_trick() {
    check_buffer_function(logsumexp, logsumexp_jvp, logsumexp_vjp, &points(6));
    // the gradient is the softmax
    let x = [0.5_f64, -1.0, 2.0];
    let total: f64 = x.iter().map(|v| v.exp()).sum();
    let (_, gradient) = logsumexp_grad(&x);
    for (g, v) in gradient.iter().zip(x) {
        assert_close(*g, v.exp() / total, 1e-14);
    }
}

#[test]
fn range_source_and_nested_chains() {
    check_at(
        |x: &Vec<f64>| neighbours(x, 5),
        |x: &Vec<f64>, d: &Vec<f64>| neighbours_jvp(x, 5, d),
        |x: &Vec<f64>, y: &f64| neighbours_vjp(x, 5).1(*y),
        &points(5),
    );
    let y = [0.5, -1.0, 2.0];
    check_at(
        |x: &Vec<f64>| nested(x, &y),
        |x: &Vec<f64>, d: &Vec<f64>| nested_jvp(x, &y, d, &[0.0; 3]),
        |x: &Vec<f64>, s: &f64| nested_vjp(x, &y).1(*s).0,
        &points(4),
    );
}

/// `f_hvp` along `v` against the central difference of `f_grad` along `v`.
fn check_hvp(
    grad: impl Fn(&[f64]) -> Vec<f64>,
    hvp: impl Fn(&[f64], &[f64]) -> Vec<f64>,
    x: &[f64],
) {
    let v: Vec<f64> = (0..x.len()).map(|i| 0.3 + 0.2 * i as f64).collect();
    let h = 1e-5;
    let shifted = |s: f64| -> Vec<f64> { x.iter().zip(&v).map(|(a, b)| a + s * b).collect() };
    let (plus, minus) = (grad(&shifted(h)), grad(&shifted(-h)));
    let exact = hvp(x, &v);
    for i in 0..x.len() {
        let difference = (plus[i] - minus[i]) / (2.0 * h);
        assert!(
            (exact[i] - difference).abs() <= 1e-6 * (1.0 + difference.abs()),
            "entry {i}: {} against {difference}",
            exact[i]
        );
    }
}

#[test]
fn hessian_vector_products_of_chains() {
    for x in points(5) {
        check_hvp(
            |x| sum_of_squares_grad(x).1,
            |x, v| sum_of_squares_hvp(x, v).2,
            &x,
        );
        check_hvp(|x| product_grad(x).1, |x, v| product_hvp(x, v).2, &x);
        check_hvp(|x| logsumexp_grad(x).1, |x, v| logsumexp_hvp(x, v).2, &x);
        let y = [0.5, -1.0, 2.0, 0.25, 1.5];
        check_hvp(
            |x| dot_grad(x, &y).1.0,
            |x, v| dot_hvp(x, &y, v, &[0.0; 5]).2.0,
            &x,
        );
        check_hvp(
            |x| weighted_sines_grad(x).1,
            |x, v| weighted_sines_hvp(x, v).2,
            &x,
        );
        check_hvp(|x| tanh_sum_grad(x).1, |x, v| tanh_sum_hvp(x, v).2, &x);
        check_hvp(|x| discounted_grad(x).1, |x, v| discounted_hvp(x, v).2, &x);
        check_hvp(
            |x| mapped_twice_grad(x).1,
            |x, v| mapped_twice_hvp(x, v).2,
            &x,
        );
        check_hvp(
            |x| neighbours_grad(x, 5).1,
            |x, v| neighbours_hvp(x, 5, v).2,
            &x,
        );
        check_hvp(
            |x| nested_grad(x, &y).1.0,
            |x, v| nested_hvp(x, &y, v, &[0.0; 5]).2.0,
            &x,
        );
    }
    // away from ties, where the maximum is differentiable (its Hessian is zero)
    let x = [0.3, -1.2, 1.1, 0.4];
    check_hvp(|x| largest_grad(x).1, |x, v| largest_hvp(x, v).2, &x);
}
