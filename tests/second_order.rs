//! Second derivatives through annotated functions, against closed forms and finite differences.
//!
//! - The determinant: det″(A)[U, V] = det(A)·(tr(A⁻¹U)·tr(A⁻¹V) − tr(A⁻¹U·A⁻¹V)).
//! - Symmetric eigenvalues along S(t) = Λ + tE: d²λᵢ/dt² = 2·Σₖ≠ᵢ Eᵢₖ²/(λᵢ − λₖ) at t = 0.
//! - `f_hvp` against the finite difference of the gradient, x ↦ `f_grad(x)`, whose derivative
//!   along v is H·v (Richardson-extrapolated central differences, `matcalc::check::jvp`), for
//!   functions through logdet, inv, solve, eigvalsh, det and scalar loops.
//! - `f_hessian` is symmetric to rounding and its columns are the `f_hvp`s of the unit vectors.
//! - `f_jacobian` against the Jacobian assembled from finite differences, column by column.

mod common;

use common::{Domain, Sampler, assert_close, check_hvp_by_gradient};
use matcalc::check;
use matcalc::linalg::{self, jacobian_matrix};
use matcalc::{Tangent, differentiate};
use nalgebra::{DMatrix, DVector, Vector2};

// =================================================================================== helpers

/// ‖a − b‖ / max(‖a‖, ‖b‖) over the flat views (0 when they are equal).
fn relative_error<T: Tangent<Scalar = f64>>(a: &T, b: &T) -> f64 {
    let (a, b) = (a.to_flat(), b.to_flat());
    assert_eq!(a.len(), b.len(), "shapes differ");
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let difference: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let d = norm(&difference);
    if d == 0.0 {
        0.0
    } else {
        d / norm(&a).max(norm(&b))
    }
}

/// Asserts that `h` is symmetric to a few roundings of its largest entries.
#[track_caller]
fn assert_symmetric(h: &DMatrix<f64>) {
    let asymmetry = (h - h.transpose()).norm();
    assert!(
        asymmetry <= 1e-13 * h.norm().max(1.0),
        "the Hessian is not symmetric: ‖H − Hᵀ‖ = {asymmetry:e}, ‖H‖ = {:e}\n{h}",
        h.norm()
    );
}

/// Checks `hessian` at `x`: symmetric, and column k is `hvp` along the k-th unit vector (the
/// unit vectors built from the flat view of `x`).
#[track_caller]
fn check_hessian_columns<X>(hessian: &DMatrix<f64>, hvp: impl Fn(&X) -> X, x: &X)
where
    X: Tangent<Scalar = f64>,
{
    let n = x.dim();
    assert_eq!(hessian.shape(), (n, n));
    assert_symmetric(hessian);
    let mut unit = vec![0.0; n];
    for k in 0..n {
        unit[k] = 1.0;
        let direction = x.read_flat(&mut unit.as_slice());
        unit[k] = 0.0;
        let column = hvp(&direction).to_flat();
        let expected: Vec<f64> = hessian.column(k).iter().copied().collect();
        assert!(
            relative_error(&column, &expected) <= 1e-14,
            "Hessian column {k} differs from the hvp along e_{k}"
        );
    }
}

/// The Jacobian of `f` at `x` by finite differences: column k is the Richardson-extrapolated
/// derivative along the k-th unit vector.
fn jacobian_by_differences<X, Y>(f: impl Fn(&X) -> Y, x: &X) -> DMatrix<f64>
where
    X: Tangent<Scalar = f64>,
    Y: Tangent<Scalar = f64>,
{
    jacobian_matrix(|x: &X, v: &X| (f(x), check::richardson(&f, x, v).0), x)
}

/// A random `n × n` matrix with entries in (−1, 1) plus `shift`·I: comfortably invertible.
fn shifted(sampler: &mut Sampler, n: usize, shift: f64) -> DMatrix<f64> {
    sampler.matrix(&Domain::new(-1.0, 1.0), n, n) + DMatrix::identity(n, n) * shift
}

// ============================================================== the determinant: det″(A)[U, V]

/// det A, by nalgebra's method.
#[differentiate(hessian)]
fn det_method(a: &DMatrix<f64>) -> f64 {
    a.determinant()
}

/// det A, by the runtime's function.
#[differentiate(hessian)]
fn det_function(a: &DMatrix<f64>) -> f64 {
    linalg::det(a)
}

/// det″(A)[U, V] = det(A)·(tr(A⁻¹U)·tr(A⁻¹V) − tr(A⁻¹U·A⁻¹V)).
fn det_second_derivative(a: &DMatrix<f64>, u: &DMatrix<f64>, v: &DMatrix<f64>) -> f64 {
    let a_inv = a.clone().try_inverse().expect("invertible");
    let (au, av) = (&a_inv * u, &a_inv * v);
    a.determinant() * (au.trace() * av.trace() - (&au * &av).trace())
}

#[test]
fn second_derivative_of_the_determinant_matches_the_formula() {
    let mut sampler = Sampler::seeded();
    for n in [3, 4] {
        for _ in 0..3 {
            let a = sampler.matrix(&Domain::new(-1.5, 1.5), n, n);
            let u = sampler.matrix(&Domain::new(-1.0, 1.0), n, n);
            let v = sampler.matrix(&Domain::new(-1.0, 1.0), n, n);
            let expected = det_second_derivative(&a, &u, &v);

            let (value, gradient, hu) = det_method_hvp(&a, &u);
            assert_close(value, a.determinant(), 1e-14);
            let cofactors = a.clone().try_inverse().unwrap().transpose() * a.determinant();
            assert!(relative_error(&gradient, &cofactors) < 1e-12);
            assert_close(hu.dot(&v), expected, 1e-11);

            let (_, _, hu) = det_function_hvp(&a, &u);
            assert_close(hu.dot(&v), expected, 1e-11);

            // the bilinear form from the Hessian matrix: vec(V)ᵀ·H·vec(U), and symmetric in U, V
            let (_, _, h) = det_method_hessian(&a);
            assert_eq!(h.shape(), (n * n, n * n));
            let (vec_u, vec_v) = (
                DVector::from_column_slice(u.as_slice()),
                DVector::from_column_slice(v.as_slice()),
            );
            assert_close(vec_v.dot(&(&h * &vec_u)), expected, 1e-11);
            assert_close(vec_u.dot(&(&h * &vec_v)), expected, 1e-11);
            assert_symmetric(&h);
        }
    }
}

#[test]
fn second_derivative_of_the_determinant_at_the_identity() {
    // det″(I)[U, V] = tr U·tr V − tr(UV): for U = V = E₁₂ + E₂₁ it is −2
    let n = 3;
    let mut e = DMatrix::zeros(n, n);
    e[(0, 1)] = 1.0;
    e[(1, 0)] = 1.0;
    let (_, _, he) = det_function_hvp(&DMatrix::identity(n, n), &e);
    assert_eq!(he.dot(&e), -2.0);
}

// ============================================== symmetric eigenvalues along S(t) = S₀ + tE

/// The i-th eigenvalue (in nalgebra's order) of S₀ + tE, as a function of t.
#[differentiate(wrt(t), hessian)]
fn eigenvalue_along(t: f64, s0: &DMatrix<f64>, e: &DMatrix<f64>, i: usize) -> f64 {
    let s = s0.clone() + e * t;
    let lambda = s.symmetric_eigenvalues();
    lambda[i]
}

/// The same through `matcalc::linalg::eigvalsh`.
#[differentiate(wrt(t), hessian)]
fn eigvalsh_along(t: f64, s0: &DMatrix<f64>, e: &DMatrix<f64>, i: usize) -> f64 {
    let s = e * t + s0.clone();
    let lambda = linalg::eigvalsh(&s);
    lambda[i]
}

/// Second-order perturbation theory: for S(t) = QΛQᵀ + t·QEQᵀ, λᵢ(t) has first derivative Eᵢᵢ
/// and second derivative 2·Σₖ≠ᵢ Eᵢₖ²/(λᵢ − λₖ) at t = 0.
fn eigenvalue_derivatives(lambda: &[f64], e: &DMatrix<f64>, i: usize) -> (f64, f64) {
    let second = (0..lambda.len())
        .filter(|&k| k != i)
        .map(|k| 2.0 * e[(i, k)].powi(2) / (lambda[i] - lambda[k]))
        .sum();
    (e[(i, i)], second)
}

/// Which eigenvalue of `lambda` the value `v` is (nalgebra does not sort them).
fn position(lambda: &[f64], v: f64) -> usize {
    let (k, distance) = lambda.iter().map(|l| (l - v).abs()).enumerate().fold(
        (0, f64::INFINITY),
        |best, (k, d)| {
            if d < best.1 { (k, d) } else { best }
        },
    );
    assert!(distance < 1e-10, "{v} is not an eigenvalue of {lambda:?}");
    k
}

#[test]
fn second_derivative_of_symmetric_eigenvalues_matches_perturbation_theory() {
    let mut sampler = Sampler::seeded();
    let lambda = [-1.5, -0.4, 0.7, 2.0];
    let n = lambda.len();
    // S₀ = QΛQᵀ with the direction QEQᵀ: first Λ itself (Q = I), then rotated by a random Q
    for q in [DMatrix::identity(n, n), sampler.orthogonal(n)] {
        let e = sampler.matrix(&Domain::new(-1.0, 1.0), n, n);
        let e = (&e + e.transpose()) * 0.5;
        let s0 = &q * DMatrix::from_diagonal(&DVector::from_column_slice(&lambda)) * q.transpose();
        let s0 = (&s0 + s0.transpose()) * 0.5;
        let e_rotated = &q * &e * q.transpose();
        for i in 0..n {
            let (value, first, h) = eigenvalue_along_hessian(0.0, &s0, &e_rotated, i);
            let k = position(&lambda, value);
            let (d1, d2) = eigenvalue_derivatives(&lambda, &e, k);
            assert_close(first, d1, 1e-12);
            assert_close(h[(0, 0)], d2, 1e-11);

            let (_, first, hv) = eigenvalue_along_hvp(0.0, &s0, &e_rotated, i, 1.0);
            assert_close(first, d1, 1e-12);
            assert_close(hv, d2, 1e-11);

            let (value, _, hv) = eigvalsh_along_hvp(0.0, &s0, &e_rotated, i, 1.0);
            let (_, d2) = eigenvalue_derivatives(&lambda, &e, position(&lambda, value));
            assert_close(hv, d2, 1e-11);
        }
    }
}

#[test]
fn eigenvalue_curvatures_sum_to_zero() {
    // Σᵢ λᵢ = tr S is linear in t, so the second derivatives cancel: the pairs in the formula
    // come with opposite signs.
    let mut sampler = Sampler::seeded();
    let s0 = sampler.symmetric_separated::<f64>(5);
    let e = sampler.matrix(&Domain::new(-1.0, 1.0), 5, 5);
    let e = (&e + e.transpose()) * 0.5;
    let total: f64 = (0..5)
        .map(|i| eigenvalue_along_hvp(0.0, &s0, &e, i, 1.0).2)
        .sum();
    let scale: f64 = (0..5)
        .map(|i| eigenvalue_along_hvp(0.0, &s0, &e, i, 1.0).2.abs())
        .sum();
    assert!(total.abs() < 1e-13 * scale, "Σ λᵢ″ = {total:e}");
}

// ================================================ f_hvp against differences of the gradient

/// logdet A · tr A + logdet(AᵀA)/4 (the second term is logdet A/2 again, by another path).
#[differentiate(hessian)]
fn with_logdet(a: &DMatrix<f64>) -> f64 {
    let gram = a.transpose() * a;
    linalg::logdet(a) * a.trace() + linalg::logdet(&gram) * 0.25
}

/// ‖A⁻¹‖² + tr(A⁻¹) by the runtime's `inv` and by nalgebra's `try_inverse`.
#[differentiate(hessian)]
fn with_inverse(a: &DMatrix<f64>) -> f64 {
    let y = linalg::inv(a);
    let z = a.clone().try_inverse().unwrap();
    y.norm_squared() + z.trace()
}

/// ‖A⁻¹b‖² + sin(b₀)·(A⁻¹b)₁, both A and b active.
#[differentiate(hessian)]
fn with_solve(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let x = linalg::solve(a, b);
    x.norm_squared() + b[0].sin() * x[1]
}

/// Σ sin λᵢ + λ_max² for the eigenvalues λ of the symmetric part of A.
#[differentiate(hessian)]
fn with_eigvalsh(a: &DMatrix<f64>) -> f64 {
    let s = (a + a.transpose()) * 0.5;
    let lambda = linalg::eigvalsh(&s);
    let mut total = 0.0;
    let mut largest = lambda[0];
    for i in 0..lambda.len() {
        total += lambda[i].sin();
        largest = largest.max(lambda[i]);
    }
    total + largest * largest
}

/// sin(det A) + det(A)·‖A‖².
#[differentiate(hessian)]
fn with_det(a: &DMatrix<f64>) -> f64 {
    let d = a.determinant();
    d.sin() + d * a.norm_squared()
}

/// Scalar code with loops, a branch and an accumulator: a Rosenbrock chain with a twist.
#[differentiate(hessian)]
fn with_loops(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + k * b * b;
    }
    let mut j = 0;
    let mut p = 1.0;
    while j < x.len() {
        if x[j] > 0.0 {
            p *= (x[j] * k).sin() + 2.0;
        } else {
            p *= x[j].exp();
        }
        j += 1;
    }
    s + p.ln() * x[0]
}

#[test]
fn hvp_through_logdet_is_the_derivative_of_the_gradient() {
    let mut sampler = Sampler::seeded();
    for n in [2, 3, 4] {
        let a = shifted(&mut sampler, n, 3.0);
        check_hvp_by_gradient(
            |a: &DMatrix<f64>| with_logdet_grad(a).1,
            |a: &DMatrix<f64>, v: &DMatrix<f64>| {
                let (_, g, hv) = with_logdet_hvp(a, v);
                (g, hv)
            },
            &a,
            1e-9,
        );
        let (_, _, h) = with_logdet_hessian(&a);
        check_hessian_columns(&h, |v: &DMatrix<f64>| with_logdet_hvp(&a, v).2, &a);
    }
}

#[test]
fn hvp_through_the_inverse_is_the_derivative_of_the_gradient() {
    let mut sampler = Sampler::seeded();
    for n in [2, 3, 4] {
        let a = shifted(&mut sampler, n, 3.0);
        check_hvp_by_gradient(
            |a: &DMatrix<f64>| with_inverse_grad(a).1,
            |a: &DMatrix<f64>, v: &DMatrix<f64>| {
                let (_, g, hv) = with_inverse_hvp(a, v);
                (g, hv)
            },
            &a,
            1e-9,
        );
        let (_, _, h) = with_inverse_hessian(&a);
        check_hessian_columns(&h, |v: &DMatrix<f64>| with_inverse_hvp(&a, v).2, &a);
    }
}

#[test]
fn hvp_through_solve_is_the_derivative_of_the_gradient() {
    let mut sampler = Sampler::seeded();
    for n in [2, 3, 4] {
        let point = (
            shifted(&mut sampler, n, 3.0),
            sampler.vector(&Domain::any(), n),
        );
        check_hvp_by_gradient(
            |p: &(DMatrix<f64>, DVector<f64>)| with_solve_grad(&p.0, &p.1).1,
            |p: &(DMatrix<f64>, DVector<f64>), v: &(DMatrix<f64>, DVector<f64>)| {
                let (_, g, hv) = with_solve_hvp(&p.0, &p.1, &v.0, &v.1);
                (g, hv)
            },
            &point,
            1e-9,
        );
        let (_, _, h) = with_solve_hessian(&point.0, &point.1);
        check_hessian_columns(
            &h,
            |v: &(DMatrix<f64>, DVector<f64>)| with_solve_hvp(&point.0, &point.1, &v.0, &v.1).2,
            &point,
        );
    }
}

#[test]
fn hvp_through_symmetric_eigenvalues_is_the_derivative_of_the_gradient() {
    let mut sampler = Sampler::seeded();
    for n in [2, 3, 4] {
        // separated eigenvalues, so that λ_max is smooth nearby
        let a =
            sampler.symmetric_separated::<f64>(n) + sampler.matrix(&Domain::new(-0.1, 0.1), n, n);
        check_hvp_by_gradient(
            |a: &DMatrix<f64>| with_eigvalsh_grad(a).1,
            |a: &DMatrix<f64>, v: &DMatrix<f64>| {
                let (_, g, hv) = with_eigvalsh_hvp(a, v);
                (g, hv)
            },
            &a,
            1e-9,
        );
        let (_, _, h) = with_eigvalsh_hessian(&a);
        check_hessian_columns(&h, |v: &DMatrix<f64>| with_eigvalsh_hvp(&a, v).2, &a);
    }
}

#[test]
fn hvp_through_the_determinant_is_the_derivative_of_the_gradient() {
    let mut sampler = Sampler::seeded();
    for n in [2, 3, 4] {
        let a = sampler.matrix(&Domain::new(-1.0, 1.0), n, n);
        check_hvp_by_gradient(
            |a: &DMatrix<f64>| with_det_grad(a).1,
            |a: &DMatrix<f64>, v: &DMatrix<f64>| {
                let (_, g, hv) = with_det_hvp(a, v);
                (g, hv)
            },
            &a,
            1e-9,
        );
        let (_, _, h) = with_det_hessian(&a);
        check_hessian_columns(&h, |v: &DMatrix<f64>| with_det_hvp(&a, v).2, &a);
    }
}

#[test]
fn hvp_through_scalar_loops_is_the_derivative_of_the_gradient() {
    let mut sampler = Sampler::seeded();
    for n in [2, 5, 8] {
        // away from 0, where the branch switches
        let x: Vec<f64> = sampler.vec(
            &Domain::new(-1.5, 1.5).avoiding(common::Kinks {
                period: f64::INFINITY,
                phase: 0.0,
                margin: 0.2,
            }),
            n,
        );
        let point = (x, sampler.scalar(&Domain::new(0.5, 2.0)));
        check_hvp_by_gradient(
            |p: &(Vec<f64>, f64)| with_loops_grad(&p.0, p.1).1,
            |p: &(Vec<f64>, f64), v: &(Vec<f64>, f64)| {
                let (_, g, hv) = with_loops_hvp(&p.0, p.1, &v.0, v.1);
                (g, hv)
            },
            &point,
            1e-9,
        );
        let (_, _, h) = with_loops_hessian(&point.0, point.1);
        check_hessian_columns(
            &h,
            |v: &(Vec<f64>, f64)| with_loops_hvp(&point.0, point.1, &v.0, v.1).2,
            &point,
        );
    }
}

/// Float methods whose other arguments are active: items of `.iter()` (references), a local,
/// an element, and the path form. Each such argument goes through `Op::Argument` in the macro,
/// in both modes and in the tangent program.
#[differentiate(hessian)]
fn with_active_method_arguments(x: f64, v: &[f64]) -> f64 {
    let mut s = 0.0;
    for vi in v.iter() {
        s += x.atan2(*vi) + x.max(*vi) + vi.hypot(x);
    }
    let y = x * 0.5;
    s + x.powf(y) + f64::min(y, v[1]) + x.mul_add(y, v[0])
}

#[test]
fn hvp_through_float_methods_of_active_arguments_is_the_derivative_of_the_gradient() {
    let point = (1.25, vec![0.5, -0.75, 2.0]);
    common::check_both(
        |p: &(f64, Vec<f64>)| with_active_method_arguments(p.0, &p.1),
        |p: &(f64, Vec<f64>), d: &(f64, Vec<f64>)| {
            with_active_method_arguments_jvp(p.0, &p.1, d.0, &d.1)
        },
        |p: &(f64, Vec<f64>), y: &f64| with_active_method_arguments_vjp(p.0, &p.1).1(*y),
        &point,
    );
    check_hvp_by_gradient(
        |p: &(f64, Vec<f64>)| {
            let (_, (gx, gv)) = with_active_method_arguments_grad(p.0, &p.1);
            (gx, gv)
        },
        |p: &(f64, Vec<f64>), d: &(f64, Vec<f64>)| {
            let (_, g, hv) = with_active_method_arguments_hvp(p.0, &p.1, d.0, &d.1);
            (g, hv)
        },
        &point,
        1e-9,
    );
    let (_, _, h) = with_active_method_arguments_hessian(point.0, &point.1);
    check_hessian_columns(
        &h,
        |d: &(f64, Vec<f64>)| with_active_method_arguments_hvp(point.0, &point.1, d.0, &d.1).2,
        &point,
    );
}

// ======================================================= f_jacobian against finite differences

/// A nonlinear map R³ → R⁴ (forward mode: fewer inputs than outputs).
#[differentiate]
fn curve(x: &DVector<f64>) -> DVector<f64> {
    DVector::from_vec(vec![
        x[0] * x[1] + x[2].sin(),
        (x[0] - x[2]).exp(),
        x.norm_squared(),
        x[1] / (1.0 + x[0] * x[0]),
    ])
}

/// A → (log|det A|, tr A⁻¹): R⁹ → R² (reverse mode: fewer outputs than inputs).
#[differentiate]
fn invariants(a: &DMatrix<f64>) -> Vector2<f64> {
    let y = linalg::inv(a);
    Vector2::new(linalg::logdet(a), y.trace())
}

/// A ↦ A⁻¹ + AᵀA (a matrix function: as many outputs as inputs).
#[differentiate]
fn inverse_plus_gram(a: &DMatrix<f64>) -> DMatrix<f64> {
    linalg::inv(a) + a.transpose() * a
}

/// A ↦ A⁻¹.
#[differentiate]
fn inverse(a: &DMatrix<f64>) -> DMatrix<f64> {
    linalg::inv(a)
}

/// S ↦ the eigenvalues of (S + Sᵀ)/2 (R⁹ → R³).
#[differentiate]
fn spectrum(a: &DMatrix<f64>) -> DVector<f64> {
    let s = (a + a.transpose()) * 0.5;
    linalg::eigvalsh(&s)
}

#[test]
fn jacobians_match_finite_differences() {
    let mut sampler = Sampler::seeded();

    let x = sampler.vector(&Domain::any(), 3);
    let (value, j) = curve_jacobian(&x);
    assert_eq!(value, curve(&x));
    assert_eq!(j.shape(), (4, 3));
    assert!(relative_error(&j, &jacobian_by_differences(curve, &x)) < 1e-9);

    let a = shifted(&mut sampler, 3, 2.5);
    let (value, j) = invariants_jacobian(&a);
    assert_eq!(value, invariants(&a));
    assert_eq!(j.shape(), (2, 9));
    assert!(relative_error(&j, &jacobian_by_differences(invariants, &a)) < 1e-9);

    let (value, j) = inverse_plus_gram_jacobian(&a);
    assert_eq!(value, inverse_plus_gram(&a));
    assert_eq!(j.shape(), (9, 9));
    assert!(relative_error(&j, &jacobian_by_differences(inverse_plus_gram, &a)) < 1e-9);
    // and the Jacobian of the inverse alone is −A⁻ᵀ⊗A⁻¹
    let y = a.clone().try_inverse().unwrap();
    let (_, j_inv) = inverse_jacobian(&a);
    assert!(relative_error(&j_inv, &-linalg::kronecker(&y.transpose(), &y)) < 1e-13);

    let s = sampler.symmetric_separated::<f64>(3);
    let (value, j) = spectrum_jacobian(&s);
    assert_eq!(value, spectrum(&s));
    assert_eq!(j.shape(), (3, 9));
    assert!(relative_error(&j, &jacobian_by_differences(spectrum, &s)) < 1e-8);
}

#[test]
fn jacobian_of_the_gradient_is_the_hessian() {
    // The Hessian is the Jacobian of the gradient map: by finite differences of `f_grad`.
    let mut sampler = Sampler::seeded();
    let a = shifted(&mut sampler, 3, 3.0);
    let (_, _, h) = with_logdet_hessian(&a);
    let by_differences = jacobian_by_differences(|a: &DMatrix<f64>| with_logdet_grad(a).1, &a);
    assert!(relative_error(&h, &by_differences) < 1e-8);
}

// An inactive reference parameter as an operand of `+` next to an active matrix.
#[differentiate(wrt(t), hessian)]
fn eigenvalue_along_by_reference(t: f64, s0: &DMatrix<f64>, e: &DMatrix<f64>, i: usize) -> f64 {
    let s = s0 + e * t;
    let lambda = s.symmetric_eigenvalues();
    lambda[i]
}

#[test]
fn inactive_reference_operand_of_a_sum() {
    let s0 = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 2.0]));
    let e = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]);
    let (_, _, h) = eigenvalue_along_by_reference_hessian(0.0, &s0, &e, 0);
    assert_close(h[(0, 0)], -2.0, 1e-14);
}
