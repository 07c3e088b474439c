//! Tests of the factorizations of `rules/linalg/factorization/` in first order (the harness of
//! `support`: forward mode against Richardson-extrapolated finite differences, reverse mode
//! against forward mode by the dot-product test): Cholesky and its solves, the symmetric
//! eigenproblem, singular values, triangular solves, QR and the SVD, dynamic and static, f64
//! and f32, on inputs drawn per rule (A·Aᵀ + I, separated eigenvalues, full column rank).

mod support;

use matcalc_runtime::linalg::*;
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};
use support::canonical_svd;
use support::*;

/// The sizes every rule is checked at (dynamic).
const SIZES: std::ops::RangeInclusive<usize> = 1..=6;

// ============================================================================ factorizations

/// `cholesky` of (X + Xᵀ)/2 where that is positive definite, NaN elsewhere: the first steps of
/// the finite differences may leave the domain (they are relative to the largest entry), and a
/// NaN there only discards those steps, where the primal would panic.
fn cholesky_or_nan<T, D>(x: &nalgebra::OMatrix<T, D, D>) -> nalgebra::OMatrix<T, D, D>
where
    T: matcalc_runtime::Real + nalgebra::RealField,
    D: nalgebra::Dim,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<D, D>,
{
    let s = (x + x.transpose()) * <T as matcalc_runtime::Real>::from_f64(0.5);
    match nalgebra::Cholesky::new(s.clone()) {
        Some(_) => cholesky(&s),
        None => s.map(|_| <T as matcalc_runtime::Real>::from_f64(f64::NAN)),
    }
}

#[test]
fn cholesky_of_spd_matrices() {
    // The rule differentiates A ↦ chol((A + Aᵀ)/2), so the finite differences go through the
    // same symmetrization.
    fn check_cholesky(a: DMatrix<f64>) {
        check_rule(
            "cholesky",
            &a,
            cholesky_or_nan,
            |a, a_dot| cholesky_jvp(&sym(a), a_dot),
            |a, l_bar| {
                let (l, pullback) = cholesky_vjp(&sym(a));
                assert_same("cholesky", &l, &cholesky(a));
                let a_bar = pullback(l_bar.clone());
                assert_eq!(a_bar, a_bar.transpose(), "a symmetric adjoint");
                a_bar
            },
        );
    }
    let mut rng = rng(7);
    for n in SIZES {
        check_cholesky(spd(&mut rng, n));
    }
    let a: Matrix3<f64> = fixed(&spd(&mut rng, 3));
    let sym3 = |x: &Matrix3<f64>| (x + x.transpose()) * 0.5;
    check_rule(
        "cholesky (Matrix3)",
        &a,
        cholesky_or_nan,
        |a, a_dot| cholesky_jvp(&sym3(a), a_dot),
        |a, l_bar| cholesky_vjp(&sym3(a)).1(*l_bar),
    );
    let a: Matrix3<f32> = a.cast();
    let sym3 = |x: &Matrix3<f32>| (x + x.transpose()) * 0.5;
    check_rule(
        "cholesky (Matrix3<f32>)",
        &a,
        cholesky_or_nan,
        |a, a_dot| cholesky_jvp(&sym3(a), a_dot),
        |a, l_bar| cholesky_vjp(&sym3(a)).1(*l_bar),
    );
}

/// A loss of the eigendecomposition that is invariant under the signs of the eigenvectors:
/// (λ sorted, Σₖ cₖ·q₍ₖ₎q₍ₖ₎ᵀ with q₍ₖ₎ the eigenvector of the k-th smallest eigenvalue),
/// evaluated through `eigh`, `eigh_jvp` or `eigh_vjp` of (X + Xᵀ)/2.
mod eigen_loss {
    use super::*;

    pub type Y = (DVector<f64>, DMatrix<f64>);

    fn weight(k: usize) -> f64 {
        1.0 + k as f64 * 0.75
    }

    pub fn value(x: &DMatrix<f64>) -> Y {
        let (lambda, q) = eigh(&sym(x));
        assemble(&lambda, &q)
    }

    fn assemble(lambda: &DVector<f64>, q: &DMatrix<f64>) -> Y {
        let n = lambda.len();
        let order = order(lambda.as_slice());
        let sorted = DVector::from_fn(n, |k, _| lambda[order[k]]);
        let mut p = DMatrix::zeros(n, n);
        for (k, i) in order.iter().enumerate() {
            p += q.column(*i) * q.column(*i).transpose() * weight(k);
        }
        (sorted, p)
    }

    pub fn jvp(x: &DMatrix<f64>, x_dot: &DMatrix<f64>) -> (Y, Y) {
        let ((lambda, q), (lambda_dot, q_dot)) = eigh_jvp(&sym(x), x_dot);
        let n = lambda.len();
        let order = order(lambda.as_slice());
        let sorted_dot = DVector::from_fn(n, |k, _| lambda_dot[order[k]]);
        let mut p_dot = DMatrix::zeros(n, n);
        for (k, i) in order.iter().enumerate() {
            let outer = q_dot.column(*i) * q.column(*i).transpose();
            p_dot += (&outer + outer.transpose()) * weight(k);
        }
        (assemble(&lambda, &q), (sorted_dot, p_dot))
    }

    pub fn vjp(x: &DMatrix<f64>, y_bar: &Y) -> DMatrix<f64> {
        let ((lambda, q), pullback) = eigh_vjp(&sym(x));
        let n = lambda.len();
        let order = order(lambda.as_slice());
        let mut lambda_bar = DVector::zeros(n);
        let mut q_bar = DMatrix::zeros(n, n);
        let p_bar = &y_bar.1 + y_bar.1.transpose();
        for (k, i) in order.iter().enumerate() {
            lambda_bar[*i] = y_bar.0[k];
            q_bar.set_column(*i, &(&p_bar * q.column(*i) * weight(k)));
        }
        let s_bar = pullback((lambda_bar, q_bar));
        assert!(
            (&s_bar - s_bar.transpose()).norm() == 0.0,
            "a symmetric adjoint"
        );
        s_bar
    }
}

#[test]
fn eigh_through_a_sign_invariant_loss() {
    let mut rng = rng(8);
    for n in SIZES {
        let s = symmetric_separated(&mut rng, n);
        check_rule(
            "eigh",
            &s,
            eigen_loss::value,
            eigen_loss::jvp,
            eigen_loss::vjp,
        );
    }
}

#[test]
fn eigh_static_and_f32() {
    let mut rng = rng(9);
    let s: Matrix3<f64> = fixed(&symmetric_separated(&mut rng, 3));
    // A sign-invariant output: Q·diag(w)·Qᵀ with weights that follow the eigenvalues, a smooth
    // function of S for separated eigenvalues whatever the order of the pairs.
    let weights = |lambda: &Vector3<f64>| lambda.map(|l| l * l);
    let sym3 = |x: &Matrix3<f64>| (x + x.transpose()) * 0.5;
    check_rule(
        "eigh (Matrix3)",
        &s,
        |x| {
            let (lambda, q) = eigh(&sym3(x));
            q * Matrix3::from_diagonal(&weights(&lambda)) * q.transpose()
        },
        |x, x_dot| {
            let ((lambda, q), (lambda_dot, q_dot)) = eigh_jvp(&sym3(x), x_dot);
            let w = Matrix3::from_diagonal(&weights(&lambda));
            let w_dot = Matrix3::from_diagonal(&lambda.component_mul(&lambda_dot).map(|v| 2.0 * v));
            let y = q * w * q.transpose();
            let y_dot =
                q_dot * w * q.transpose() + q * w_dot * q.transpose() + q * w * q_dot.transpose();
            (y, y_dot)
        },
        |x, y_bar| {
            let ((lambda, q), pullback) = eigh_vjp(&sym3(x));
            let w = Matrix3::from_diagonal(&weights(&lambda));
            // Y = Q·W·Qᵀ: Q̄ = (Ȳ + Ȳᵀ)·Q·W, W̄ = Qᵀ·Ȳ·Q, λ̄ = 2λ ∘ diag(W̄)
            let q_bar = (y_bar + y_bar.transpose()) * q * w;
            let lambda_bar = (q.transpose() * y_bar * q)
                .diagonal()
                .component_mul(&lambda)
                .map(|v| 2.0 * v);
            pullback((lambda_bar, q_bar))
        },
    );
    let s32: Matrix3<f32> = s.cast();
    let sym3 = |x: &Matrix3<f32>| (x + x.transpose()) * 0.5;
    check_rule(
        "eigvalsh (Matrix3<f32>)",
        &s32,
        |x| {
            let mut v = eigvalsh(&sym3(x)).as_slice().to_vec();
            v.sort_by(f32::total_cmp);
            Vector3::from_vec(v)
        },
        |x, x_dot| {
            let (lambda, lambda_dot) = eigvalsh_jvp(&sym3(x), x_dot);
            let o = order(lambda.map(f64::from).as_slice());
            (
                Vector3::from_fn(|k, _| lambda[o[k]]),
                Vector3::from_fn(|k, _| lambda_dot[o[k]]),
            )
        },
        |x, y_bar| {
            let (lambda, pullback) = eigvalsh_vjp(&sym3(x));
            let o = order(lambda.map(f64::from).as_slice());
            let mut lambda_bar = Vector3::zeros();
            for (k, i) in o.iter().enumerate() {
                lambda_bar[*i] = y_bar[k];
            }
            pullback(lambda_bar)
        },
    );
}

#[test]
fn eigvalsh_dynamic() {
    let mut rng = rng(10);
    for n in SIZES {
        let s = symmetric_separated(&mut rng, n);
        check_rule(
            "eigvalsh",
            &s,
            |x| {
                let mut v = eigvalsh(&sym(x)).as_slice().to_vec();
                v.sort_by(f64::total_cmp);
                DVector::from_vec(v)
            },
            |x, x_dot| {
                let (lambda, lambda_dot) = eigvalsh_jvp(&sym(x), x_dot);
                let o = order(lambda.as_slice());
                (
                    DVector::from_fn(n, |k, _| lambda[o[k]]),
                    DVector::from_fn(n, |k, _| lambda_dot[o[k]]),
                )
            },
            |x, y_bar| {
                let (lambda, pullback) = eigvalsh_vjp(&sym(x));
                assert_eq!(
                    lambda,
                    eigh(&sym(x)).0,
                    "eigvalsh and eigh agree on the order"
                );
                let o = order(lambda.as_slice());
                let mut lambda_bar = DVector::zeros(n);
                for (k, i) in o.iter().enumerate() {
                    lambda_bar[*i] = y_bar[k];
                }
                pullback(lambda_bar)
            },
        );
    }
}

#[test]
fn singular_values_of_rectangular_and_square_matrices() {
    let mut rng = rng(11);
    for n in SIZES {
        let m = 7 - n;
        check_svdvals(random(&mut rng, n, m));
        check_svdvals(well_conditioned(&mut rng, n));
    }
    check_svdvals(fixed::<3, 2>(&random(&mut rng, 3, 2)));
    check_svdvals(fixed::<3, 3>(&random(&mut rng, 3, 3)));
    check_svdvals(fixed::<3, 3>(&random(&mut rng, 3, 3)).cast::<f32>());
}

// ============================================================ repeated eigenvalues

#[test]
fn repeated_eigenvalues_give_finite_gradients() {
    let mut rng = rng(16);
    let q = orthogonal(&mut rng, 3);
    let s = &q * DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 1.0, 3.0])) * q.transpose();
    let s = sym(&s);
    let (lambda, pullback) = eigvalsh_vjp(&s);
    let pair: Vec<usize> = (0..3).filter(|i| (lambda[*i] - 1.0).abs() < 1e-9).collect();
    assert_eq!(pair.len(), 2, "{lambda}");
    for i in 0..3 {
        let mut unit = DVector::zeros(3);
        unit[i] = 1.0;
        let g = pullback(unit);
        assert!(g.iter().all(|x| x.is_finite()), "{g}");
    }
    // the gradient of λ₁ + λ₂ is the projector onto their eigenspace
    let mut weights = DVector::zeros(3);
    for i in &pair {
        weights[*i] = 1.0;
    }
    let projector = q.columns(0, 2) * q.columns(0, 2).transpose();
    let g = pullback(weights.clone());
    assert!((&g - &projector).norm() < 1e-12, "{g} vs {projector}");

    // eigh: the eigenvalue part and a loss invariant under rotations in the eigenspace
    let ((_, _), eigh_pullback) = eigh_vjp(&s);
    let g = eigh_pullback((weights, DMatrix::zeros(3, 3)));
    assert!((&g - &projector).norm() < 1e-12);
    let ((_, _), (lambda_dot, q_dot)) = eigh_jvp(&s, &random(&mut rng, 3, 3));
    assert!(lambda_dot.iter().chain(q_dot.iter()).all(|x| x.is_finite()));

    // Loss: ⟨W, P⟩ with P the projector onto the eigenspace of the pair (smooth, though its
    // eigenvectors are not), which dropping the degenerate terms differentiates exactly.
    let w = sym(&random(&mut rng, 3, 3));
    let projector_loss = |x: &DMatrix<f64>| {
        let (lambda, q) = eigh(&sym(x));
        (0..3)
            .filter(|i| lambda[*i] < 2.0)
            .map(|i| (q.column(i).transpose() * &w * q.column(i))[0])
            .sum::<f64>()
    };
    check_rule(
        "eigh (degenerate pair, invariant loss)",
        &s,
        projector_loss,
        |x, x_dot| {
            let ((lambda, q), (_, q_dot)) = eigh_jvp(&sym(x), x_dot);
            let d = (0..3)
                .filter(|i| lambda[*i] < 2.0)
                .map(|i| 2.0 * (q.column(i).transpose() * &w * q_dot.column(i))[0])
                .sum::<f64>();
            (projector_loss(x), d)
        },
        |x, y_bar| {
            let ((lambda, q), pullback) = eigh_vjp(&sym(x));
            let mut q_bar = DMatrix::zeros(3, 3);
            for i in (0..3).filter(|i| lambda[*i] < 2.0) {
                q_bar.set_column(i, &(&w * q.column(i) * (2.0 * y_bar)));
            }
            pullback((DVector::zeros(3), q_bar))
        },
    );
}

/// Checks `svdvals` and its companions at `a`.
fn check_svdvals<T, R, C>(a: nalgebra::OMatrix<T, R, C>)
where
    T: matcalc_runtime::Real + nalgebra::RealField,
    R: nalgebra::Dim + nalgebra::DimMin<C>,
    C: nalgebra::Dim,
    nalgebra::DimMinimum<R, C>: nalgebra::DimSub<nalgebra::U1>,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R, C>
        + nalgebra::allocator::Allocator<C>
        + nalgebra::allocator::Allocator<R>
        + nalgebra::allocator::Allocator<nalgebra::DimDiff<nalgebra::DimMinimum<R, C>, nalgebra::U1>>
        + nalgebra::allocator::Allocator<nalgebra::DimMinimum<R, C>, C>
        + nalgebra::allocator::Allocator<R, nalgebra::DimMinimum<R, C>>
        + nalgebra::allocator::Allocator<nalgebra::DimMinimum<R, C>>,
{
    check_rule(
        "svdvals",
        &a,
        |a| svdvals(a),
        |a, a_dot| svdvals_jvp(a, a_dot),
        |a, y_bar| {
            let (y, pullback) = svdvals_vjp(a);
            assert_same("svdvals", &y, &svdvals(a));
            pullback(y_bar.clone())
        },
    );
}

// ========================================================== solves: Cholesky, triangular

/// Checks a solve `f(A, B)` with its companions on the pair `(a, b)`.
fn check_solve<B: matcalc_runtime::Tangent<Scalar = f64>>(
    name: &str,
    a: DMatrix<f64>,
    b: B,
    f: impl Fn(&DMatrix<f64>, &B) -> B,
    jvp: impl Fn(&DMatrix<f64>, &B, &DMatrix<f64>, &B) -> (B, B),
    vjp: impl Fn(&DMatrix<f64>, &B, &B) -> (B, (DMatrix<f64>, B)),
) {
    check_rule(
        name,
        &(a, b),
        |p| f(&p.0, &p.1),
        |p, d| jvp(&p.0, &p.1, &d.0, &d.1),
        |p, x_bar| {
            let (x, (a_bar, b_bar)) = vjp(&p.0, &p.1, x_bar);
            assert_same(name, &x, &f(&p.0, &p.1));
            (a_bar, b_bar)
        },
    );
}

#[test]
fn triangular_solves() {
    let mut rng = rng(20);
    for n in SIZES {
        let l = well_conditioned_diagonal(&mut rng, n);
        let u = well_conditioned_diagonal(&mut rng, n).transpose();
        for cols in [1, 3] {
            let b = random(&mut rng, n, cols);
            check_solve(
                "solve_lower_triangular",
                l.clone(),
                b.clone(),
                solve_lower_triangular,
                solve_lower_triangular_jvp,
                |l, b, x_bar| {
                    let (x, pullback) = solve_lower_triangular_vjp(l, b);
                    (x, pullback(x_bar.clone()))
                },
            );
            check_solve(
                "solve_upper_triangular",
                u.clone(),
                b,
                solve_upper_triangular,
                solve_upper_triangular_jvp,
                |u, b, x_bar| {
                    let (x, pullback) = solve_upper_triangular_vjp(u, b);
                    (x, pullback(x_bar.clone()))
                },
            );
        }
        let b = DVector::from_fn(n, |i, _| i as f64 - 1.5);
        check_solve(
            "solve_lower_triangular (vector)",
            l,
            b,
            solve_lower_triangular,
            solve_lower_triangular_jvp,
            |l, b, x_bar| {
                let (x, pullback) = solve_lower_triangular_vjp(l, b);
                (x, pullback(x_bar.clone()))
            },
        );
    }
    // static and f32
    let l: Matrix3<f64> = fixed(&well_conditioned_diagonal(&mut rng, 3));
    let pair = (l, Vector3::new(1.0, -2.0, 0.5));
    check_rule(
        "solve_lower_triangular (Matrix3)",
        &pair,
        |p| solve_lower_triangular(&p.0, &p.1),
        |p, d| solve_lower_triangular_jvp(&p.0, &p.1, &d.0, &d.1),
        |p, x_bar| solve_lower_triangular_vjp(&p.0, &p.1).1(*x_bar),
    );
    let pair = (l.transpose().cast::<f32>(), Vector3::new(1.0f32, -2.0, 0.5));
    check_rule(
        "solve_upper_triangular (Matrix3<f32>)",
        &pair,
        |p| solve_upper_triangular(&p.0, &p.1),
        |p, d| solve_upper_triangular_jvp(&p.0, &p.1, &d.0, &d.1),
        |p, x_bar| solve_upper_triangular_vjp(&p.0, &p.1).1(*x_bar),
    );
}

#[test]
fn triangular_solves_read_one_triangle() {
    let mut rng = rng(21);
    let l = well_conditioned_diagonal(&mut rng, 4);
    let b = random(&mut rng, 4, 2);
    let (x, pullback) = solve_lower_triangular_vjp(&l, &b);
    assert_eq!(x, l.solve_lower_triangular(&b).unwrap());
    let (l_bar, _) = pullback(random(&mut rng, 4, 2));
    assert_eq!(
        l_bar,
        l_bar.lower_triangle(),
        "no adjoint above the diagonal"
    );
    let (_, x_dot) = solve_lower_triangular_jvp(
        &l,
        &b,
        &DMatrix::from_fn(4, 4, |i, j| if i < j { 1.0 } else { 0.0 }),
        &DMatrix::zeros(4, 2),
    );
    assert_eq!(
        x_dot,
        DMatrix::zeros(4, 2),
        "no tangent from above the diagonal"
    );
}

#[test]
#[should_panic(expected = "matcalc::linalg::solve_upper_triangular: the matrix is singular")]
fn triangular_solves_panic_at_a_zero_pivot_as_the_primal_does() {
    let u = nalgebra::Matrix2::new(1.0, 2.0, 0.0, 0.0);
    let _ = solve_upper_triangular_vjp(&u, &nalgebra::Vector2::new(1.0, 1.0));
}

/// `value()` where (A + Aᵀ)/2 is positive definite, NaN of the shape of `like` elsewhere (the
/// first steps of the finite differences may leave the domain, and NaN only discards them).
fn or_nan<Y: matcalc_runtime::Tangent<Scalar = f64>>(
    a: &DMatrix<f64>,
    value: impl Fn() -> Y,
    like: &Y,
) -> Y {
    if nalgebra::Cholesky::new(sym(a)).is_some() {
        value()
    } else {
        let nan = vec![f64::NAN; like.dim()];
        like.read_flat(&mut nan.as_slice())
    }
}

#[test]
fn cholesky_solves_and_inverses() {
    // The rules differentiate A ↦ f((A + Aᵀ)/2), so the finite differences go through the
    // same symmetrization, as for `cholesky`.
    let mut rng = rng(22);
    for n in SIZES {
        let a = spd(&mut rng, n);
        for cols in [1, 2] {
            check_solve(
                "cholesky_solve",
                a.clone(),
                random(&mut rng, n, cols),
                |a, b| or_nan(a, || cholesky_solve(&sym(a), b), b),
                |a, b, a_dot, b_dot| cholesky_solve_jvp(&sym(a), b, a_dot, b_dot),
                |a, b, x_bar| {
                    let (x, pullback) = cholesky_solve_vjp(&sym(a), b);
                    let (a_bar, b_bar) = pullback(x_bar.clone());
                    assert_eq!(a_bar, a_bar.transpose(), "a symmetric adjoint");
                    (x, (a_bar, b_bar))
                },
            );
        }
        check_rule(
            "cholesky_inverse",
            &a,
            |a| or_nan(a, || cholesky_inverse(&sym(a)), a),
            |a, a_dot| cholesky_inverse_jvp(&sym(a), a_dot),
            |a, y_bar| {
                let (y, pullback) = cholesky_inverse_vjp(&sym(a));
                assert_same("cholesky_inverse", &y, &inv(a));
                pullback(y_bar.clone())
            },
        );
    }
    let a: Matrix3<f64> = fixed(&spd(&mut rng, 3));
    let sym3 = |x: &Matrix3<f64>| (x + x.transpose()) * 0.5;
    check_rule(
        "cholesky_solve (Matrix3)",
        &(a, Vector3::new(1.0, 2.0, 3.0)),
        |p| cholesky_solve(&sym3(&p.0), &p.1),
        |p, d| cholesky_solve_jvp(&sym3(&p.0), &p.1, &d.0, &d.1),
        |p, x_bar| cholesky_solve_vjp(&sym3(&p.0), &p.1).1(*x_bar),
    );
    let a = a.cast::<f32>();
    let sym3 = |x: &Matrix3<f32>| (x + x.transpose()) * 0.5;
    check_rule(
        "cholesky_inverse (Matrix3<f32>)",
        &a,
        |a| cholesky_inverse(&sym3(a)),
        |a, a_dot| cholesky_inverse_jvp(&sym3(a), a_dot),
        |a, y_bar| cholesky_inverse_vjp(&sym3(a)).1(*y_bar),
    );
}

#[test]
#[should_panic(expected = "matcalc::linalg::cholesky_solve: the matrix is not positive definite")]
fn cholesky_solve_panics_where_the_primal_does() {
    let _ = cholesky_solve(
        &nalgebra::Matrix2::new(1.0, 2.0, 2.0, 1.0),
        &nalgebra::Vector2::new(1.0, 1.0),
    );
}

// ==================================================================================== QR

/// The shapes (m, n), m ≥ n, QR is checked at.
const TALL: [(usize, usize); 7] = [(1, 1), (2, 1), (3, 2), (4, 4), (5, 3), (6, 2), (6, 6)];

#[test]
fn qr_of_tall_and_square_matrices() {
    let mut rng = rng(23);
    for (m, n) in TALL {
        for a in [full_rank(&mut rng, m, n), random(&mut rng, m, n)] {
            check_rule("qr", &a, qr, qr_jvp, |a, y_bar| {
                let (y, pullback) = qr_vjp(a);
                assert_same("qr", &y, &qr(a));
                pullback(y_bar.clone())
            });
        }
    }
    let a: nalgebra::Matrix3x2<f64> = fixed(&full_rank(&mut rng, 3, 2));
    check_rule("qr (Matrix3x2)", &a, qr, qr_jvp, |a, y_bar| {
        qr_vjp(a).1(*y_bar)
    });
    let a: Matrix3<f32> = fixed::<3, 3>(&full_rank(&mut rng, 3, 3)).cast();
    check_rule("qr (Matrix3<f32>)", &a, qr, qr_jvp, |a, y_bar| {
        qr_vjp(a).1(*y_bar)
    });
}

#[test]
fn qr_factors_are_orthonormal_and_triangular_with_a_positive_diagonal() {
    let mut rng = rng(24);
    for (m, n) in TALL {
        let a = random(&mut rng, m, n);
        let (q, r) = qr(&a);
        assert!((&q * &r - &a).norm() < 1e-13 * a.norm());
        assert!((q.transpose() * &q - DMatrix::identity(n, n)).norm() < 1e-13);
        assert_eq!(r, r.upper_triangle());
        assert!((0..n).all(|i| r[(i, i)] > 0.0), "{r}");
        // nalgebra's factors, up to the signs of the columns of Q and the rows of R
        let nalgebra_r = a.clone().qr().r();
        for i in 0..n {
            assert!((r.row(i) - nalgebra_r.row(i) * nalgebra_r[(i, i)].signum()).norm() < 1e-13);
        }
    }
}

#[test]
fn qr_tangents_keep_the_structure() {
    // Qᵀ·Q̇ antisymmetric (Q stays orthonormal), Ṙ upper triangular
    let mut rng = rng(25);
    let a = random(&mut rng, 5, 3);
    let ((q, _), (q_dot, r_dot)) = qr_jvp(&a, &random(&mut rng, 5, 3));
    let omega = q.transpose() * &q_dot;
    assert!((&omega + omega.transpose()).norm() < 1e-13);
    assert_eq!(r_dot, r_dot.upper_triangle());
}

#[test]
#[should_panic(expected = "matcalc::linalg::qr: the matrix has more columns than rows (2×3)")]
fn qr_of_a_wide_matrix_panics() {
    let _ = qr(&DMatrix::<f64>::zeros(2, 3));
}

// =================================================================================== SVD

#[test]
fn svd_of_tall_square_and_wide_matrices() {
    let mut rng = rng(26);
    for (m, n) in SHAPES_OF_EVERY_KIND {
        // random singular values are separated (with probability 1), as the signs need
        for a in [full_rank(&mut rng, m, n), random(&mut rng, m, n)] {
            check_rule(
                "svd",
                &a,
                |a| {
                    let (value, _) = canonical_svd::jvp(a, &a.map(|_| 0.0));
                    value
                },
                canonical_svd::jvp,
                |a, y_bar| {
                    let (value, _) = svd_vjp(a);
                    assert_same("svd", &value, &svd(a));
                    canonical_svd::vjp(a, y_bar)
                },
            );
        }
    }
}

/// Checks `svd` at `$a` through Y = U·diag(c)·Vᵀ for fixed weights c, a function of the SVD
/// that the signs of the singular vectors do not change (for static sizes and f32, where the
/// canonical signs of `support` are not written).
macro_rules! check_sign_invariant {
    ($name:expr, $a:expr) => {{
        // diag(c) with cⱼ = 1 + j, of the type of diag(σ)
        let weights = |sigma: &_| {
            nalgebra::Matrix::from_diagonal(&nalgebra::Matrix::map_with_location(
                sigma,
                |j, _, _| nalgebra::convert(1.0 + j as f64),
            ))
        };
        check_rule(
            $name,
            &$a,
            |a| {
                let (u, sigma, v_t) = svd(a);
                u * weights(&sigma) * v_t
            },
            |a, a_dot| {
                let ((u, sigma, v_t), (u_dot, _, v_t_dot)) = svd_jvp(a, a_dot);
                let c = weights(&sigma);
                (&u * &c * &v_t, u_dot * &c * &v_t + &u * &c * v_t_dot)
            },
            |a, y_bar| {
                let ((u, sigma, v_t), pullback) = svd_vjp(a);
                let c = weights(&sigma);
                // Y = U·diag(c)·Vᵀ: Ū = Ȳ·V·diag(c), V̄ᵀ = diag(c)·Uᵀ·Ȳ
                let (u_bar, v_t_bar) = (y_bar * v_t.transpose() * &c, &c * u.transpose() * y_bar);
                pullback((u_bar, &sigma - &sigma, v_t_bar))
            },
        );
    }};
}

#[test]
fn svd_through_a_sign_invariant_loss_static_and_f32() {
    let mut rng = rng(27);
    check_sign_invariant!("svd (Matrix3x2)", fixed::<3, 2>(&full_rank(&mut rng, 3, 2)));
    check_sign_invariant!("svd (Matrix2x3)", fixed::<2, 3>(&full_rank(&mut rng, 2, 3)));
    check_sign_invariant!(
        "svd (Matrix3<f32>)",
        fixed::<3, 3>(&full_rank(&mut rng, 3, 3)).cast::<f32>()
    );
    check_sign_invariant!("svd (DMatrix)", random(&mut rng, 4, 3));
}

#[test]
fn svd_solves_least_squares_and_minimum_norm() {
    let mut rng = rng(28);
    for (m, n) in SHAPES_OF_EVERY_KIND {
        let a = full_rank(&mut rng, m, n);
        check_solve_svd(
            &format!("svd_solve ({m}×{n})"),
            a.clone(),
            random(&mut rng, m, 2),
            1e-12,
        );
        // X = A⁺B: least squares for a tall A, minimum norm for a wide one
        let b = random(&mut rng, m, 1);
        let pinv = a.clone().pseudo_inverse(1e-12).unwrap();
        assert!((svd_solve(&a, &b, 1e-12) - pinv * &b).norm() < 1e-12);
    }
    // singular values 2, 1 and 1e-3 with eps = 1e-2: the truncated pseudo-inverse, smooth
    // while no singular value crosses eps
    let u = orthogonal(&mut rng, 3);
    let v = orthogonal(&mut rng, 3);
    let a = &u * DMatrix::from_diagonal(&DVector::from_vec(vec![2.0, 1.0, 1e-3])) * v.transpose();
    check_solve_svd("svd_solve (truncated)", a, random(&mut rng, 3, 1), 1e-2);
    // static
    let a: nalgebra::Matrix3x2<f64> = fixed(&full_rank(&mut rng, 3, 2));
    check_rule(
        "svd_solve (Matrix3x2)",
        &(a, Vector3::new(1.0, -1.0, 2.0)),
        |p| svd_solve(&p.0, &p.1, 1e-12),
        |p, d| svd_solve_jvp(&p.0, &p.1, 1e-12, &d.0, &d.1),
        |p, x_bar| svd_solve_vjp(&p.0, &p.1, 1e-12).1(*x_bar),
    );
}

/// Checks `svd_solve` at `(a, b)` with the threshold `eps`.
fn check_solve_svd(name: &str, a: DMatrix<f64>, b: DMatrix<f64>, eps: f64) {
    check_rule(
        name,
        &(a, b),
        |p| svd_solve(&p.0, &p.1, eps),
        |p, d| svd_solve_jvp(&p.0, &p.1, eps, &d.0, &d.1),
        |p, x_bar| {
            let (x, pullback) = svd_solve_vjp(&p.0, &p.1, eps);
            assert_same(name, &x, &svd_solve(&p.0, &p.1, eps));
            pullback(x_bar.clone())
        },
    );
}
