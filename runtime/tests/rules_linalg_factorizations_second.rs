//! Tests of the second-order companions `g_jvp_vjp` of the factorizations added beside LU,
//! Cholesky and the eigenproblem: the solves by Cholesky and by a triangular matrix, QR and the
//! SVD, through the harness of `support` (`check_second`: the value is `g_jvp`'s, the halves of
//! the pullback are `g_vjp`'s, the dot-product test against finite differences of `g_jvp`, and
//! the symmetry of the second derivative).

mod support;

use matcalc_runtime::linalg::*;
use nalgebra::{Matrix3, Vector3};
use support::*;

/// The sizes every rule is checked at (dynamic).
const SIZES: std::ops::RangeInclusive<usize> = 1..=5;

/// The pullback `(X̄, Ẋ̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)` of a two-argument rule as `((Ā, B̄), (Ǡ, Ḃ̄))`, the
/// shape `check_second` takes for the pair `(A, B)`.
#[allow(clippy::type_complexity)]
fn paired<A, B, X>(
    pullback: impl Fn((X, X)) -> (A, B, A, B),
) -> impl Fn((X, X)) -> ((A, B), (A, B)) {
    move |seed| {
        let (a_bar, b_bar, a_dot_bar, b_dot_bar) = pullback(seed);
        ((a_bar, b_bar), (a_dot_bar, b_dot_bar))
    }
}

#[test]
fn triangular_solves_second_order() {
    let mut rng = rng(30);
    for n in SIZES {
        let l = well_conditioned_diagonal(&mut rng, n);
        for cols in [1, 2] {
            let pair = (l.clone(), random(&mut rng, n, cols));
            check_second(
                "solve_lower_triangular",
                &pair,
                |p, d| solve_lower_triangular_jvp(&p.0, &p.1, &d.0, &d.1),
                |p, x_bar| solve_lower_triangular_vjp(&p.0, &p.1).1(x_bar.clone()),
                |p, d| {
                    let (value, pullback) = solve_lower_triangular_jvp_vjp(&p.0, &p.1, &d.0, &d.1);
                    (value, paired(pullback))
                },
            );
            let pair = (l.transpose(), random(&mut rng, n, cols));
            check_second(
                "solve_upper_triangular",
                &pair,
                |p, d| solve_upper_triangular_jvp(&p.0, &p.1, &d.0, &d.1),
                |p, x_bar| solve_upper_triangular_vjp(&p.0, &p.1).1(x_bar.clone()),
                |p, d| {
                    let (value, pullback) = solve_upper_triangular_jvp_vjp(&p.0, &p.1, &d.0, &d.1);
                    (value, paired(pullback))
                },
            );
        }
    }
    let l: Matrix3<f32> = fixed::<3, 3>(&well_conditioned_diagonal(&mut rng, 3)).cast();
    check_second(
        "solve_lower_triangular (Matrix3<f32>)",
        &(l, Vector3::new(1.0f32, -1.0, 0.5)),
        |p, d| solve_lower_triangular_jvp(&p.0, &p.1, &d.0, &d.1),
        |p, x_bar| solve_lower_triangular_vjp(&p.0, &p.1).1(*x_bar),
        |p, d| {
            let (value, pullback) = solve_lower_triangular_jvp_vjp(&p.0, &p.1, &d.0, &d.1);
            (value, paired(pullback))
        },
    );
}

#[test]
fn cholesky_solves_second_order() {
    // The rules differentiate A ↦ f((A + Aᵀ)/2); the point is symmetric, and every tangent goes
    // through the same symmetrization, so g_jvp of (A + Aᵀ)/2 is the map the harness differences.
    let mut rng = rng(31);
    for n in SIZES {
        let a = spd(&mut rng, n);
        let pair = (a.clone(), random(&mut rng, n, 2));
        check_second(
            "cholesky_solve",
            &pair,
            |p, d| cholesky_solve_jvp(&sym(&p.0), &p.1, &d.0, &d.1),
            |p, x_bar| cholesky_solve_vjp(&sym(&p.0), &p.1).1(x_bar.clone()),
            |p, d| {
                let (value, pullback) = cholesky_solve_jvp_vjp(&sym(&p.0), &p.1, &d.0, &d.1);
                (value, paired(pullback))
            },
        );
        check_second(
            "cholesky_inverse",
            &a,
            |a, a_dot| cholesky_inverse_jvp(&sym(a), a_dot),
            |a, y_bar| cholesky_inverse_vjp(&sym(a)).1(y_bar.clone()),
            |a, a_dot| cholesky_inverse_jvp_vjp(&sym(a), a_dot),
        );
    }
}

#[test]
fn qr_second_order() {
    let mut rng = rng(32);
    for (m, n) in [(1, 1), (2, 1), (3, 2), (4, 4), (5, 3)] {
        check_second(
            "qr",
            &full_rank(&mut rng, m, n),
            qr_jvp,
            qr_vjp_applied,
            qr_jvp_vjp,
        );
        check_second(
            "qr",
            &random(&mut rng, m, n),
            qr_jvp,
            qr_vjp_applied,
            qr_jvp_vjp,
        );
    }
    let a: nalgebra::Matrix3x2<f64> = fixed(&full_rank(&mut rng, 3, 2));
    check_second("qr (Matrix3x2)", &a, qr_jvp, qr_vjp_applied, qr_jvp_vjp);
    let a: Matrix3<f32> = fixed::<3, 3>(&full_rank(&mut rng, 3, 3)).cast();
    check_second("qr (Matrix3<f32>)", &a, qr_jvp, qr_vjp_applied, qr_jvp_vjp);
}

/// `qr_vjp`'s pullback applied to `y_bar`.
#[allow(clippy::type_complexity)]
fn qr_vjp_applied<T, R, C>(
    a: &nalgebra::OMatrix<T, R, C>,
    y_bar: &(
        nalgebra::OMatrix<T, R, nalgebra::DimMinimum<R, C>>,
        nalgebra::OMatrix<T, nalgebra::DimMinimum<R, C>, C>,
    ),
) -> nalgebra::OMatrix<T, R, C>
where
    T: matcalc_runtime::Real + nalgebra::RealField,
    R: nalgebra::DimMin<C>,
    C: nalgebra::Dim,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R, C>
        + nalgebra::allocator::Allocator<R>
        + nalgebra::allocator::Allocator<C>
        + nalgebra::allocator::Allocator<nalgebra::DimMinimum<R, C>>
        + nalgebra::allocator::Allocator<R, nalgebra::DimMinimum<R, C>>
        + nalgebra::allocator::Allocator<nalgebra::DimMinimum<R, C>, C>,
{
    qr_vjp(a).1(y_bar.clone())
}

#[test]
fn svd_second_order() {
    let mut rng = rng(33);
    for (m, n) in SHAPES_OF_EVERY_KIND {
        for a in [full_rank(&mut rng, m, n), random(&mut rng, m, n)] {
            check_second(
                "svd",
                &a,
                support::canonical_svd::jvp,
                support::canonical_svd::vjp,
                support::canonical_svd::second,
            );
        }
    }
}

#[test]
fn svd_solve_second_order() {
    let mut rng = rng(34);
    for (m, n) in SHAPES_OF_EVERY_KIND {
        let pair = (full_rank(&mut rng, m, n), random(&mut rng, m, 2));
        check_second(
            "svd_solve",
            &pair,
            |p, d| svd_solve_jvp(&p.0, &p.1, 1e-12, &d.0, &d.1),
            |p, x_bar| svd_solve_vjp(&p.0, &p.1, 1e-12).1(x_bar.clone()),
            |p, d| {
                let (value, pullback) = svd_solve_jvp_vjp(&p.0, &p.1, 1e-12, &d.0, &d.1);
                (value, paired(pullback))
            },
        );
    }
}
