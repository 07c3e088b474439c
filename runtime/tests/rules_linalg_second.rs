//! Tests of the second-order companions `g_jvp_vjp` of `matcalc_runtime::linalg`, the reverse
//! mode of `g_jvp` that Hessians by reverse over forward mode call. One harness checks every
//! rule at a point x and a tangent ẋ:
//!
//! 1. the value `(Y, Ẏ)` is `g_jvp(x, ẋ)`'s;
//! 2. the halves of the pullback: seeded with `(Ȳ, 0)` it returns `(g_vjp(Ȳ), 0)`, seeded with
//!    `(0, Ẏ̄)` its second half is `g_vjp(Ẏ̄)`, it is linear, and it can be called again;
//! 3. the dot-product test of the pullback against the forward mode of the map
//!    `(x, ẋ) ↦ g_jvp(x, ẋ)`, the latter by Richardson-extrapolated central differences of
//!    `g_jvp` itself (relative 1e-6 in f64);
//! 4. the symmetry of the second derivative: `⟨Ā(x, U; 0, W), V⟩ = ⟨Ā(x, V; 0, W), U⟩`.
//!
//! Inputs come from the samplers of `support` (A·Aᵀ + I, well-conditioned matrices,
//! symmetric matrices with separated eigenvalues), dynamic and static, f64 and f32; then the
//! identity det″(A)[U, V] = det(A)·(tr(A⁻¹U)·tr(A⁻¹V) − tr(A⁻¹UA⁻¹V)), singular matrices, and
//! repeated eigenvalues.

mod support;

use matcalc_runtime::Real;
use matcalc_runtime::check;
use matcalc_runtime::linalg::*;
use nalgebra::{DMatrix, DVector, Matrix2, Matrix3, Matrix3x2, Matrix4, RowVector3, Vector3};
use rand::Rng;
use rand_distr::StandardNormal;

use support::*;

// ================================================================================ the harness

/// Checks `$f_jvp_vjp` of a function of one matrix (plus inactive arguments `$extra`) at `$x`.
macro_rules! unary {
    ($f:ident, $x:expr $(, $extra:expr)*) => {
        companions!($f, unary_with, $x $(, $extra)*)
    };
}
macro_rules! unary_with {
    ($jvp:ident, $vjp:ident, $second:ident, $x:expr $(, $extra:expr)*) => {{
        let x = $x;
        check_second(
            stringify!($second),
            &x,
            |a, a_dot| $jvp(a $(, $extra)*, a_dot),
            |a, y_bar| $vjp(a $(, $extra)*).1(y_bar.clone()),
            |a, a_dot| $second(a $(, $extra)*, a_dot),
        );
    }};
}

/// Checks `$f_jvp_vjp` of a function of two matrices at the pair `$x`.
macro_rules! binary {
    ($f:ident, $x:expr) => {
        companions!($f, binary_with, $x)
    };
}
macro_rules! binary_with {
    ($jvp:ident, $vjp:ident, $second:ident, $x:expr) => {{
        let x = $x;
        check_second(
            stringify!($second),
            &x,
            |p, d| $jvp(&p.0, &p.1, &d.0, &d.1),
            |p, y_bar| $vjp(&p.0, &p.1).1(y_bar.clone()),
            |p, d| {
                let (value, pullback) = $second(&p.0, &p.1, &d.0, &d.1);
                (value, move |seed| {
                    let (a_bar, b_bar, a_dot_bar, b_dot_bar) = pullback(seed);
                    ((a_bar, b_bar), (a_dot_bar, b_dot_bar))
                })
            },
        );
    }};
}

// Calls `$then!(f_jvp, f_vjp, f_jvp_vjp, ..)` for a name `f` (no `paste` dependency: one arm
// per rule).
macro_rules! companions {
    (transpose, $then:ident, $($rest:tt)*) => {
        $then!(transpose_jvp, transpose_vjp, transpose_jvp_vjp, $($rest)*)
    };
    (trace, $then:ident, $($rest:tt)*) => {
        $then!(trace_jvp, trace_vjp, trace_jvp_vjp, $($rest)*)
    };
    (sum, $then:ident, $($rest:tt)*) => {
        $then!(sum_jvp, sum_vjp, sum_jvp_vjp, $($rest)*)
    };
    (norm, $then:ident, $($rest:tt)*) => {
        $then!(norm_jvp, norm_vjp, norm_jvp_vjp, $($rest)*)
    };
    (norm_squared, $then:ident, $($rest:tt)*) => {
        $then!(norm_squared_jvp, norm_squared_vjp, norm_squared_jvp_vjp, $($rest)*)
    };
    (column, $then:ident, $($rest:tt)*) => {
        $then!(column_jvp, column_vjp, column_jvp_vjp, $($rest)*)
    };
    (row, $then:ident, $($rest:tt)*) => {
        $then!(row_jvp, row_vjp, row_jvp_vjp, $($rest)*)
    };
    (rows, $then:ident, $($rest:tt)*) => {
        $then!(rows_jvp, rows_vjp, rows_jvp_vjp, $($rest)*)
    };
    (columns, $then:ident, $($rest:tt)*) => {
        $then!(columns_jvp, columns_vjp, columns_jvp_vjp, $($rest)*)
    };
    (view, $then:ident, $($rest:tt)*) => {
        $then!(view_jvp, view_vjp, view_jvp_vjp, $($rest)*)
    };
    (row_sum, $then:ident, $($rest:tt)*) => {
        $then!(row_sum_jvp, row_sum_vjp, row_sum_jvp_vjp, $($rest)*)
    };
    (column_sum, $then:ident, $($rest:tt)*) => {
        $then!(column_sum_jvp, column_sum_vjp, column_sum_jvp_vjp, $($rest)*)
    };
    (row_mean, $then:ident, $($rest:tt)*) => {
        $then!(row_mean_jvp, row_mean_vjp, row_mean_jvp_vjp, $($rest)*)
    };
    (column_mean, $then:ident, $($rest:tt)*) => {
        $then!(column_mean_jvp, column_mean_vjp, column_mean_jvp_vjp, $($rest)*)
    };
    (vec, $then:ident, $($rest:tt)*) => {
        $then!(vec_jvp, vec_vjp, vec_jvp_vjp, $($rest)*)
    };
    (dot, $then:ident, $($rest:tt)*) => {
        $then!(dot_jvp, dot_vjp, dot_jvp_vjp, $($rest)*)
    };
    (component_mul, $then:ident, $($rest:tt)*) => {
        $then!(component_mul_jvp, component_mul_vjp, component_mul_jvp_vjp, $($rest)*)
    };
    (component_div, $then:ident, $($rest:tt)*) => {
        $then!(component_div_jvp, component_div_vjp, component_div_jvp_vjp, $($rest)*)
    };
    (kronecker, $then:ident, $($rest:tt)*) => {
        $then!(kronecker_jvp, kronecker_vjp, kronecker_jvp_vjp, $($rest)*)
    };
    (det, $then:ident, $($rest:tt)*) => {
        $then!(det_jvp, det_vjp, det_jvp_vjp, $($rest)*)
    };
    (logdet, $then:ident, $($rest:tt)*) => {
        $then!(logdet_jvp, logdet_vjp, logdet_jvp_vjp, $($rest)*)
    };
    (inv, $then:ident, $($rest:tt)*) => {
        $then!(inv_jvp, inv_vjp, inv_jvp_vjp, $($rest)*)
    };
    (solve, $then:ident, $($rest:tt)*) => {
        $then!(solve_jvp, solve_vjp, solve_jvp_vjp, $($rest)*)
    };
    (svdvals, $then:ident, $($rest:tt)*) => {
        $then!(svdvals_jvp, svdvals_vjp, svdvals_jvp_vjp, $($rest)*)
    };
    (expm, $then:ident, $($rest:tt)*) => {
        $then!(expm_jvp, expm_vjp, expm_jvp_vjp, $($rest)*)
    };
    (exp, $then:ident, $($rest:tt)*) => {
        $then!(exp_jvp, exp_vjp, exp_jvp_vjp, $($rest)*)
    };
    (pow, $then:ident, $($rest:tt)*) => {
        $then!(pow_jvp, pow_vjp, pow_jvp_vjp, $($rest)*)
    };
}

// ============================================================================== the samplers

/// The sizes every rule is checked at (dynamic).
const SIZES: std::ops::RangeInclusive<usize> = 1..=5;

// ============================================================================ the linear maps

#[test]
fn linear_maps_apply_their_pullback_to_both_halves() {
    let mut rng = rng(1);
    for n in SIZES {
        let m = n % 3 + 1;
        let a = random(&mut rng, n, m);
        unary!(transpose, a.clone());
        unary!(sum, a.clone());
        unary!(vec, a.clone());
        unary!(column, a.clone(), m - 1);
        unary!(row, a.clone(), n / 2);
        unary!(rows, a.clone(), n / 2, n - n / 2);
        unary!(columns, a.clone(), m / 2, m - m / 2);
        unary!(view, a.clone(), (n / 3, m / 2), (n - n / 3, m - m / 2));
        unary!(row_sum, a.clone());
        unary!(column_sum, a.clone());
        unary!(row_mean, a.clone());
        unary!(column_mean, a.clone());
        unary!(trace, random(&mut rng, n, n));
    }
    let a: Matrix3x2<f64> = fixed(&random(&mut rng, 3, 2));
    unary!(transpose, a);
    unary!(sum, a);
    unary!(vec, a);
    unary!(column, a, 1);
    unary!(row, a, 2);
    unary!(rows, a, 1, 2);
    unary!(columns, a, 1, 1);
    unary!(view, a, (1, 0), (2, 2));
    unary!(row_sum, a);
    unary!(column_sum, a);
    unary!(row_mean, a);
    unary!(column_mean, a.cast::<f32>());
    unary!(trace, fixed::<3, 3>(&random(&mut rng, 3, 3)).cast::<f32>());

    let v = vec![0.5, -1.0, 2.0];
    check_second(
        "from_vec",
        &v,
        |v, v_dot| from_vec_jvp(v, v_dot),
        |v, y_bar| from_vec_vjp(v).1(y_bar.clone()),
        |v, v_dot| from_vec_jvp_vjp(v, v_dot),
    );
    let d = DVector::from_vec(vec![0.5, -1.0, 2.0]);
    check_second(
        "from_diagonal",
        &d,
        from_diagonal_jvp,
        |v, y_bar| from_diagonal_vjp(v).1(y_bar.clone()),
        from_diagonal_jvp_vjp,
    );
    let square = DMatrix::from_row_slice(3, 3, &[0.5, -1.0, 2.0, 0.3, 1.5, -0.7, 0.2, 0.9, 1.1]);
    check_second(
        "diagonal",
        &square,
        diagonal_jvp,
        |a, y_bar| diagonal_vjp(a).1(y_bar.clone()),
        diagonal_jvp_vjp,
    );
    check_second(
        "vector_from_element",
        &1.25,
        |b, b_dot| vector_from_element_jvp(3, b, b_dot),
        |b, y_bar| vector_from_element_vjp(3, b).1(y_bar.clone()),
        |b, b_dot| vector_from_element_jvp_vjp(3, b, b_dot),
    );
    check_second(
        "matrix_from_element",
        &-0.75,
        |b, b_dot| matrix_from_element_jvp(2, 3, b, b_dot),
        |b, y_bar| matrix_from_element_vjp(2, 3, b).1(y_bar.clone()),
        |b, b_dot| matrix_from_element_jvp_vjp(2, 3, b, b_dot),
    );
    let e = DMatrix::from_row_slice(2, 3, &[0.5, -2.0, 1.25, -0.75, 3.0, 0.1]);
    check_second(
        "max_entry",
        &e,
        max_entry_jvp,
        |a, y_bar| max_entry_vjp(a).1(*y_bar),
        max_entry_jvp_vjp,
    );
    check_second(
        "amin",
        &e,
        amin_jvp,
        |a, y_bar| amin_vjp(a).1(*y_bar),
        amin_jvp_vjp,
    );
    let x = DVector::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    check_second(
        "unvec",
        &x,
        |v, v_dot| unvec_jvp(v, 2, 3, v_dot),
        |v, y_bar| unvec_vjp(v, 2, 3).1(y_bar.clone()),
        |v, v_dot| unvec_jvp_vjp(v, 2, 3, v_dot),
    );
}

// ====================================================================== norms and products

#[test]
fn norms_dots_and_entrywise_products() {
    let mut rng = rng(2);
    for n in SIZES {
        let m = n % 3 + 1;
        let a = random(&mut rng, n, m);
        unary!(norm, a.clone());
        unary!(norm_squared, a.clone());
        binary!(
            component_mul,
            (random(&mut rng, n, m), random(&mut rng, n, m))
        );
        let away_from_zero = random(&mut rng, n, m).map(|x| x.signum() * (0.5 + x.abs()));
        binary!(component_div, (random(&mut rng, n, m), away_from_zero));
        binary!(
            kronecker,
            (random(&mut rng, m, n % 2 + 1), random(&mut rng, 2, m))
        );
        let v: DVector<f64> = DVector::from_fn(n, |_, _| rng.sample(StandardNormal));
        unary!(norm, v.clone());
        binary!(dot, (v.clone(), v.map(|x| x * 2.0 - 1.0)));
        binary!(dot, (a.clone(), a.map(|x| x * x)));
    }
    let a: Matrix3x2<f64> = fixed(&random(&mut rng, 3, 2));
    unary!(norm, a);
    unary!(norm_squared, a);
    binary!(component_mul, (a, a.map(|x| x + 1.0)));
    binary!(component_div, (a, a.map(|x| x.abs() + 1.0)));
    binary!(kronecker, (a, Matrix2::new(1.0, -2.0, 0.5, 3.0)));
    let v: Vector3<f64> = fixed(&random(&mut rng, 3, 1));
    binary!(dot, (v, v.map(|x| 1.0 - x)));
    let r: RowVector3<f64> = fixed(&random(&mut rng, 1, 3));
    binary!(dot, (r, r.map(|x| x * x)));
    let v32 = v.cast::<f32>();
    unary!(norm, v32);
    binary!(component_div, (v32, v32.map(|x| x.abs() + 1.0)));
}

#[test]
fn norm_at_zero_is_zero_not_nan() {
    let ((y, y_dot), pullback) = norm_jvp_vjp(
        &DVector::<f64>::zeros(3),
        &DVector::from_vec(vec![1.0, 2.0, 3.0]),
    );
    assert_eq!((y, y_dot), (0.0, 0.0));
    assert_eq!(pullback((1.0, 1.0)), (DVector::zeros(3), DVector::zeros(3)));
}

// ======================================================================== the LU-based rules

#[test]
fn lu_rules_dynamic() {
    let mut rng = rng(3);
    for n in SIZES {
        unary!(det, well_conditioned(&mut rng, n));
        unary!(logdet, spd(&mut rng, n));
        unary!(logdet, well_conditioned(&mut rng, n));
        unary!(inv, spd(&mut rng, n));
        unary!(inv, well_conditioned(&mut rng, n));
        let a = well_conditioned(&mut rng, n);
        binary!(solve, (a.clone(), random(&mut rng, n, 1)));
        binary!(solve, (a.clone(), random(&mut rng, n, 3)));
        let b = DVector::from_fn(n, |_, _| rng.sample(StandardNormal));
        binary!(solve, (a, b));
    }
}

#[test]
fn lu_rules_static_and_f32() {
    let mut rng = rng(4);
    unary!(det, fixed::<2, 2>(&well_conditioned(&mut rng, 2)));
    unary!(det, fixed::<3, 3>(&well_conditioned(&mut rng, 3)));
    unary!(det, fixed::<4, 4>(&well_conditioned(&mut rng, 4)));
    unary!(logdet, fixed::<3, 3>(&spd(&mut rng, 3)));
    unary!(inv, fixed::<4, 4>(&spd(&mut rng, 4)));
    let a: Matrix3<f64> = fixed(&well_conditioned(&mut rng, 3));
    binary!(solve, (a, fixed::<3, 1>(&random(&mut rng, 3, 1))));
    binary!(solve, (a, fixed::<3, 2>(&random(&mut rng, 3, 2))));

    let a: Matrix3<f32> = fixed::<3, 3>(&well_conditioned(&mut rng, 3)).cast();
    unary!(det, a);
    unary!(inv, a);
    unary!(logdet, a);
    binary!(solve, (a, Vector3::new(1.0f32, -0.5, 2.0)));
}

/// det″(A)[U, V] = det(A)·(tr(A⁻¹U)·tr(A⁻¹V) − tr(A⁻¹UA⁻¹V)) (issue 4), through
/// `det_jvp_vjp` seeded with (0, 1): ⟨Ā, V⟩ with Ā = H·U.
#[test]
fn det_hessian_identity() {
    let mut rng = rng(5);
    for n in 1..=6 {
        let a = well_conditioned(&mut rng, n);
        let (u, v) = (random(&mut rng, n, n), random(&mut rng, n, n));
        let y = a.clone().try_inverse().unwrap();
        let expected =
            a.determinant() * ((&y * &u).trace() * (&y * &v).trace() - (&y * &u * &y * &v).trace());
        let (_, pullback) = det_jvp_vjp(&a, &u);
        let (h_u, gradient) = pullback((0.0, 1.0));
        let got = h_u.dot(&v);
        assert!(
            (got - expected).abs() < 1e-12 * (1.0 + expected.abs()),
            "n = {n}: {got} vs {expected}"
        );
        assert!((gradient - det_vjp(&a).1(1.0)).norm() < 1e-13);
    }
    // static, and the Hessian is the same from either tangent
    let a: Matrix4<f64> = fixed(&well_conditioned(&mut rng, 4));
    let (u, v): (Matrix4<f64>, Matrix4<f64>) = (
        fixed(&random(&mut rng, 4, 4)),
        fixed(&random(&mut rng, 4, 4)),
    );
    let uv = det_jvp_vjp(&a, &u).1((0.0, 1.0)).0.dot(&v);
    let vu = det_jvp_vjp(&a, &v).1((0.0, 1.0)).0.dot(&u);
    assert!((uv - vu).abs() < 1e-12 * (1.0 + uv.abs()), "{uv} vs {vu}");
}

/// det″(A)[U, V], the coefficient of st in the polynomial det(A + sU + tV), by the mixed
/// central difference D(h) extrapolated once: for n ≤ 5, D(h) = det″ + c·h² exactly (the
/// difference keeps the terms sᵃtᵇ with a and b odd), so (4·D(h/2) − D(h))/3 is exact up to
/// rounding.
fn det_second_difference(a: &DMatrix<f64>, u: &DMatrix<f64>, v: &DMatrix<f64>) -> f64 {
    assert!(a.nrows() <= 5);
    let d = |s: f64, t: f64| (a + u * s + v * t).determinant();
    let mixed = |h: f64| (d(h, h) - d(h, -h) - d(-h, h) + d(-h, -h)) / (4.0 * h * h);
    let h = 1e-2;
    (4.0 * mixed(h / 2.0) - mixed(h)) / 3.0
}

#[test]
fn det_hessian_at_singular_matrices_is_finite_and_exact() {
    // 2×2: det″(A)[U, V] = u₁₁v₂₂ + u₂₂v₁₁ − u₁₂v₂₁ − u₂₁v₁₂ whatever A, singular or not
    let a = Matrix2::new(1.0f64, 2.0, 2.0, 4.0);
    let u = Matrix2::new(1.0, 2.0, 3.0, 4.0);
    let ((d, _), pullback) = det_jvp_vjp(&a, &u);
    assert_eq!(d, 0.0);
    let (h, cofactor) = pullback((0.0, 1.0));
    assert!(
        (h - Matrix2::new(4.0, -3.0, -2.0, 1.0)).norm() < 1e-14,
        "{h}"
    );
    assert!((cofactor - Matrix2::new(4.0, -2.0, -2.0, 1.0)).norm() < 1e-14);

    // rank n − 1 and n − 2, exactly singular: the SVD branch
    let mut rng = rng(6);
    for (n, rank) in [(3, 2), (4, 3), (4, 2), (5, 3), (5, 0)] {
        let a = random(&mut rng, n, rank) * random(&mut rng, rank, n);
        let (u, v) = (random(&mut rng, n, n), random(&mut rng, n, n));
        let h = det_jvp_vjp(&a, &u).1((0.0, 1.0)).0;
        assert!(h.iter().all(|x| x.is_finite()), "{h}");
        let expected = det_second_difference(&a, &u, &v);
        let got = h.dot(&v);
        assert!(
            (got - expected).abs() < 1e-5 * (1.0 + expected.abs()),
            "rank {rank} in {n}×{n}: {got} vs {expected}"
        );
        if rank + 3 <= n {
            // the derivative of the cofactors is made of (n − 2)-minors, which vanish
            assert!(h.norm() < 1e-12, "{h}");
        }
        if rank == 0 {
            // (A, Ȧ) ↦ det_jvp(A, Ȧ) is flat to third order at 0: nothing for a dot product
            continue;
        }
        check_second(
            "det (singular)",
            &a,
            det_jvp,
            |a, y_bar| det_vjp(a).1(*y_bar),
            det_jvp_vjp,
        );
    }

    // near singular: the LU and the SVD branches agree where they meet
    let q = orthogonal(&mut rng, 4);
    let (u, v) = (random(&mut rng, 4, 4), random(&mut rng, 4, 4));
    for epsilon in [1e-3, 1e-7, 1e-9, 1e-12] {
        let s = DVector::from_vec(vec![2.0, 1.0, 0.5, epsilon]);
        let a = &q * DMatrix::from_diagonal(&s) * q.transpose();
        let got = det_jvp_vjp(&a, &u).1((0.0, 1.0)).0.dot(&v);
        let expected = det_second_difference(&a, &u, &v);
        assert!(
            (got - expected).abs() < 1e-5 * (1.0 + expected.abs()),
            "ε = {epsilon}: {got} vs {expected}"
        );
    }
}

#[test]
#[should_panic(expected = "singular")]
fn inv_jvp_vjp_panics_at_a_singular_matrix_as_the_primal_does() {
    let _ = inv_jvp_vjp(&Matrix2::new(1.0, 2.0, 2.0, 4.0), &Matrix2::identity());
}

#[test]
#[should_panic(expected = "singular")]
fn solve_jvp_vjp_panics_at_a_singular_matrix_as_the_primal_does() {
    let one = nalgebra::Vector2::new(1.0, 1.0);
    let _ = solve_jvp_vjp(
        &Matrix2::new(1.0, 2.0, 2.0, 4.0),
        &one,
        &Matrix2::zeros(),
        &one,
    );
}

// ============================================================================ factorizations

/// `cholesky_jvp` of (X + Xᵀ)/2 where that is positive definite, NaN elsewhere (the first steps
/// of the finite differences may leave the domain, and NaN only discards them).
fn cholesky_jvp_or_nan<T, D>(
    x: &nalgebra::OMatrix<T, D, D>,
    x_dot: &nalgebra::OMatrix<T, D, D>,
) -> (nalgebra::OMatrix<T, D, D>, nalgebra::OMatrix<T, D, D>)
where
    T: Real + nalgebra::RealField,
    D: nalgebra::Dim,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<D, D>,
{
    let s = (x + x.transpose()) * <T as Real>::from_f64(0.5);
    match nalgebra::Cholesky::new(s.clone()) {
        Some(_) => cholesky_jvp(&s, x_dot),
        None => {
            let nan = s.map(|_| <T as Real>::from_f64(f64::NAN));
            (nan.clone(), nan)
        }
    }
}

#[test]
fn cholesky_second_order() {
    // The rules differentiate A ↦ chol((A + Aᵀ)/2), so everything goes through the same
    // symmetrization; the adjoints are symmetric, so they are also those with respect to A.
    let mut rng = rng(7);
    for n in SIZES {
        let a = spd(&mut rng, n);
        check_second(
            "cholesky",
            &a,
            cholesky_jvp_or_nan,
            |a, l_bar| cholesky_vjp(&sym(a)).1(l_bar.clone()),
            |a, a_dot| {
                let (value, pullback) = cholesky_jvp_vjp(&sym(a), a_dot);
                (value, move |seed| {
                    let (a_bar, a_dot_bar) = pullback(seed);
                    assert_eq!(a_bar, a_bar.transpose(), "a symmetric adjoint");
                    assert_eq!(a_dot_bar, a_dot_bar.transpose(), "a symmetric adjoint");
                    (a_bar, a_dot_bar)
                })
            },
        );
    }
    let sym3 = |x: &Matrix3<f64>| (x + x.transpose()) * 0.5;
    let a: Matrix3<f64> = fixed(&spd(&mut rng, 3));
    check_second(
        "cholesky (Matrix3)",
        &a,
        cholesky_jvp_or_nan,
        |a, l_bar| cholesky_vjp(&sym3(a)).1(*l_bar),
        |a, a_dot| cholesky_jvp_vjp(&sym3(a), a_dot),
    );
    let sym3 = |x: &Matrix3<f32>| (x + x.transpose()) * 0.5;
    check_second(
        "cholesky (Matrix3<f32>)",
        &a.cast::<f32>(),
        cholesky_jvp_or_nan,
        |a, l_bar| cholesky_vjp(&sym3(a)).1(*l_bar),
        |a, a_dot| cholesky_jvp_vjp(&sym3(a), a_dot),
    );
}

/// `eigh` made a smooth function for the finite differences: eigenpairs sorted by eigenvalue
/// and eigenvectors signed so that ⟨q, r⟩ > 0 for a fixed r, both locally constant at
/// separated eigenvalues. The tangents and the adjoints go through the same permutation and
/// signs (an orthogonal map, whose adjoint is its inverse).
mod canonical_eigh {
    use super::*;

    pub type Pair = (DVector<f64>, DMatrix<f64>);

    /// The permutation and the signs at (λ, Q).
    fn frame(lambda: &DVector<f64>, q: &DMatrix<f64>) -> (Vec<usize>, Vec<f64>) {
        let n = lambda.len();
        let r = DVector::from_fn(n, |i, _| 1.0 + 0.37 * i as f64);
        let order = order(lambda.as_slice());
        let signs = order
            .iter()
            .map(|i| q.column(*i).dot(&r).signum())
            .collect();
        (order, signs)
    }

    fn to_canonical(frame: &(Vec<usize>, Vec<f64>), (lambda, q): &Pair) -> Pair {
        let (order, signs) = frame;
        let n = lambda.len();
        (
            DVector::from_fn(n, |k, _| lambda[order[k]]),
            DMatrix::from_fn(n, n, |i, k| q[(i, order[k])] * signs[k]),
        )
    }

    fn from_canonical(frame: &(Vec<usize>, Vec<f64>), (lambda, q): &Pair) -> Pair {
        let (order, signs) = frame;
        let n = lambda.len();
        let mut raw = (DVector::zeros(n), DMatrix::zeros(n, n));
        for (k, i) in order.iter().enumerate() {
            raw.0[*i] = lambda[k];
            raw.1.set_column(*i, &(q.column(k) * signs[k]));
        }
        raw
    }

    pub fn jvp(x: &DMatrix<f64>, x_dot: &DMatrix<f64>) -> (Pair, Pair) {
        let (value, tangent) = eigh_jvp(&sym(x), x_dot);
        let frame = frame(&value.0, &value.1);
        (to_canonical(&frame, &value), to_canonical(&frame, &tangent))
    }

    pub fn vjp(x: &DMatrix<f64>, y_bar: &Pair) -> DMatrix<f64> {
        let (value, pullback) = eigh_vjp(&sym(x));
        let frame = frame(&value.0, &value.1);
        pullback(from_canonical(&frame, y_bar))
    }

    // The signature spells out the value and the pullback, as the rules' do.
    #[allow(clippy::type_complexity)]
    pub fn second(
        x: &DMatrix<f64>,
        x_dot: &DMatrix<f64>,
    ) -> (
        (Pair, Pair),
        impl Fn((Pair, Pair)) -> (DMatrix<f64>, DMatrix<f64>) + use<>,
    ) {
        let ((value, tangent), pullback) = eigh_jvp_vjp(&sym(x), x_dot);
        let frame = frame(&value.0, &value.1);
        let canonical = (to_canonical(&frame, &value), to_canonical(&frame, &tangent));
        (canonical, move |(y_bar, y_dot_bar): (Pair, Pair)| {
            let (s_bar, s_dot_bar) = pullback((
                from_canonical(&frame, &y_bar),
                from_canonical(&frame, &y_dot_bar),
            ));
            assert_eq!(s_bar, s_bar.transpose(), "a symmetric adjoint");
            assert_eq!(s_dot_bar, s_dot_bar.transpose(), "a symmetric adjoint");
            (s_bar, s_dot_bar)
        })
    }
}

#[test]
fn eigh_second_order() {
    let mut rng = rng(8);
    for n in SIZES {
        let s = symmetric_separated(&mut rng, n);
        check_second(
            "eigh",
            &s,
            canonical_eigh::jvp,
            canonical_eigh::vjp,
            canonical_eigh::second,
        );
    }
}

/// `v` in the order `o`: `sorted[k] = v[o[k]]`.
fn permuted<V: Clone + std::ops::IndexMut<usize>>(v: &V, o: &[usize]) -> V
where
    V::Output: Copy,
{
    let mut sorted = v.clone();
    for (k, i) in o.iter().enumerate() {
        sorted[k] = v[*i];
    }
    sorted
}

/// The inverse of [`permuted`]: `raw[o[k]] = v[k]`.
fn unpermuted<V: Clone + std::ops::IndexMut<usize>>(v: &V, o: &[usize]) -> V
where
    V::Output: Copy,
{
    let mut raw = v.clone();
    for (k, i) in o.iter().enumerate() {
        raw[*i] = v[k];
    }
    raw
}

/// Checks `eigvalsh_jvp_vjp` of `$sym(x)` at `$x` with the eigenvalues sorted, so that their
/// order is locally constant for the finite differences.
macro_rules! sorted_eigvalsh {
    ($name:expr, $x:expr, $sym:expr) => {{
        let sym = $sym;
        let order_of =
            |lambda: &[_]| order(&lambda.iter().map(|l| Real::to_f64(*l)).collect::<Vec<_>>());
        check_second(
            $name,
            &$x,
            |x, x_dot| {
                let (lambda, lambda_dot) = eigvalsh_jvp(&sym(x), x_dot);
                let o = order_of(lambda.as_slice());
                (permuted(&lambda, &o), permuted(&lambda_dot, &o))
            },
            |x, y_bar| {
                let (lambda, pullback) = eigvalsh_vjp(&sym(x));
                pullback(unpermuted(y_bar, &order_of(lambda.as_slice())))
            },
            |x, x_dot| {
                let ((lambda, lambda_dot), pullback) = eigvalsh_jvp_vjp(&sym(x), x_dot);
                let o = order_of(lambda.as_slice());
                let value = (permuted(&lambda, &o), permuted(&lambda_dot, &o));
                (value, move |(y_bar, y_dot_bar): (_, _)| {
                    pullback((unpermuted(&y_bar, &o), unpermuted(&y_dot_bar, &o)))
                })
            },
        );
    }};
}

#[test]
fn eigvalsh_second_order() {
    let mut rng = rng(9);
    for n in SIZES {
        let s = symmetric_separated(&mut rng, n);
        sorted_eigvalsh!("eigvalsh", s, sym);
    }
    let s: Matrix3<f64> = fixed(&symmetric_separated(&mut rng, 3));
    sorted_eigvalsh!("eigvalsh (Matrix3)", s, |x: &Matrix3<f64>| (x + x
        .transpose())
        * 0.5);
    sorted_eigvalsh!("eigvalsh (Matrix3<f32>)", s.cast::<f32>(), |x: &Matrix3<
        f32,
    >| (x + x
        .transpose())
        * 0.5);
}

#[test]
fn eigvalsh_second_order_at_a_repeated_eigenvalue() {
    // S = Q·diag(1, 1, 3)·Qᵀ: λ₁ + λ₂ = tr S − λ₃ is smooth, and its Hessian is minus that of
    // the simple λ₃; dropping the degenerate terms gives it exactly.
    let mut rng = rng(10);
    let q = orthogonal(&mut rng, 3);
    let s = sym(&(&q
        * DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 1.0, 3.0]))
        * q.transpose()));
    let u = sym(&random(&mut rng, 3, 3));
    let ((lambda, _), pullback) = eigvalsh_jvp_vjp(&s, &u);
    let pair = DVector::from_fn(3, |i, _| if lambda[i] < 2.0 { 1.0 } else { 0.0 });
    let single = DVector::from_fn(3, |i, _| 1.0 - pair[i]);
    let (h_pair, g_pair) = pullback((DVector::zeros(3), pair));
    let (h_single, g_single) = pullback((DVector::zeros(3), single));
    assert!(h_pair.iter().all(|x| x.is_finite()), "{h_pair}");
    assert!(
        (&h_pair + &h_single).norm() < 1e-12,
        "{h_pair} vs {h_single}"
    );
    assert!((g_pair + g_single - DMatrix::identity(3, 3)).norm() < 1e-12);
    // and the Hessian of the simple eigenvalue matches the finite differences
    let largest = |x: &DMatrix<f64>, x_dot: &DMatrix<f64>| {
        let (lambda, lambda_dot) = eigvalsh_jvp(&sym(x), x_dot);
        let k = lambda.imax();
        (lambda[k], lambda_dot[k])
    };
    let v = random(&mut rng, 3, 3);
    let fd = check::richardson(|x: &DMatrix<f64>| largest(x, &u).1, &s, &v).0;
    assert!(
        (h_single.dot(&v) - fd).abs() < 1e-8 * (1.0 + fd.abs()),
        "{} vs {fd}",
        h_single.dot(&v)
    );
}

#[test]
fn singular_values_second_order() {
    let mut rng = rng(11);
    for n in SIZES {
        let m = 6 - n;
        unary!(svdvals, random(&mut rng, n, m));
        unary!(svdvals, well_conditioned(&mut rng, n));
    }
    unary!(svdvals, fixed::<3, 2>(&random(&mut rng, 3, 2)));
    unary!(svdvals, fixed::<2, 3>(&random(&mut rng, 2, 3)));
    unary!(
        svdvals,
        fixed::<3, 3>(&random(&mut rng, 3, 3)).cast::<f32>()
    );
}

// ========================================================================== matrix functions

#[test]
fn matrix_exponential_second_order() {
    let mut rng = rng(12);
    for n in SIZES {
        unary!(expm, random(&mut rng, n, n) * 0.7);
        unary!(exp, random(&mut rng, n, n) * 0.7);
    }
    unary!(expm, fixed::<3, 3>(&random(&mut rng, 3, 3)));
    unary!(exp, fixed::<2, 2>(&random(&mut rng, 2, 2)));
    unary!(
        expm,
        (fixed::<3, 3>(&random(&mut rng, 3, 3)) * 0.5).cast::<f32>()
    );
    // exp on floats dispatches to the scalar rule
    unary!(exp, 0.7f64);
    unary!(exp, -1.3f32);
}

#[test]
fn matrix_exponential_of_commuting_directions() {
    // For A diagonal and Ȧ = E, d²/dt² exp(A + tE) at a diagonal A has a closed form in the
    // divided differences of exp; for A = a·I, exp(aI + tE) = eᵃ·exp(tE), and the Hessian
    // along E paired with W is eᵃ·⟨W, E²⟩.
    let mut rng = rng(13);
    let a = DMatrix::identity(3, 3) * 0.4;
    let (e, w) = (random(&mut rng, 3, 3), random(&mut rng, 3, 3));
    let h = expm_jvp_vjp(&a, &e).1((DMatrix::zeros(3, 3), w.clone())).0;
    let expected = 0.4f64.exp() * w.dot(&(&e * &e));
    assert!((h.dot(&e) - expected).abs() < 1e-12 * (1.0 + expected.abs()));
}

#[test]
fn integer_powers_second_order() {
    let mut rng = rng(14);
    for n in SIZES {
        for p in [0u32, 1, 2, 3, 5, 8, 13] {
            let a = random(&mut rng, n, n) * (0.9 / (n as f64).sqrt());
            unary!(pow, a, p);
        }
    }
    for p in [2u32, 7] {
        unary!(pow, fixed::<3, 3>(&random(&mut rng, 3, 3)) * 0.5, p);
        unary!(pow, fixed::<2, 2>(&random(&mut rng, 2, 2)).cast::<f32>(), p);
    }
    // A³ along E: d² = 2(E²A + EAE + AE²)
    let (a, e) = (random(&mut rng, 3, 3), random(&mut rng, 3, 3));
    let w = random(&mut rng, 3, 3);
    let h = pow_jvp_vjp(&a, 3, &e).1((DMatrix::zeros(3, 3), w.clone())).0;
    let expected = 2.0 * w.dot(&(&e * &e * &a + &e * &a * &e + &a * &e * &e));
    assert!((h.dot(&e) - expected).abs() < 1e-12 * (1.0 + expected.abs()));
}

// ======================================================================= ownership and reuse

#[test]
fn pullbacks_own_their_data_and_can_be_called_many_times() {
    let pullback = {
        let a = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 3.0]);
        let b = DVector::from_vec(vec![1.0, 2.0]);
        let a_dot = DMatrix::from_row_slice(2, 2, &[0.5, 0.0, 1.0, -1.0]);
        let b_dot = DVector::from_vec(vec![0.0, 1.0]);
        solve_jvp_vjp(&a, &b, &a_dot, &b_dot).1
    };
    let seed = || {
        (
            DVector::from_vec(vec![1.0, 0.0]),
            DVector::from_vec(vec![0.0, 1.0]),
        )
    };
    assert_eq!(pullback(seed()), pullback(seed()));
    let pullback = {
        let s = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 3.0]);
        eigh_jvp_vjp(&s, &DMatrix::identity(2, 2)).1
    };
    let seed = || {
        (
            (DVector::from_vec(vec![1.0, 0.0]), DMatrix::identity(2, 2)),
            (DVector::from_vec(vec![0.0, 1.0]), DMatrix::zeros(2, 2)),
        )
    };
    assert_eq!(pullback(seed()), pullback(seed()));
}

#[test]
fn empty_matrices() {
    let a = DMatrix::<f64>::zeros(0, 0);
    let ((d, d_dot), pullback) = det_jvp_vjp(&a, &a);
    assert_eq!((d, d_dot), (1.0, 0.0));
    assert_eq!(pullback((1.0, 1.0)).0.shape(), (0, 0));
    let ((y, _), pullback) = logdet_jvp_vjp(&a, &a);
    assert_eq!((y, pullback((1.0, 1.0)).1.shape()), (0.0, (0, 0)));
    assert_eq!(
        inv_jvp_vjp(&a, &a).1((a.clone(), a.clone())).0.shape(),
        (0, 0)
    );
}
