//! Tests of `rules/linalg/` (`matcalc_runtime::linalg` and the product rules): every triple
//! through one harness (`support`: forward mode against Richardson-extrapolated finite
//! differences, reverse mode against forward mode by the dot-product test), on inputs drawn per
//! rule from a seeded sampler, dynamic and static sizes, f64 and f32; then the edge cases listed
//! beside the rules and the vectorization identities of 18.S096 §3. The factorizations other
//! than LU are in `rules_linalg_factorizations.rs`, second order in `rules_linalg_second.rs`.

mod support;

use matcalc_runtime::Tangent;
use matcalc_runtime::linalg::*;
use matcalc_runtime::rules::arith::{DivRule, MulRule};
use nalgebra::{DMatrix, DVector, Matrix2, Matrix3, Matrix3x2, Matrix4, RowVector3, Vector3};
use rand::Rng;
use rand_distr::StandardNormal;
use support::*;

// ================================================================================ the harness

/// Checks the triple `$f`, `$f_jvp`, `$f_vjp` of a function of one matrix (plus inactive
/// arguments `$extra`, which get no tangent) at `$x`.
macro_rules! unary {
    ($f:ident, $x:expr $(, $extra:expr)*) => {{
        let x = $x;
        check_rule(
            stringify!($f),
            &x,
            |a| $f(a $(, $extra)*),
            |a, a_dot| paste_jvp!($f)(a $(, $extra)*, a_dot),
            |a, y_bar| {
                let (y, pullback) = paste_vjp!($f)(a $(, $extra)*);
                assert_same(stringify!($f), &y, &$f(a $(, $extra)*));
                pullback(y_bar.clone())
            },
        );
    }};
}

/// Checks the triple of a function of two matrices at the pair `$x`.
macro_rules! binary {
    ($f:ident, $x:expr) => {{
        let x = $x;
        check_rule(
            stringify!($f),
            &x,
            |p| $f(&p.0, &p.1),
            |p, d| paste_jvp!($f)(&p.0, &p.1, &d.0, &d.1),
            |p, y_bar| {
                let (y, pullback) = paste_vjp!($f)(&p.0, &p.1);
                assert_same(stringify!($f), &y, &$f(&p.0, &p.1));
                pullback(y_bar.clone())
            },
        );
    }};
}

// The companions of a name (no `paste` dependency: one arm per rule).
macro_rules! paste_jvp {
    (transpose) => {
        transpose_jvp
    };
    (trace) => {
        trace_jvp
    };
    (sum) => {
        sum_jvp
    };
    (norm) => {
        norm_jvp
    };
    (norm_squared) => {
        norm_squared_jvp
    };
    (component_mul) => {
        component_mul_jvp
    };
    (component_div) => {
        component_div_jvp
    };
    (kronecker) => {
        kronecker_jvp
    };
    (column) => {
        column_jvp
    };
    (row) => {
        row_jvp
    };
    (rows) => {
        rows_jvp
    };
    (columns) => {
        columns_jvp
    };
    (view) => {
        view_jvp
    };
    (row_sum) => {
        row_sum_jvp
    };
    (column_sum) => {
        column_sum_jvp
    };
    (row_mean) => {
        row_mean_jvp
    };
    (column_mean) => {
        column_mean_jvp
    };
    (det) => {
        det_jvp
    };
    (logdet) => {
        logdet_jvp
    };
    (inv) => {
        inv_jvp
    };
    (solve) => {
        solve_jvp
    };
    (expm) => {
        expm_jvp
    };
    (exp) => {
        exp_jvp
    };
    (pow) => {
        pow_jvp
    };
    (vec) => {
        vec_jvp
    };
    (dot) => {
        dot_jvp
    };
}
macro_rules! paste_vjp {
    (transpose) => {
        transpose_vjp
    };
    (trace) => {
        trace_vjp
    };
    (sum) => {
        sum_vjp
    };
    (norm) => {
        norm_vjp
    };
    (norm_squared) => {
        norm_squared_vjp
    };
    (component_mul) => {
        component_mul_vjp
    };
    (component_div) => {
        component_div_vjp
    };
    (kronecker) => {
        kronecker_vjp
    };
    (column) => {
        column_vjp
    };
    (row) => {
        row_vjp
    };
    (rows) => {
        rows_vjp
    };
    (columns) => {
        columns_vjp
    };
    (view) => {
        view_vjp
    };
    (row_sum) => {
        row_sum_vjp
    };
    (column_sum) => {
        column_sum_vjp
    };
    (row_mean) => {
        row_mean_vjp
    };
    (column_mean) => {
        column_mean_vjp
    };
    (det) => {
        det_vjp
    };
    (logdet) => {
        logdet_vjp
    };
    (inv) => {
        inv_vjp
    };
    (solve) => {
        solve_vjp
    };
    (expm) => {
        expm_vjp
    };
    (exp) => {
        exp_vjp
    };
    (pow) => {
        pow_vjp
    };
    (vec) => {
        vec_vjp
    };
    (dot) => {
        dot_vjp
    };
}

// ============================================================================== the samplers

/// The sizes every rule is checked at (dynamic).
const SIZES: std::ops::RangeInclusive<usize> = 1..=6;

// ====================================================================== the dense rules, f64

#[test]
fn structural_maps_dynamic_and_static() {
    let mut rng = rng(1);
    for n in SIZES {
        let m = n % 3 + 1;
        let a = random(&mut rng, n, m);
        unary!(transpose, a.clone());
        unary!(sum, a.clone());
        unary!(norm, a.clone());
        unary!(norm_squared, a.clone());
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
    }
    let a: Matrix3x2<f64> = fixed(&random(&mut rng, 3, 2));
    unary!(transpose, a);
    unary!(sum, a);
    unary!(norm, a);
    unary!(norm_squared, a);
    unary!(vec, a);
    unary!(column, a, 1);
    unary!(row, a, 2);
    unary!(rows, a, 1, 2);
    unary!(columns, a, 1, 1);
    unary!(view, a, (1, 0), (2, 2));
    unary!(row_sum, a);
    unary!(column_sum, a);
    unary!(row_mean, a);
    unary!(column_mean, a);
    unary!(trace, fixed::<3, 3>(&random(&mut rng, 3, 3)));
    binary!(component_mul, (a, a.map(|x| x + 1.0)));
    binary!(component_div, (a, a.map(|x| x.abs() + 1.0)));
    binary!(kronecker, (a, Matrix2::new(1.0, -2.0, 0.5, 3.0)));
    let v: Vector3<f64> = fixed(&random(&mut rng, 3, 1));
    unary!(norm, v);
    binary!(dot, (v, v.map(|x| 1.0 - x)));
    let r: RowVector3<f64> = fixed(&random(&mut rng, 1, 3));
    binary!(dot, (r, r.map(|x| x * x)));
}

#[test]
fn constructors_from_buffers_diagonals_and_entries() {
    let v = vec![0.5, -1.0, 2.0];
    check_rule(
        "from_vec",
        &v,
        |v| from_vec(v),
        |v, v_dot| from_vec_jvp(v, v_dot),
        |v, y_bar| from_vec_vjp(v).1(y_bar.clone()),
    );
    let d = DVector::from_vec(vec![0.5, -1.0, 2.0]);
    check_rule(
        "from_diagonal",
        &d,
        from_diagonal,
        from_diagonal_jvp,
        |v, y_bar| from_diagonal_vjp(v).1(y_bar.clone()),
    );
    let square = DMatrix::from_row_slice(3, 3, &[0.5, -1.0, 2.0, 0.3, 1.5, -0.7, 0.2, 0.9, 1.1]);
    check_rule("diagonal", &square, diagonal, diagonal_jvp, |a, y_bar| {
        diagonal_vjp(a).1(y_bar.clone())
    });
    check_rule(
        "vector_from_element",
        &1.25,
        |b| vector_from_element(3, b),
        |b, b_dot| vector_from_element_jvp(3, b, b_dot),
        |b, y_bar| vector_from_element_vjp(3, b).1(y_bar.clone()),
    );
    check_rule(
        "matrix_from_element",
        &-0.75,
        |b| matrix_from_element(2, 3, b),
        |b, b_dot| matrix_from_element_jvp(2, 3, b, b_dot),
        |b, y_bar| matrix_from_element_vjp(2, 3, b).1(y_bar.clone()),
    );
    let x = DVector::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    check_rule(
        "unvec",
        &x,
        |v| unvec(v, 2, 3),
        |v, v_dot| unvec_jvp(v, 2, 3, v_dot),
        |v, y_bar| unvec_vjp(v, 2, 3).1(y_bar.clone()),
    );
}

#[test]
fn extrema_of_entries() {
    // entries apart, so that no small step changes which one is selected
    let a = DMatrix::from_row_slice(2, 3, &[0.5, -2.0, 1.25, -0.75, 3.0, 0.1]);
    check_rule("max_entry", &a, max_entry, max_entry_jvp, |a, y_bar| {
        max_entry_vjp(a).1(*y_bar)
    });
    check_rule("min_entry", &a, min_entry, min_entry_jvp, |a, y_bar| {
        min_entry_vjp(a).1(*y_bar)
    });
    check_rule("amax", &a, amax, amax_jvp, |a, y_bar| amax_vjp(a).1(*y_bar));
    check_rule("amin", &a, amin, amin_jvp, |a, y_bar| amin_vjp(a).1(*y_bar));
    let v: Vector3<f64> = Vector3::new(-3.0, 2.0, 1.0);
    check_rule("amax of a static vector", &v, amax, amax_jvp, |v, y_bar| {
        amax_vjp(v).1(*y_bar)
    });
}

#[test]
fn lu_rules_dynamic() {
    let mut rng = rng(2);
    for n in SIZES {
        unary!(det, well_conditioned(&mut rng, n));
        unary!(logdet, spd(&mut rng, n));
        unary!(logdet, well_conditioned(&mut rng, n));
        unary!(inv, spd(&mut rng, n));
        let a = well_conditioned(&mut rng, n);
        binary!(solve, (a.clone(), random(&mut rng, n, 1)));
        binary!(solve, (a.clone(), random(&mut rng, n, 3)));
        let b = DVector::from_fn(n, |_, _| rng.sample(StandardNormal));
        binary!(solve, (a, b));
    }
}

#[test]
fn lu_rules_static() {
    let mut rng = rng(3);
    unary!(det, fixed::<2, 2>(&well_conditioned(&mut rng, 2)));
    unary!(det, fixed::<3, 3>(&well_conditioned(&mut rng, 3)));
    unary!(det, fixed::<4, 4>(&well_conditioned(&mut rng, 4)));
    unary!(logdet, fixed::<3, 3>(&spd(&mut rng, 3)));
    unary!(inv, fixed::<3, 3>(&spd(&mut rng, 3)));
    unary!(inv, fixed::<4, 4>(&spd(&mut rng, 4)));
    let a: Matrix3<f64> = fixed(&well_conditioned(&mut rng, 3));
    binary!(solve, (a, fixed::<3, 1>(&random(&mut rng, 3, 1))));
    binary!(solve, (a, fixed::<3, 2>(&random(&mut rng, 3, 2))));
}

#[test]
fn lu_rules_f32() {
    let mut rng = rng(4);
    let a: Matrix3<f32> = fixed::<3, 3>(&well_conditioned(&mut rng, 3)).cast();
    unary!(det, a);
    unary!(inv, a);
    unary!(logdet, a);
    binary!(solve, (a, Vector3::new(1.0f32, -0.5, 2.0)));
    let d: DMatrix<f32> = spd(&mut rng, 4).cast();
    unary!(logdet, d.clone());
    // det beyond 3×3 takes its cofactors from the LU
    unary!(det, d.clone());
    unary!(inv, d);
}

// ========================================================================== the products

/// Checks the `MulRule` of `a * b` as a rule of the pair.
fn check_product<A, B>(name: &str, a: A, b: B)
where
    A: MulRule<B> + Tangent,
    B: Tangent<Scalar = A::Scalar>,
    A::Output: Tangent<Scalar = A::Scalar>,
{
    let mul = |p: &(A, B)| A::product(&p.0, &p.1);
    let mul_jvp = |p: &(A, B), d: &(A, B)| {
        let mut y_dot = A::product(&d.0, &p.1);
        y_dot.axpy(
            matcalc_runtime::Real::from_f64(1.0),
            &A::product(&p.0, &d.1),
        );
        (A::product(&p.0, &p.1), y_dot)
    };
    let mul_vjp = |p: &(A, B), y_bar: &A::Output| {
        (A::pullback_lhs(&p.1, y_bar), A::pullback_rhs(&p.0, y_bar))
    };
    check_rule(name, &(a, b), mul, mul_jvp, mul_vjp);
}

#[test]
fn products_of_every_size() {
    let mut rng = rng(5);
    for n in SIZES {
        let (k, m) = (n % 4 + 1, 7 - n);
        check_product(
            "DMatrix * DMatrix",
            random(&mut rng, n, k),
            random(&mut rng, k, m),
        );
        let x = DVector::from_fn(k, |_, _| rng.sample(StandardNormal));
        check_product("DMatrix * DVector", random(&mut rng, n, k), x);
        check_product("f64 * DMatrix", 1.5, random(&mut rng, n, k));
        check_product("DMatrix * f64", random(&mut rng, n, k), -0.5);
    }
    let a: Matrix3x2<f64> = fixed(&random(&mut rng, 3, 2));
    check_product("Matrix3x2 * Matrix2", a, Matrix2::new(1.0, 2.0, -1.0, 0.5));
    check_product(
        "Matrix3 * Vector3",
        fixed::<3, 3>(&random(&mut rng, 3, 3)),
        Vector3::new(1.0, -2.0, 0.5),
    );
    check_product(
        "RowVector3 * Vector3",
        RowVector3::new(1.0, 2.0, 3.0),
        Vector3::new(-1.0, 0.5, 2.0),
    );
    check_product("f32 * Matrix3x2", 2.0f32, a.cast::<f32>());
    check_product("Matrix3x2 * f32", a.cast::<f32>(), -1.5f32);
}

#[test]
fn quotient_of_a_matrix_by_a_scalar() {
    let mut rng = rng(6);
    let pair = (random(&mut rng, 3, 2), 1.7);
    type M = DMatrix<f64>;
    let div = |p: &(M, f64)| &p.0 / p.1;
    let div_jvp = |p: &(M, f64), d: &(M, f64)| {
        let c = div(p);
        let c_dot = <M as DivRule<f64>>::tangent_lhs(&d.0, &p.1)
            + <M as DivRule<f64>>::tangent_rhs(&p.1, &c, &d.1);
        (c, c_dot)
    };
    let div_vjp = |p: &(M, f64), c_bar: &M| {
        let c = div(p);
        (
            <M as DivRule<f64>>::pullback_lhs(&p.1, c_bar),
            <M as DivRule<f64>>::pullback_rhs(&p.1, &c, c_bar),
        )
    };
    check_rule("DMatrix / f64", &pair, div, div_jvp, div_vjp);
    type V = Vector3<f32>;
    let pair = (Vector3::new(1.0f32, -2.0, 0.5), -0.8f32);
    check_rule(
        "Vector3<f32> / f32",
        &pair,
        |p| p.0 / p.1,
        |p, d| {
            let c = p.0 / p.1;
            let c_dot = <V as DivRule<f32>>::tangent_lhs(&d.0, &p.1)
                + <V as DivRule<f32>>::tangent_rhs(&p.1, &c, &d.1);
            (c, c_dot)
        },
        |p, c_bar| {
            let c = p.0 / p.1;
            (
                <V as DivRule<f32>>::pullback_lhs(&p.1, c_bar),
                <V as DivRule<f32>>::pullback_rhs(&p.1, &c, c_bar),
            )
        },
    );
}

// ========================================================================== matrix functions

#[test]
fn matrix_exponential() {
    let mut rng = rng(12);
    for n in SIZES {
        unary!(expm, random(&mut rng, n, n) * 0.7);
        unary!(exp, random(&mut rng, n, n) * 0.7);
    }
    unary!(expm, fixed::<3, 3>(&random(&mut rng, 3, 3)));
    unary!(exp, fixed::<2, 2>(&random(&mut rng, 2, 2)));
    unary!(expm, fixed::<3, 3>(&random(&mut rng, 3, 3)).cast::<f32>());
    // exp on floats dispatches to the scalar rule
    unary!(exp, 0.7f64);
    unary!(exp, -1.3f32);
}

#[test]
fn integer_powers() {
    let mut rng = rng(13);
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
    let a = fixed::<4, 4>(&random(&mut rng, 4, 4));
    let a: Matrix4<f64> = a;
    assert_eq!(pow_vjp(&a, 11).0, a.pow(11), "the value is nalgebra's");
}

// ================================================================================ edge cases

#[test]
fn det_gradient_at_a_singular_matrix_is_the_cofactor_matrix() {
    let expected = Matrix2::new(4.0, -2.0, -2.0, 1.0);
    let a = Matrix2::new(1.0f64, 2.0, 2.0, 4.0);
    let (d, pullback) = det_vjp(&a);
    assert_eq!(d, 0.0);
    let g = pullback(1.0);
    assert!(g.iter().all(|x| x.is_finite()), "{g}");
    assert!((g - expected).norm() < 1e-14, "{g}");
    let (_, d_dot) = det_jvp(&a, &Matrix2::new(1.0, 0.0, 0.0, 0.0));
    assert!((d_dot - 4.0).abs() < 1e-14, "{d_dot}");

    let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0]);
    let g = det_vjp(&a).1(1.0);
    assert!((g - DMatrix::from_row_slice(2, 2, &[4.0, -2.0, -2.0, 1.0])).norm() < 1e-14);

    // rank 2 in 3×3: the cofactors are the 2×2 minors
    let a = Matrix3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
    let g = det_vjp(&a).1(1.0);
    let cofactor = Matrix3::from_fn(|i, j| {
        let rows: Vec<usize> = (0..3).filter(|r| *r != i).collect();
        let cols: Vec<usize> = (0..3).filter(|c| *c != j).collect();
        let minor = a[(rows[0], cols[0])] * a[(rows[1], cols[1])]
            - a[(rows[0], cols[1])] * a[(rows[1], cols[0])];
        if (i + j) % 2 == 0 { minor } else { -minor }
    });
    assert!((g - cofactor).norm() < 1e-13, "{g} vs {cofactor}");

    // rank 1 in 3×3 (and 5×5 dynamic): every cofactor is 0
    let u = Vector3::new(1.0, -2.0, 0.5);
    let g = det_vjp(&(u * u.transpose())).1(1.0);
    assert!(g.norm() < 1e-14, "{g}");
    let mut rng = rng(14);
    let u = random(&mut rng, 5, 2);
    let g = det_vjp(&(&u * u.transpose())).1(1.0);
    assert!(g.iter().all(|x| x.is_finite()) && g.norm() < 1e-12, "{g}");

    // the zero matrix
    let g = det_vjp(&DMatrix::<f64>::zeros(4, 4)).1(1.0);
    assert_eq!(g, DMatrix::zeros(4, 4));

    // f32
    let g = det_vjp(&Matrix2::new(1.0f32, 2.0, 2.0, 4.0)).1(1.0);
    assert!(
        (g - Matrix2::new(4.0f32, -2.0, -2.0, 1.0)).norm() < 1e-5,
        "{g}"
    );
}

#[test]
fn det_gradient_is_the_cofactor_matrix_near_singularity() {
    // det(A)·A⁻ᵀ is the cofactor matrix near singularity: at 3×3 by the closed form, below at
    // 4×4 by the LU and the SVD branches, which must agree where they meet.
    let mut rng = rng(15);
    for epsilon in [1e-3, 1e-6, 1e-9, 1e-12] {
        let a = DMatrix::from_row_slice(
            3,
            3,
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0 + epsilon],
        );
        let g = det_vjp(&a).1(1.0);
        let exact = Matrix3::from_fn(|i, j| {
            let rows: Vec<usize> = (0..3).filter(|r| *r != i).collect();
            let cols: Vec<usize> = (0..3).filter(|c| *c != j).collect();
            let minor = a[(rows[0], cols[0])] * a[(rows[1], cols[1])]
                - a[(rows[0], cols[1])] * a[(rows[1], cols[0])];
            if (i + j) % 2 == 0 { minor } else { -minor }
        });
        let g: Matrix3<f64> = fixed(&g);
        assert!(
            (g - exact).norm() < 1e-7 * exact.norm(),
            "ε = {epsilon}: {g} vs {exact}"
        );
    }
    // and the check harness passes close to singular matrices too
    let u = orthogonal(&mut rng, 4);
    let s = DVector::from_vec(vec![2.0, 1.0, 0.5, 1e-9]);
    unary!(det, &u * DMatrix::from_diagonal(&s) * u.transpose());
}

#[test]
fn norm_at_zero_is_zero_not_nan() {
    let (y, y_dot) = norm_jvp(
        &DVector::<f64>::zeros(3),
        &DVector::from_vec(vec![1.0, 2.0, 3.0]),
    );
    assert_eq!((y, y_dot), (0.0, 0.0));
    let (y, pullback) = norm_vjp(&DVector::<f64>::zeros(3));
    assert_eq!((y, pullback(1.0)), (0.0, DVector::zeros(3)));
    let (_, pullback) = norm_vjp(&Matrix3::<f32>::zeros());
    assert_eq!(pullback(2.0), Matrix3::zeros());
    let (_, pullback) = norm_vjp(&DMatrix::<f64>::zeros(0, 0));
    assert_eq!(pullback(1.0).shape(), (0, 0));
}

#[test]
fn logdet_of_a_negative_determinant() {
    let a = Matrix3::new(0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 3.0);
    assert_eq!(a.determinant(), -6.0);
    let (y, pullback) = logdet_vjp(&a);
    assert!((y - 6f64.ln()).abs() < 1e-15);
    let expected = a.try_inverse().unwrap().transpose();
    assert!((pullback(1.0) - expected).norm() < 1e-15);
    let mut rng = rng(17);
    let mut b = spd(&mut rng, 4);
    b.row_mut(0).neg_mut();
    assert!(b.determinant() < 0.0);
    unary!(logdet, b);
}

#[test]
fn singular_inputs_panic_only_where_the_primal_does() {
    let singular = Matrix2::new(1.0, 2.0, 2.0, 4.0);
    assert!(std::panic::catch_unwind(|| inv(&singular)).is_err());
    assert!(
        std::panic::catch_unwind(|| solve(&singular, &nalgebra::Vector2::new(1.0, 1.0))).is_err()
    );
    assert!(std::panic::catch_unwind(|| cholesky(&-Matrix2::<f64>::identity())).is_err());
    // logdet: −∞ and non-finite derivatives, no panic
    let (y, pullback) = logdet_vjp(&singular);
    assert_eq!(y, f64::NEG_INFINITY);
    assert!(pullback(1.0).iter().any(|x| !x.is_finite()));
}

#[test]
fn pullbacks_can_be_called_many_times_and_outlive_their_arguments() {
    let pullback = {
        let a = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 3.0]);
        let b = DVector::from_vec(vec![1.0, 2.0]);
        solve_vjp(&a, &b).1
    };
    let first = pullback(DVector::from_vec(vec![1.0, 0.0]));
    let second = pullback(DVector::from_vec(vec![1.0, 0.0]));
    assert_eq!(first, second);
}

// ================================================================= vectorization identities

#[test]
fn jacobian_of_axb_is_a_kronecker_product() {
    let mut rng = rng(18);
    let (a, b) = (random(&mut rng, 3, 2), random(&mut rng, 4, 5));
    let x = random(&mut rng, 2, 4);
    let jvp = |x: &DMatrix<f64>, x_dot: &DMatrix<f64>| (&a * x * &b, &a * x_dot * &b);
    let j = jacobian_matrix(jvp, &x);
    assert_eq!(j.shape(), (15, 8));
    assert!((j - kronecker(&b.transpose(), &a)).norm() < 1e-13);
}

#[test]
fn jacobian_of_the_square_and_of_the_inverse() {
    let mut rng = rng(19);
    for n in 1..=4 {
        let x = well_conditioned(&mut rng, n);
        let identity = DMatrix::<f64>::identity(n, n);
        // X ↦ X²: I ⊗ X + Xᵀ ⊗ I
        let j = jacobian_matrix(|x, x_dot| pow_jvp(x, 2, x_dot), &x);
        let expected = kronecker(&identity, &x) + kronecker(&x.transpose(), &identity);
        assert!((j - expected).norm() < 1e-13);
        // X ↦ X⁻¹: −(X⁻ᵀ ⊗ X⁻¹)
        let j = jacobian_matrix(inv_jvp, &x);
        let y = x.clone().try_inverse().unwrap();
        let expected = -kronecker(&y.transpose(), &y);
        assert!((&j - &expected).norm() < 1e-12 * expected.norm());
    }
    // static input, and vec/unvec round trips
    let x = Matrix2::new(2.0, 1.0, 0.5, 3.0);
    let j = jacobian_matrix(|x, x_dot| pow_jvp(x, 2, x_dot), &x);
    let expected =
        kronecker(&Matrix2::identity(), &x) + kronecker(&x.transpose(), &Matrix2::identity());
    assert!((j - DMatrix::from_iterator(4, 4, expected.iter().copied())).norm() < 1e-14);
    assert_eq!(
        unvec(&vec(&x), 2, 2),
        DMatrix::from_iterator(2, 2, x.iter().copied())
    );
}

#[test]
#[allow(clippy::needless_borrow)] // the double references are the point
fn borrowed_parameters_pass_through_a_second_reference() {
    // Generated code passes `&a` where `a: &DMatrix<f64>` is a parameter: `&&DMatrix` coerces.
    let owned = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 3.0]);
    let a = &owned;
    let a_dot = &owned;
    assert_eq!(det(&a), 5.0);
    assert_eq!(det_jvp(&a, &a_dot).0, 5.0);
    let (_, pullback) = inv_vjp(&a);
    assert_eq!(pullback(DMatrix::zeros(2, 2)), DMatrix::zeros(2, 2));
    let b = &DVector::from_vec(vec![1.0, 2.0]);
    assert_eq!(solve_vjp(&a, &b).0, solve(a, b));
    let buffer = vec![1.0, 2.0];
    let v = &buffer;
    assert_eq!(from_vec(&v), DVector::from_vec(buffer.clone()));
    assert_eq!(
        from_vec_vjp(&v).1(DVector::from_vec(vec![3.0, 4.0])),
        vec![3.0, 4.0]
    );
}

#[test]
fn empty_matrices() {
    let a = DMatrix::<f64>::zeros(0, 0);
    let (d, pullback) = det_vjp(&a);
    assert_eq!((d, pullback(1.0).shape()), (1.0, (0, 0)));
    let (y, pullback) = logdet_vjp(&a);
    assert_eq!((y, pullback(1.0).shape()), (0.0, (0, 0)));
    assert_eq!(inv_vjp(&a).1(a.clone()).shape(), (0, 0));
    assert_eq!(jacobian_matrix(inv_jvp, &a).shape(), (0, 0));
}
