//! Factorizations called from annotated code, end to end through `#[differentiate(hessian)]`:
//! QR with a triangular solve (least squares), the solves and the inverse by Cholesky, the
//! thin SVD, and the symmetric eigenproblem and singular values at repeated values.
//!
//! - first order: `f_jvp` against finite differences of `f`, `f_vjp` against `f_jvp` by the
//!   dot-product test (`common::check_both`);
//! - second order: `f_hvp` against the Richardson-extrapolated differences of `f_grad`, and
//!   `f_hessian` against the `f_hvp`s of the unit vectors;
//! - at I, diag(1, 1, 2), a rotated cluster and gaps 0, 1e-14, 1e-10 and 1e-6 between two
//!   eigenvalues or singular values, the same comparison for Σλᵢ², Σλᵢ³, a projector onto a
//!   cluster's eigenspace, Σσᵢ³ and the polar factor.

mod common;

use common::{Sampler, check_both, check_hvp_by_gradient};
use matcalc::check;
use matcalc::linalg;
use matcalc::{Tangent, differentiate};
use nalgebra::{DMatrix, DVector};

// =================================================================================== helpers

/// Checks that `hessian` is symmetric and that its columns are `hvp` along the unit vectors.
#[track_caller]
fn check_hessian<X>(hessian: &DMatrix<f64>, hvp: impl Fn(&X) -> X, x: &X)
where
    X: Tangent<Scalar = f64>,
{
    let n = x.dim();
    assert_eq!(hessian.shape(), (n, n));
    assert!(
        (hessian - hessian.transpose()).norm() <= 1e-12 * hessian.norm().max(1.0),
        "the Hessian is not symmetric\n{hessian}"
    );
    let mut unit = vec![0.0; n];
    for k in 0..n {
        unit[k] = 1.0;
        let column = hvp(&x.read_flat(&mut unit.as_slice())).to_flat();
        unit[k] = 0.0;
        for (i, c) in column.iter().enumerate() {
            assert!(
                (hessian[(i, k)] - c).abs() <= 1e-12 * hessian.norm().max(1.0),
                "column {k} of the Hessian is not the hvp of e{k}"
            );
        }
    }
}

/// U·diag(σ)·Vᵀ with random orthonormal U (m×k), V (n×k).
fn with_singular_values(sampler: &mut Sampler, m: usize, n: usize, sigma: &[f64]) -> DMatrix<f64> {
    let k = sigma.len();
    let u = sampler.orthogonal(m).columns(0, k).into_owned();
    let v = sampler.orthogonal(n).columns(0, k).into_owned();
    u * DMatrix::from_diagonal(&DVector::from_column_slice(sigma)) * v.transpose()
}

// ===================================================================== QR and least squares

/// ‖A·x − b‖² + ‖x‖²/10 for the least-squares x = R⁻¹·Qᵀ·b, by `qr` and a triangular solve.
#[differentiate(hessian)]
fn least_squares(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let (q, r) = linalg::qr(a);
    let qtb = q.transpose() * b;
    let x = linalg::solve_upper_triangular(&r, &qtb);
    let residual = a * &x - b;
    residual.norm_squared() + x.norm_squared() * 0.1
}

#[test]
fn least_squares_by_qr_first_and_second_order() {
    let mut sampler = Sampler::seeded();
    for (m, n) in [(3, 2), (5, 3), (4, 4)] {
        let point = (
            with_singular_values(&mut sampler, m, n, &vec![1.5; n][..])
                + DMatrix::from_fn(m, n, |i, j| 0.1 * (i as f64 - j as f64)),
            DVector::from_fn(m, |i, _| 1.0 - 0.3 * i as f64),
        );
        check_both(
            |p: &(DMatrix<f64>, DVector<f64>)| least_squares(&p.0, &p.1),
            |p, d| least_squares_jvp(&p.0, &p.1, &d.0, &d.1),
            |p, y| {
                let (a_bar, b_bar) = least_squares_vjp(&p.0, &p.1).1(*y);
                (a_bar, b_bar)
            },
            &point,
        );
        check_hvp_by_gradient(
            |p: &(DMatrix<f64>, DVector<f64>)| least_squares_grad(&p.0, &p.1).1,
            |p, d| {
                let (_, g, hv) = least_squares_hvp(&p.0, &p.1, &d.0, &d.1);
                (g, hv)
            },
            &point,
            1e-8,
        );
        // the least-squares x is nalgebra's: the residual is orthogonal to the columns of A
        let (q, r) = linalg::qr(&point.0);
        let x = linalg::solve_upper_triangular(&r, &(q.transpose() * &point.1));
        assert!((point.0.transpose() * (&point.0 * &x - &point.1)).norm() < 1e-12);
    }
    let point = (
        with_singular_values(&mut sampler, 3, 2, &[2.0, 1.0]),
        DVector::from_vec(vec![1.0, -1.0, 0.5]),
    );
    let (_, _, h) = least_squares_hessian(&point.0, &point.1);
    check_hessian(
        &h,
        |d: &(DMatrix<f64>, DVector<f64>)| least_squares_hvp(&point.0, &point.1, &d.0, &d.1).2,
        &point,
    );
}

// ================================================================ solves and the inverse by Cholesky

/// bᵀ·A⁻¹·b + tr A⁻¹ + log det A, with A⁻¹b and A⁻¹ by Cholesky and the determinant by LU.
#[differentiate(hessian)]
fn gaussian_terms(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let x = linalg::cholesky_solve(a, b);
    let y = linalg::cholesky_inverse(a);
    b.dot(&x) + y.trace() + a.determinant().ln()
}

/// ‖L⁻¹·b‖² with L the lower triangle of `l`.
#[differentiate(hessian)]
fn whitened(l: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let z = linalg::solve_lower_triangular(l, b);
    z.norm_squared()
}

#[test]
fn cholesky_and_triangular_solves_first_and_second_order() {
    let mut sampler = Sampler::seeded();
    for n in [1, 2, 4] {
        let a = sampler.spd::<f64>(n);
        let b = DVector::from_fn(n, |i, _| 0.5 + i as f64);
        // a symmetric point and symmetric directions: the symmetric rules' derivative is the
        // derivative on symmetric matrices, which finite differences of A ↦ f(A) see there
        let sym = |m: &DMatrix<f64>| (m + m.transpose()) * 0.5;
        check_hvp_by_gradient(
            |p: &(DMatrix<f64>, DVector<f64>)| {
                let (a_bar, b_bar) = gaussian_terms_grad(&sym(&p.0), &p.1).1;
                (sym(&a_bar), b_bar)
            },
            |p, d| {
                let (_, (g_a, g_b), (h_a, h_b)) =
                    gaussian_terms_hvp(&sym(&p.0), &p.1, &sym(&d.0), &d.1);
                ((sym(&g_a), g_b), (sym(&h_a), h_b))
            },
            &(a.clone(), b.clone()),
            1e-8,
        );
        let l = a.cholesky().unwrap().l()
            + DMatrix::from_fn(n, n, |i, j| if i < j { 9.0 } else { 0.0 });
        let point = (l, b);
        check_both(
            |p: &(DMatrix<f64>, DVector<f64>)| whitened(&p.0, &p.1),
            |p, d| whitened_jvp(&p.0, &p.1, &d.0, &d.1),
            |p, y| whitened_vjp(&p.0, &p.1).1(*y),
            &point,
        );
        check_hvp_by_gradient(
            |p: &(DMatrix<f64>, DVector<f64>)| whitened_grad(&p.0, &p.1).1,
            |p, d| {
                let (_, g, hv) = whitened_hvp(&p.0, &p.1, &d.0, &d.1);
                (g, hv)
            },
            &point,
            1e-8,
        );
    }
}

/// Runtime factorizations with an argument left out of `wrt`: the constant matrix gets a zero
/// tangent, and `svd_solve`'s tolerance none, as the runtime's matrix functions take them.
#[differentiate(wrt(b))]
fn solves_with_constant_matrices(l: &DMatrix<f64>, a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let z = linalg::solve_lower_triangular(l, b);
    let x = linalg::svd_solve(a, &z, 1e-12);
    x.norm_squared()
}

#[test]
fn factorizations_of_constant_matrices_differentiate_the_right_hand_side() {
    let l = DMatrix::from_row_slice(3, 3, &[2.0, 0.0, 0.0, 0.5, 1.5, 0.0, -0.3, 0.2, 1.2]);
    let a = DMatrix::from_row_slice(3, 3, &[3.0, 1.0, 0.0, 1.0, 2.0, 0.5, 0.0, 0.5, 1.5]);
    let b = DVector::from_vec(vec![1.0, -2.0, 0.5]);
    check_both(
        |b: &DVector<f64>| solves_with_constant_matrices(&l, &a, b),
        |b, d| solves_with_constant_matrices_jvp(&l, &a, b, d),
        |b, y| solves_with_constant_matrices_vjp(&l, &a, b).1(*y),
        &b,
    );
}

// ================================================================================== the SVD

/// Σσᵢ³ + ⟨W, U·Vᵀ⟩ through the thin SVD: a function of the singular values, and the polar
/// factor, which the signs of the singular vectors do not change.
#[differentiate(hessian, wrt(a))]
fn singular_loss(a: &DMatrix<f64>, w: &DMatrix<f64>) -> f64 {
    let (u, sigma, v_t) = linalg::svd(a);
    let mut cubes = 0.0;
    for i in 0..sigma.len() {
        cubes += sigma[i].powi(3);
    }
    let polar = u * v_t;
    cubes + polar.dot(w)
}

#[test]
fn svd_first_and_second_order() {
    let mut sampler = Sampler::seeded();
    for (m, n) in [(3, 2), (2, 3), (3, 3)] {
        let k = m.min(n);
        let sigma: Vec<f64> = (0..k).map(|i| 2.0 - 0.5 * i as f64).collect();
        let a = with_singular_values(&mut sampler, m, n, &sigma);
        let w = DMatrix::from_fn(m, n, |i, j| (i as f64 - j as f64) * 0.3 + 0.1);
        check_both(
            |a: &DMatrix<f64>| singular_loss(a, &w),
            |a, d| singular_loss_jvp(a, &w, d),
            |a, y| singular_loss_vjp(a, &w).1(*y),
            &a,
        );
        check_hvp_by_gradient(
            |a: &DMatrix<f64>| singular_loss_grad(a, &w).1,
            |a, d| {
                let (_, g, hv) = singular_loss_hvp(a, &w, d);
                (g, hv)
            },
            &a,
            1e-8,
        );
    }
}

// ============================================== repeated eigenvalues and singular values

/// Σλᵢ² of the symmetric part of X, by `symmetric_eigenvalues`.
#[differentiate(hessian)]
fn sum_of_squares(x: &DMatrix<f64>) -> f64 {
    let s = (x + x.transpose()) * 0.5;
    let lambda = s.symmetric_eigenvalues();
    lambda.norm_squared()
}

/// Σλᵢ³ of the symmetric part of X, by `linalg::eigvalsh`.
#[differentiate(hessian)]
fn sum_of_cubes(x: &DMatrix<f64>) -> f64 {
    let s = (x + x.transpose()) * 0.5;
    let lambda = linalg::eigvalsh(&s);
    let mut total = 0.0;
    for i in 0..lambda.len() {
        total += lambda[i].powi(3);
    }
    total
}

/// ⟨W, P⟩ with P the projector onto the eigenvectors of eigenvalues below 1.5, by
/// `symmetric_eigen`: smooth though its eigenvectors are not.
#[differentiate(hessian, wrt(x))]
fn projector(x: &DMatrix<f64>, w: &DMatrix<f64>) -> f64 {
    let s = (x + x.transpose()) * 0.5;
    let eigen = s.symmetric_eigen();
    let mut total = 0.0;
    for i in 0..eigen.eigenvalues.len() {
        if eigen.eigenvalues[i] < 1.5 {
            let q = eigen.eigenvectors.column(i);
            let wq = w * q;
            total += q.dot(&wq);
        }
    }
    total
}

/// Σσᵢ³ by `singular_values`.
#[differentiate(hessian)]
fn singular_cubes(a: &DMatrix<f64>) -> f64 {
    let sigma = a.singular_values();
    let mut total = 0.0;
    for i in 0..sigma.len() {
        total += sigma[i].powi(3);
    }
    total
}

/// The tolerance of an HVP at values with smallest gap `g` (the analysis beside the rules, in
/// `factorization/eigen.rs`): a gap the second-order rules treat as repeated
/// (g ≤ ε^(1/3)/4·max) costs O(g), one they resolve about ε/g², and the differences of the
/// gradient, resolved by the first-order rules, about ε/g.
fn tolerance(values: &[f64]) -> f64 {
    let largest = values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut gap = f64::INFINITY;
    for (i, x) in values.iter().enumerate() {
        for y in &values[..i] {
            if (x - y).abs() > 1e-12 {
                gap = gap.min((x - y).abs());
            }
        }
    }
    let second = if gap <= f64::EPSILON.cbrt() / 4.0 * largest {
        8.0 * gap
    } else {
        f64::EPSILON / (gap * gap)
    };
    1e-8 + second + 16.0 * f64::EPSILON / gap
}

/// `hvp(x, u)` against the Richardson-extrapolated difference of `grad` along `u`.
#[track_caller]
fn assert_hvp(
    what: &str,
    x: &DMatrix<f64>,
    u: &DMatrix<f64>,
    grad: impl Fn(&DMatrix<f64>) -> DMatrix<f64>,
    hvp: impl Fn(&DMatrix<f64>, &DMatrix<f64>) -> DMatrix<f64>,
    tolerance: f64,
) {
    let (got, expected) = (hvp(x, u), check::richardson(&grad, x, u).0);
    let error = (&got - &expected).norm() / expected.norm().max(1.0);
    assert!(
        error <= tolerance,
        "{what}: error {error:e} > {tolerance:e}\n{got}\n{expected}"
    );
}

#[test]
fn hessian_of_the_eigenvalues_at_the_identity_along_an_off_diagonal_direction() {
    // Σλᵢ² = ‖S‖²: the HVP along E = e₁e₂ᵀ + e₂e₁ᵀ is 2E, all of it off the diagonal
    let x = DMatrix::<f64>::identity(3, 3);
    let mut e = DMatrix::zeros(3, 3);
    e[(0, 1)] = 1.0;
    e[(1, 0)] = 1.0;
    let (_, g, hv) = sum_of_squares_hvp(&x, &e);
    assert!((hv - &e * 2.0).norm() < 1e-14 && (g - &x * 2.0).norm() < 1e-14);
    let (_, _, h) = sum_of_squares_hessian(&x);
    check_hessian(&h, |u: &DMatrix<f64>| sum_of_squares_hvp(&x, u).2, &x);
    // Σσᵢ³ at I along the symmetric E: σ(I + tE) = (1 + t, 1 − t, 1), so the HVP is 6E
    let (_, _, hv) = singular_cubes_hvp(&x, &e);
    assert!((&hv - &e * 6.0).norm() < 1e-13, "{hv}");
}

#[test]
fn second_order_at_repeated_eigenvalues_through_the_macro() {
    let mut sampler = Sampler::seeded();
    let q = sampler.orthogonal(3);
    let rotated = |lambda: &[f64]| {
        &q * DMatrix::from_diagonal(&DVector::from_column_slice(lambda)) * q.transpose()
    };
    let mut points = vec![
        ("I₃", vec![1.0, 1.0, 1.0], DMatrix::identity(3, 3)),
        (
            "diag(1, 1, 2)",
            vec![1.0, 1.0, 2.0],
            DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 1.0, 2.0])),
        ),
    ];
    for gap in [0.0, 1e-14, 1e-10, 1e-6] {
        let lambda = vec![1.0, 1.0 + gap, 2.0];
        let x = rotated(&lambda);
        points.push(("Q·diag(1, 1 + g, 2)·Qᵀ", lambda, x));
    }
    let w = sampler.matrix::<f64>(&common::Domain::new(-1.0, 1.0), 3, 3);
    for (name, lambda, x) in &points {
        let tolerance = tolerance(lambda);
        for _ in 0..2 {
            let u = sampler.matrix::<f64>(&common::Domain::new(-1.0, 1.0), 3, 3);
            assert_hvp(
                &format!("Σλ² at {name} {lambda:?}"),
                x,
                &u,
                |x| sum_of_squares_grad(x).1,
                |x, u| sum_of_squares_hvp(x, u).2,
                tolerance,
            );
            assert_hvp(
                &format!("Σλ³ at {name} {lambda:?}"),
                x,
                &u,
                |x| sum_of_cubes_grad(x).1,
                |x, u| sum_of_cubes_hvp(x, u).2,
                tolerance,
            );
            assert_hvp(
                &format!("⟨W, P⟩ at {name} {lambda:?}"),
                x,
                &u,
                |x| projector_grad(x, &w).1,
                |x, u| projector_hvp(x, &w, u).2,
                tolerance,
            );
            // the same values as singular values: Σσᵢ³ of Q·diag(λ)·Vᵀ
            let v = sampler.orthogonal(3);
            let a =
                &q * DMatrix::from_diagonal(&DVector::from_column_slice(lambda)) * v.transpose();
            assert_hvp(
                &format!("Σσ³ at {name} {lambda:?}"),
                &a,
                &u,
                |a| singular_cubes_grad(a).1,
                |a, u| singular_cubes_hvp(a, u).2,
                tolerance,
            );
            let w = &w * 1.0;
            assert_hvp(
                &format!("Σσ³ + ⟨W, U·Vᵀ⟩ at {name} {lambda:?}"),
                &a,
                &u,
                |a| singular_loss_grad(a, &w).1,
                |a, u| singular_loss_hvp(a, &w, u).2,
                tolerance,
            );
        }
    }
}
