//! What `#[differentiate]` writes for a function of matrices.
//!
//! Below the marker line is the expansion of `#[differentiate]` on `gaussian_nll`, exactly as
//! the macro writes it today, formatted by rustfmt, with comments added by hand. The test
//! `expanded_examples_match_the_macro` of matcalc-macros checks it against the macro;
//! `MATCALC_BLESS=1 cargo test -p matcalc-macros` rewrites it when the macro changes.
//!
//! `cargo run --example gaussian_nll-expanded` runs the generated functions.

use nalgebra::{DMatrix, DVector};

fn main() {
    let s = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 4.0]);
    let x = DVector::from_vec(vec![2.0, 4.0]);
    // ½(xᵀS⁻¹x + ln det S) = ½(2 + 4 + ln 8)
    let (value, (s_bar, x_bar)) = gaussian_nll_grad(&s, &x);
    assert!((value - 0.5 * (6.0 + 8f64.ln())).abs() < 1e-14);
    // ∂/∂x = S⁻¹x, ∂/∂S = ½(S⁻¹ − S⁻¹xxᵀS⁻¹) (S symmetric)
    let z = DVector::from_vec(vec![1.0, 1.0]);
    let s_inv = DMatrix::from_row_slice(2, 2, &[0.5, 0.0, 0.0, 0.25]);
    assert!((x_bar - &z).norm() < 1e-14);
    assert!((s_bar - 0.5 * (s_inv - &z * z.transpose())).norm() < 1e-14);
    println!("gaussian_nll: value and gradient as expected");
}

// ---- expansion of #[differentiate] ----
// The user's function, unchanged: a linear solve and a log-determinant from
// `matcalc::linalg`, whose rules work on whole matrices rather than on the steps of an LU.
/// The negative log-likelihood of `x` under a centred Gaussian of covariance `s`, up to a
/// constant: ½(xᵀS⁻¹x + ln det S).
fn gaussian_nll(s: &DMatrix<f64>, x: &DVector<f64>) -> f64 {
    let z = matcalc::linalg::solve(s, x);
    0.5 * (x.dot(&z) + matcalc::linalg::logdet(s))
}

// FORWARD MODE. One tangent per active parameter, of the parameter's type: `s_dot` a matrix,
// `x_dot` a vector.
/// Forward mode of [`gaussian_nll`]: its value and its directional derivative along the tangents (one per active parameter, in order).
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn gaussian_nll_jvp(
    s: &DMatrix<f64>,
    x: &DVector<f64>,
    s_dot: &DMatrix<f64>,
    x_dot: &DVector<f64>,
) -> (f64, f64) {
    let _ = gaussian_nll;
    use ::matcalc::__private as __matcalc;
    use ::matcalc::__private::Spelled as _;

    // A call with companions goes through `_jvp` by the same path: `solve_jvp` gives z = S⁻¹x and
    // ż = S⁻¹(ẋ − Ṡz), from one LU factorization.
    let (tt1, tt2) = matcalc::linalg::solve_jvp(s, x, s_dot, x_dot);
    let z = tt1;
    let z_dot = tt2;
    let c1 = 0.5;

    // The user's `x.dot(&z)`, type-checked but never run (see sum_of_squares-expanded.rs).
    let mut check1 = __matcalc::Witness::new();
    if false {
        check1 = __matcalc::witness(&(x.dot(::core::convert::identity(&z))));
        loop {}
    }

    // The rule of `dot`: d⟨x, z⟩ = ⟨ẋ, z⟩ + ⟨x, ż⟩.
    let t2 = __matcalc::rules::linalg::dense::dot(
        ::core::convert::identity(__matcalc::guard(&check1, x)),
        &z,
    );
    let tt3 = __matcalc::rules::linalg::dense::dot(
        ::core::convert::identity(__matcalc::guard(&check1, x_dot)),
        &z,
    );
    let tt4 = __matcalc::rules::linalg::dense::dot(
        ::core::convert::identity(__matcalc::guard(&check1, x)),
        &z_dot,
    );
    let t2_dot = tt3 + tt4;

    // `logdet_jvp`: d log|det S| = tr(S⁻¹Ṡ).
    let (tt5, tt6) = matcalc::linalg::logdet_jvp(s, s_dot);
    let t3 = tt5;
    let t3_dot = tt6;
    let mut check2 = __matcalc::Witness::new();
    if false {
        check2 =
            __matcalc::witness(&(::core::convert::identity(t2) + ::core::convert::identity(t3)));
        loop {}
    }
    let t4 = __matcalc::guard_value(&check2, t2) + t3;
    let t4_dot = __matcalc::guard_value(&check2, t2_dot) + t3_dot;
    let mut check3 = __matcalc::Witness::new();
    if false {
        check3 = __matcalc::witness(&(0.5 * ::core::convert::identity(t4)));
        loop {}
    }
    let t5 = __matcalc::rules::arith::mul(
        ::core::convert::identity(__matcalc::guard(&check3, &c1)),
        &t4,
    );
    let t5_dot = __matcalc::rules::arith::mul(
        ::core::convert::identity(__matcalc::guard(&check3, &c1)),
        &t4_dot,
    );
    return (
        (move || -> f64 { (t5).spelled() })(),
        (move || -> f64 { (t5_dot).spelled() })(),
    );
}

// REVERSE MODE. No loop and no branch: one segment, so its residuals are one tuple `tape0`
// and there is no control tape.
/// Reverse mode of [`gaussian_nll`]: its value and the pullback, which maps a cotangent of the value to the adjoints of the active parameters (a tuple when there are several). The pullback may be called many times.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn gaussian_nll_vjp(
    s: &DMatrix<f64>,
    x: &DVector<f64>,
) -> (
    f64,
    impl ::core::ops::Fn(f64) -> (DMatrix<f64>, DVector<f64>) + use<>,
) {
    let _ = gaussian_nll;
    use ::matcalc::__private as __matcalc;
    use ::matcalc::__private::Spelled as _;
    let s_zeros = __matcalc::zeros_of(s);
    let x_zeros = __matcalc::zeros_of(x);
    let tape0;
    let value: f64 = 'body: {
        // `solve_vjp` returns z and its pullback, which owns the LU factors; the residual is the
        // pullback itself, a closure of a concrete type (nothing boxed).
        let (out1, pullback1) = matcalc::linalg::solve_vjp(s, x);
        let z = out1;
        let r2 = pullback1;
        let c1 = 0.5;
        let mut check1 = __matcalc::Witness::new();
        if false {
            check1 = __matcalc::witness(&(x.dot(::core::convert::identity(&z))));
            loop {}
        }
        let t2 = __matcalc::rules::linalg::dense::dot(
            ::core::convert::identity(__matcalc::guard(&check1, x)),
            &z,
        );

        // The rule of `dot` needs both factors.
        let r3 = __matcalc::save(__matcalc::guard(&check1, x));
        let r4 = __matcalc::save(&z);
        let r5 = check1;
        let (out6, pullback6) = matcalc::linalg::logdet_vjp(s);
        let t3 = out6;
        let r7 = pullback6;
        let mut check2 = __matcalc::Witness::new();
        if false {
            check2 = __matcalc::witness(
                &(::core::convert::identity(t2) + ::core::convert::identity(t3)),
            );
            loop {}
        }
        let t4 = __matcalc::guard_value(&check2, t2) + t3;
        let r8 = check2;
        let mut check3 = __matcalc::Witness::new();
        if false {
            check3 = __matcalc::witness(&(0.5 * ::core::convert::identity(t4)));
            loop {}
        }
        let t5 = __matcalc::rules::arith::mul(
            ::core::convert::identity(__matcalc::guard(&check3, &c1)),
            &t4,
        );
        let r9 = __matcalc::type_of(__matcalc::guard(&check3, &c1));
        let r10 = __matcalc::type_of(&t4);
        let r11 = check3;
        let r12 = __matcalc::type_of(&t5);
        tape0 = (r2, r3, r4, r5, r7, r8, r9, r10, r11, r12);
        break 'body (move || -> f64 { (t5).spelled() })();
    };
    let pullback = move |seed: f64| -> (DMatrix<f64>, DVector<f64>) {
        let mut s_bar = ::core::option::Option::None;
        let mut x_bar = ::core::option::Option::None;
        let mut z_bar = ::core::option::Option::None;
        let mut t2_bar = ::core::option::Option::None;
        let mut t3_bar = ::core::option::Option::None;
        let mut t4_bar = ::core::option::Option::None;
        let mut t5_bar = ::core::option::Option::None;

        // The backward sweep: the statements in reverse order, each adjoint through its rule.
        let (r2, r3, r4, r5, r7, r8, r9, r10, r11, r12) = &tape0;
        // Each adjoint is certain to hold a value when its statement's reverse takes it (the
        // seed reached the result, and each reverse adds into its inputs), so the reverses run
        // unconditionally: `certain` takes the value (see `definite` in the macro's `reverse/`).
        __matcalc::acc(
            &mut t5_bar,
            __matcalc::seed_as(r12, ::core::clone::Clone::clone(&seed)),
        );
        let g = __matcalc::certain(&mut t5_bar);
        __matcalc::acc(
            &mut t4_bar,
            __matcalc::rules::arith::mul_pullback_rhs(
                ::core::convert::identity(&__matcalc::literal(r9, || 0.5)),
                r10,
                &g,
            ),
        );
        let g = __matcalc::certain(&mut t4_bar);
        __matcalc::acc(
            &mut t2_bar,
            __matcalc::guard_value(r8, ::core::clone::Clone::clone(&g)),
        );
        __matcalc::acc(&mut t3_bar, __matcalc::guard_value(r8, g));

        // The pullback of logdet: S̄ += t̄₃·S⁻ᵀ.
        let g = __matcalc::certain(&mut t3_bar);
        __matcalc::acc(&mut s_bar, r7(g));
        let g = __matcalc::certain(&mut t2_bar);
        __matcalc::acc(
            &mut x_bar,
            __matcalc::guard_value(
                r5,
                __matcalc::rules::linalg::dense::dot_pullback_lhs(
                    ::core::convert::identity(&__matcalc::type_of(r3)),
                    r4,
                    &g,
                ),
            ),
        );
        __matcalc::acc(
            &mut z_bar,
            __matcalc::rules::linalg::dense::dot_pullback_rhs(
                ::core::convert::identity(r3),
                &__matcalc::type_of(r4),
                &g,
            ),
        );

        // The pullback of solve: x̄ += S⁻ᵀz̄ and S̄ += −(S⁻ᵀz̄)·zᵀ, one solve with the stored factors.
        // S̄ now holds the contributions of both uses of `s`.
        let g = __matcalc::certain(&mut z_bar);
        let (g0, g1) = r2(g);
        __matcalc::acc(&mut s_bar, g0);
        __matcalc::acc(&mut x_bar, g1);
        (
            __matcalc::finish(s_bar, &s_zeros),
            __matcalc::finish(x_bar, &x_zeros),
        )
    };
    (value, pullback)
}

// The gradient: a tuple of adjoints, one per active parameter, each of the parameter's owned
// type (`&DMatrix<f64>` gives `DMatrix<f64>`).
/// The gradient of [`gaussian_nll`]: its value and the adjoints of the active parameters (a tuple when there are several).
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn gaussian_nll_grad(s: &DMatrix<f64>, x: &DVector<f64>) -> (f64, (DMatrix<f64>, DVector<f64>)) {
    use ::matcalc::__private as __matcalc;
    let (value, pullback) = gaussian_nll_vjp(s, x);
    (value, pullback(1.0))
}
/// The Jacobian of [`gaussian_nll`]: its value and the matrix of ∂vec(value)/∂vec(active parameters), the parameters concatenated in order, column-major. Computed by forward or reverse mode, whichever needs fewer passes.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn gaussian_nll_jacobian(
    s: &DMatrix<f64>,
    x: &DVector<f64>,
) -> (f64, ::matcalc::__private::nalgebra::DMatrix<f64>) {
    use ::matcalc::__private as __matcalc;
    let point: (DMatrix<f64>, DVector<f64>) = (__matcalc::save(s), __matcalc::save(x));
    __matcalc::jacobian(
        &point,
        |direction: &(DMatrix<f64>, DVector<f64>)| {
            gaussian_nll_jvp(s, x, &direction.0, &direction.1)
        },
        || gaussian_nll_vjp(s, x),
    )
}

// Without `hessian`, a stand-in for the second-order companion `_jvp_vjp`: a function that asks
// for second derivatives through this one gets one error at its call, naming the fix
// (`#[differentiate(hessian)]` here), instead of "cannot find function".
#[doc(hidden)]
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn gaussian_nll_jvp_vjp<P0, P1, P2, P3, Out>(_: P0, _: P1, _: P2, _: P3) -> Out
where
    Out: ::matcalc::__private::SecondOrderAsked,
{
    ::core::unreachable!()
}
