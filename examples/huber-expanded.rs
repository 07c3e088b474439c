//! What `#[differentiate]` writes for a branch on an active value.
//!
//! Below the marker line is the expansion of `#[differentiate(wrt(r), hessian)]` on `huber`, exactly as
//! the macro writes it today, formatted by rustfmt, with comments added by hand. The test
//! `expanded_examples_match_the_macro` of matcalc-macros checks it against the macro;
//! `MATCALC_BLESS=1 cargo test -p matcalc-macros` rewrites it when the macro changes.
//!
//! `cargo run --example huber-expanded` runs the generated functions.

fn main() {
    // Inside the band the loss is r²/2, its derivative r; outside, δ·(|r| − δ/2), derivative ±δ.
    assert_eq!(huber_grad(0.5, 1.0), (0.125, 0.5));
    assert_eq!(huber_grad(-3.0, 1.0), (2.5, -1.0));
    assert_eq!(huber_jvp(-3.0, 1.0, 2.0), (2.5, -2.0));
    // The second derivative is 1 inside the band and 0 outside.
    assert_eq!(huber_hvp(0.5, 1.0, 1.0), (0.125, 0.5, 1.0));
    assert_eq!(huber_hvp(-3.0, 1.0, 1.0), (2.5, -1.0, 0.0));
    println!("huber: values, derivatives and second derivatives as expected");
}

// ---- expansion of #[differentiate(wrt(r), hessian)] ----
// The user's function, unchanged. `wrt(r)` makes `r` the one active parameter; `delta` is
// inactive, so it gets no tangent and no adjoint, and is copied into the derivatives as is.
/// The Huber loss of a residual `r`: quadratic within `delta` of zero, linear beyond.
fn huber(r: f64, delta: f64) -> f64 {
    if r.abs() <= delta {
        0.5 * r * r
    } else {
        delta * (r.abs() - 0.5 * delta)
    }
}

// FORWARD MODE. The `if` stays an `if`, each arm computing the value `t1` and its tangent
// `t1_dot`. The condition compares active values, but it only chooses an arm: a comparison has
// no derivative.
/// Forward mode of [`huber`]: its value and its directional derivative along the tangents (one per active parameter, in order).
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn huber_jvp(r: f64, delta: f64, r_dot: f64) -> (f64, f64) {
    let _ = huber;
    use ::matcalc::__private as __matcalc;
    let mut t1;
    let mut t1_dot;
    if r.abs() <= delta {
        // Constants (`0.5`, `delta`) are inactive values `cN`: no tangent, and a product with one
        // takes the tangent of the other factor only. `r` is an `f64` and so are the constants,
        // so every product is written as the user wrote it: a product of floats cannot fail to
        // type-check, and `huber` itself reports any error in the user's code.
        let c2 = 0.5;
        let t3 = c2 * r;
        let t3_dot = c2 * r_dot;
        t1 = t3 * r;
        let tt1 = t3_dot * r;
        let tt2 = t3 * r_dot;
        t1_dot = tt1 + tt2;
    } else {
        let c4 = delta;

        // The user's `r.abs()`, then the rule of `abs` from the scalar table: ∂|r|/∂r = sign r
        // (+1 at r = 0), its partial `tt3`, times the tangent.
        let t5 = (r).abs();
        let tt3 = ::matcalc::__private::scalar::abs(r, t5);
        let t5_dot = tt3 * r_dot;
        let c6 = 0.5 * delta;
        let t7 = t5 - c6;
        let t7_dot = t5_dot;
        t1 = c4 * t7;
        t1_dot = c4 * t7_dot;
    }
    return (t1, t1_dot);
}

// REVERSE MODE. Each arm is a straight-line segment with a residual tape of its own (`tape0`,
// `tape1`); the control tape records which arm ran, so the pullback replays that one.
/// Reverse mode of [`huber`]: its value and the pullback, which maps a cotangent of the value to the adjoints of the active parameters (a tuple when there are several). The pullback may be called many times.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn huber_vjp(r: f64, delta: f64) -> (f64, impl ::core::ops::Fn(f64) -> f64 + use<>) {
    let _ = huber;
    use ::matcalc::__private as __matcalc;
    let r_zeros = __matcalc::zeros_of(&r);

    // The function has no loop, so each of its three segments (the two arms and the return)
    // runs at most once: the control tape that says which ran is three flags, and each
    // segment's residuals an `Option`. Nothing comes from the pool of tapes.
    let mut ctrl = __matcalc::Trace::<3usize>::new();

    // What the backward sweep of each arm needs: the factors of its products. The literal
    // `0.5` is not stored: the pullback writes it again.
    let mut tape0 = ::core::option::Option::None;
    let mut tape1 = ::core::option::Option::None;
    let mut tape2 = ::core::option::Option::None;
    let value: f64 = 'body: {
        let mut t1;
        if r.abs() <= delta {
            let c2 = 0.5;
            let t3 = c2 * r;
            t1 = t3 * r;
            let r1 = t3;
            let r2 = r;

            // Arm 0 ran: its flag is set on the control tape, its residuals go in its `Option`.
            ctrl.push(0u32);
            tape0 = ::core::option::Option::Some((r1, r2));
        } else {
            let c4 = delta;
            let t5 = (r).abs();

            // The partial of `abs` at r, computed now and stored: the pullback multiplies by it.
            let r3 = __matcalc::scalar::abs((*&r), t5);
            let c6 = 0.5 * delta;
            let t7 = t5 - c6;
            t1 = c4 * t7;
            let r4 = c4;
            ctrl.push(1u32);
            tape1 = ::core::option::Option::Some((r3, r4));
        }
        let r5 = __matcalc::type_of(&t1);
        ctrl.push(2u32);
        tape2 = ::core::option::Option::Some((r5,));
        break 'body t1;
    };

    // The pullback: each segment that ran, from the last to the first (a function without
    // loops runs its segments in the order of their numbers): the return, then the arm that
    // ran, as straight code with a test per segment.
    let pullback = move |seed: f64| -> f64 {
        let mut r_bar: ::core::option::Option<f64> = ::core::option::Option::None;
        let mut t1_bar: ::core::option::Option<f64> = ::core::option::Option::None;
        // The return ran last and is replayed first: the seed becomes the adjoint of t1.
        if ctrl.ran(2u32) {
            let (r5,) = __matcalc::recorded(&tape2);
            __matcalc::acc(
                &mut t1_bar,
                __matcalc::seed_as(r5, ::core::clone::Clone::clone(&seed)),
            );
        }
        // The second arm, if it ran: t1 = delta·t7, t7 = t5 − 0.5·delta, t5 = |r|, so
        // r̄ = t̄₁·delta·sign r.
        if ctrl.ran(1u32) {
            let (r3, r4) = __matcalc::recorded(&tape1);
            let g = __matcalc::certain(&mut t1_bar);
            let t7_bar: f64 = (*r4) * g;
            let t5_bar: f64 = t7_bar;
            __matcalc::acc(&mut r_bar, *r3 * t5_bar);
        }
        // The first arm, if it ran: t1 = t3·r with t3 = 0.5·r, so
        // r̄ = t̄₁·t3 + (t̄₁·r)·0.5: products of floats, written as such. The return,
        // replayed before either arm, seeded t̄₁: `certain` takes it without a test,
        // and the arm's own adjoints are plain floats (see `definite` in the macro's
        // `reverse/`).
        if ctrl.ran(0u32) {
            let (r1, r2) = __matcalc::recorded(&tape0);
            let g = __matcalc::certain(&mut t1_bar);
            let t3_bar: f64 = g * (*r2);
            __matcalc::acc(&mut r_bar, (*r1) * g);
            __matcalc::acc(&mut r_bar, 0.5 * t3_bar);
        }
        __matcalc::finish(r_bar, &r_zeros)
    };
    (value, pullback)
}

// The gradient, the Jacobian (one pass of either mode here) and the second-order functions
// follow the same pattern as in `sum_of_squares-expanded.rs`.
/// The gradient of [`huber`]: its value and the adjoints of the active parameters (a tuple when there are several).
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn huber_grad(r: f64, delta: f64) -> (f64, f64) {
    use ::matcalc::__private as __matcalc;
    let (value, pullback) = huber_vjp(r, delta);
    (value, pullback(1.0))
}
/// The Jacobian of [`huber`]: its value and the matrix of ∂vec(value)/∂vec(active parameters), the parameters concatenated in order, column-major. Computed by forward or reverse mode, whichever needs fewer passes.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn huber_jacobian(r: f64, delta: f64) -> (f64, ::matcalc::__private::nalgebra::DMatrix<f64>) {
    use ::matcalc::__private as __matcalc;
    let point: f64 = __matcalc::save(&r);
    __matcalc::jacobian(
        &point,
        |direction: &f64| {
            huber_jvp(
                ::core::clone::Clone::clone(&r),
                ::core::clone::Clone::clone(&delta),
                ::core::clone::Clone::clone(&(*direction)),
            )
        },
        || {
            huber_vjp(
                ::core::clone::Clone::clone(&r),
                ::core::clone::Clone::clone(&delta),
            )
        },
    )
}
/// Reverse mode of [`huber_jvp`]: its value and the pullback, which maps a cotangent of the value to the adjoints of the active parameters (a tuple when there are several). The pullback may be called many times.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn huber_jvp_vjp(
    r: f64,
    delta: f64,
    r_dot: f64,
) -> (
    (f64, f64),
    impl ::core::ops::Fn((f64, f64)) -> (f64, f64) + use<>,
) {
    let _ = huber;
    use ::matcalc::__private as __matcalc;
    let r_zeros = __matcalc::zeros_of(&r);
    let r_dot_zeros = __matcalc::zeros_of(&r_dot);
    let mut ctrl = __matcalc::Trace::<3usize>::new();
    let mut tape0 = ::core::option::Option::None;
    let mut tape1 = ::core::option::Option::None;
    let mut tape2 = ::core::option::Option::None;
    let value: (f64, f64) = 'body: {
        let mut t1;
        let mut t1_dot;
        if r.abs() <= delta {
            let c2 = 0.5;
            let t3 = c2 * r;
            let t3_dot = c2 * r_dot;
            t1 = t3 * r;
            let r1 = t3;
            let r2 = r;
            let tt1 = t3_dot * r;
            let r3 = t3_dot;
            let tt2 = t3 * r_dot;
            let r4 = r_dot;
            t1_dot = tt1 + tt2;
            ctrl.push(0u32);
            tape0 = ::core::option::Option::Some((r1, r2, r3, r4));
        } else {
            let c4 = delta;
            let t5 = (r).abs();
            let r5 = __matcalc::scalar::abs((*&r), t5);
            let (out6, pullback6) = ::matcalc::__private::scalar::abs_vjp(r, t5);
            let tt3 = out6;
            let r7 = pullback6;
            let t5_dot = tt3 * r_dot;
            let r8 = tt3;
            let r9 = r_dot;
            let c6 = 0.5 * delta;
            let t7 = t5 - c6;
            let t7_dot = t5_dot;
            t1 = c4 * t7;
            let r10 = c4;
            t1_dot = c4 * t7_dot;
            ctrl.push(1u32);
            tape1 = ::core::option::Option::Some((r5, r7, r8, r9, r10));
        }
        let r11 = __matcalc::type_of(&t1);
        let r12 = __matcalc::type_of(&t1_dot);
        ctrl.push(2u32);
        tape2 = ::core::option::Option::Some((r11, r12));
        break 'body (t1, t1_dot);
    };
    let pullback = move |seed: (f64, f64)| -> (f64, f64) {
        let mut r_bar: ::core::option::Option<f64> = ::core::option::Option::None;
        let mut t1_bar: ::core::option::Option<f64> = ::core::option::Option::None;
        let mut r_dot_bar: ::core::option::Option<f64> = ::core::option::Option::None;
        let mut t1_dot_bar: ::core::option::Option<f64> = ::core::option::Option::None;
        if ctrl.ran(2u32) {
            let (r11, r12) = __matcalc::recorded(&tape2);
            __matcalc::acc(
                &mut t1_dot_bar,
                __matcalc::seed_as(r12, ::core::clone::Clone::clone(&seed.1)),
            );
            __matcalc::acc(
                &mut t1_bar,
                __matcalc::seed_as(r11, ::core::clone::Clone::clone(&seed.0)),
            );
        }
        if ctrl.ran(1u32) {
            let (r5, r7, r8, r9, r10) = __matcalc::recorded(&tape1);
            let g = __matcalc::certain(&mut t1_dot_bar);
            let t7_dot_bar: f64 = (*r10) * g;
            let g = __matcalc::certain(&mut t1_bar);
            let t7_bar: f64 = (*r10) * g;
            let t5_dot_bar: f64 = t7_dot_bar;
            let mut t5_bar: f64 = t7_bar;
            let tt3_bar: f64 = t5_dot_bar * (*r9);
            __matcalc::acc(&mut r_dot_bar, (*r8) * t5_dot_bar);
            let (g0, g1) = r7(tt3_bar);
            __matcalc::acc(&mut r_bar, g0);
            t5_bar += g1;
            __matcalc::acc(&mut r_bar, *r5 * t5_bar);
        }
        if ctrl.ran(0u32) {
            let (r1, r2, r3, r4) = __matcalc::recorded(&tape0);
            let g = __matcalc::certain(&mut t1_dot_bar);
            let tt1_bar: f64 = g;
            let tt2_bar: f64 = g;
            let mut t3_bar: f64 = tt2_bar * (*r4);
            __matcalc::acc(&mut r_dot_bar, (*r1) * tt2_bar);
            let t3_dot_bar: f64 = tt1_bar * (*r2);
            __matcalc::acc(&mut r_bar, (*r3) * tt1_bar);
            let g = __matcalc::certain(&mut t1_bar);
            t3_bar += g * (*r2);
            __matcalc::acc(&mut r_bar, (*r1) * g);
            __matcalc::acc(&mut r_dot_bar, 0.5 * t3_dot_bar);
            __matcalc::acc(&mut r_bar, 0.5 * t3_bar);
        }
        (
            __matcalc::finish(r_bar, &r_zeros),
            __matcalc::finish(r_dot_bar, &r_dot_zeros),
        )
    };
    (value, pullback)
}

// Second order is reverse mode over forward mode: the second derivative is 1 in the first arm
// and 0 in the second; at |r| = delta it is the first arm's, which the `<=` chooses.
/// The Hessian-vector product of [`huber`]: its value, its gradient, and the Hessian applied to the tangents (one per active parameter), by reverse mode over forward mode: one pass of `huber_jvp_vjp`, the cost of a few gradients.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn huber_hvp(r: f64, delta: f64, r_dot: f64) -> (f64, f64, f64) {
    use ::matcalc::__private as __matcalc;
    let ((value, _), pullback) = huber_jvp_vjp(r, delta, r_dot);
    let (h0, g0) = pullback((0.0, 1.0));
    (value, g0, h0)
}
/// The Hessian of [`huber`]: its value, its gradient, and the matrix of second derivatives over the active parameters concatenated in order (column-major), one Hessian-vector product per column.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn huber_hessian(r: f64, delta: f64) -> (f64, f64, ::matcalc::__private::nalgebra::DMatrix<f64>) {
    use ::matcalc::__private as __matcalc;
    let point: f64 = __matcalc::save(&r);
    __matcalc::hessian(&point, |direction: &f64| {
        huber_hvp(
            ::core::clone::Clone::clone(&r),
            ::core::clone::Clone::clone(&delta),
            ::core::clone::Clone::clone(&(*direction)),
        )
    })
}
