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
#[allow(
    unused_mut,
    unused_variables,
    unused_imports,
    unused_assignments,
    unused_parens,
    unused_braces,
    unreachable_code,
    unused_labels,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn huber_jvp(r: f64, delta: f64, r_dot: f64) -> (f64, f64) {
    let _ = huber;
    use ::matcalc::__private::Spelled as _;
    let mut t1;
    let mut t1_dot;
    if r.abs() <= delta {
        // Constants (`0.5`, `delta`) are inactive values `cN`: no tangent, and a product with one
        // takes the tangent of the other factor only.
        let c2 = 0.5;
        let mut check1 = ::matcalc::__private::Witness::new();
        if false {
            check1 = ::matcalc::__private::witness(&(0.5 * r));
            loop {}
        }
        let t3 = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check1, &c2)),
            &r,
        );
        let t3_dot = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check1, &c2)),
            &r_dot,
        );
        let mut check2 = ::matcalc::__private::Witness::new();
        if false {
            check2 = ::matcalc::__private::witness(&(::core::convert::identity(t3) * r));
            loop {}
        }
        t1 = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check2, &t3)),
            &r,
        );
        let tt1 = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check2, &t3_dot)),
            &r,
        );
        let tt2 = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check2, &t3)),
            &r_dot,
        );
        t1_dot = tt1 + tt2;
    } else {
        let c4 = delta;

        // The user's `r.abs()` is its own check: `witnessed` gives `check3` its type as it computes
        // it, and the rule's inputs and tangents go through `guard(&check3, ..)`. Were `abs` not a
        // method of `r`, the user would read rustc's error on `abs` once, and no other.
        let mut check3 = ::matcalc::__private::Witness::new();
        let t5 = ::matcalc::__private::witnessed(&mut check3, (r).abs());

        // The rule of `abs` from the scalar table: ∂|r|/∂r = sign r (+1 at r = 0), its partial
        // `tt3`, times the tangent.
        let tt3 =
            ::matcalc::__private::scalar::abs((*::matcalc::__private::guard(&check3, &(r))), t5);
        let tt4 = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check3, &tt3)),
            &r_dot,
        );
        let t5_dot = tt4;
        let c6 = 0.5 * delta;
        let mut check4 = ::matcalc::__private::Witness::new();
        if false {
            check4 = ::matcalc::__private::witness(
                &(::core::convert::identity(t5) - ::core::convert::identity(c6)),
            );
            loop {}
        }
        let t7 = ::matcalc::__private::guard_value(&check4, t5) - c6;
        let t7_dot = t5_dot;
        let mut check5 = ::matcalc::__private::Witness::new();
        if false {
            check5 = ::matcalc::__private::witness(
                &(::core::convert::identity(c4) * ::core::convert::identity(t7)),
            );
            loop {}
        }
        t1 = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check5, &c4)),
            &t7,
        );
        t1_dot = ::matcalc::__private::rules::arith::mul(
            ::core::convert::identity(::matcalc::__private::guard(&check5, &c4)),
            &t7_dot,
        );
    }
    return (t1, t1_dot);
}

// REVERSE MODE. Each arm is a straight-line segment with a residual tape of its own (`tape0`,
// `tape1`); the control tape records which arm ran, so the pullback replays that one.
/// Reverse mode of [`huber`]: its value and the pullback, which maps a cotangent of the value to the adjoints of the active parameters (a tuple when there are several). The pullback may be called many times.
#[allow(
    unused_mut,
    unused_variables,
    unused_imports,
    unused_assignments,
    unused_parens,
    unused_braces,
    unreachable_code,
    unused_labels,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn huber_vjp(r: f64, delta: f64) -> (f64, impl ::core::ops::Fn(f64) -> f64 + use<>) {
    let _ = huber;
    use ::matcalc::__private::Spelled as _;
    let r_zeros = ::matcalc::__private::zeros_of(&r);

    // The function has no loop, so each of its three segments (the two arms and the return)
    // runs at most once: the control tape that says which ran is an array of three, and each
    // segment's residuals an `Option`. Nothing comes from the pool of tapes.
    let mut ctrl = ::matcalc::__private::Trace::<3usize>::new();
    let mut tape0 = ::core::option::Option::None;
    let mut tape1 = ::core::option::Option::None;
    let mut tape2 = ::core::option::Option::None;
    let value: f64 = 'body: {
        let mut t1;
        if r.abs() <= delta {
            let c2 = 0.5;
            let mut check1 = ::matcalc::__private::Witness::new();
            if false {
                check1 = ::matcalc::__private::witness(&(0.5 * r));
                loop {}
            }
            let t3 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check1, &c2)),
                &r,
            );

            // What the backward sweep of this arm needs. The literal `0.5` is not stored: `type_of`
            // keeps only its type (zero bytes), and the pullback writes the literal again.
            let r1 = ::matcalc::__private::type_of(::matcalc::__private::guard(&check1, &c2));
            let r2 = ::matcalc::__private::type_of(&r);
            let r3 = check1;
            let mut check2 = ::matcalc::__private::Witness::new();
            if false {
                check2 = ::matcalc::__private::witness(&(::core::convert::identity(t3) * r));
                loop {}
            }
            t1 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check2, &t3)),
                &r,
            );
            let r4 = ::matcalc::__private::save(::matcalc::__private::guard(&check2, &t3));
            let r5 = ::matcalc::__private::save(&r);
            let r6 = check2;

            // Arm 0 ran: its number goes on the control tape, its residuals in its `Option`.
            ctrl.push(0u32);
            tape0 = ::core::option::Option::Some((r1, r2, r3, r4, r5, r6));
        } else {
            let c4 = delta;
            let mut check3 = ::matcalc::__private::Witness::new();
            let t5 = ::matcalc::__private::witnessed(&mut check3, (r).abs());

            // The partial of `abs` at r, computed now and stored: the pullback multiplies by it.
            let r7 =
                ::matcalc::__private::scalar::abs((*::matcalc::__private::guard(&check3, &r)), t5);
            let r8 = check3;
            let c6 = 0.5 * delta;
            let mut check4 = ::matcalc::__private::Witness::new();
            if false {
                check4 = ::matcalc::__private::witness(
                    &(::core::convert::identity(t5) - ::core::convert::identity(c6)),
                );
                loop {}
            }
            let t7 = ::matcalc::__private::guard_value(&check4, t5) - c6;
            let r9 = check4;
            let mut check5 = ::matcalc::__private::Witness::new();
            if false {
                check5 = ::matcalc::__private::witness(
                    &(::core::convert::identity(c4) * ::core::convert::identity(t7)),
                );
                loop {}
            }
            t1 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check5, &c4)),
                &t7,
            );
            let r10 = ::matcalc::__private::save(::matcalc::__private::guard(&check5, &c4));
            let r11 = ::matcalc::__private::type_of(&t7);
            let r12 = check5;
            ctrl.push(1u32);
            tape1 = ::core::option::Option::Some((r7, r8, r9, r10, r11, r12));
        }
        let r13 = ::matcalc::__private::type_of(&t1);
        ctrl.push(2u32);
        tape2 = ::core::option::Option::Some((r13,));
        break 'body t1;
    };

    // The pullback: the control tape backwards, here the return and then the arm that ran.
    let pullback = move |seed: f64| -> f64 {
        let mut r_bar = ::core::option::Option::None;
        let mut t1_bar = ::core::option::Option::None;
        for segment in ctrl.iter().rev() {
            match *segment {
                // The first arm backwards: t1 = t3·r with t3 = 0.5·r, so
                // r̄ = t̄₁·t3 + (t̄₁·r)·0.5.
                0u32 => {
                    let (r1, r2, r3, r4, r5, r6) = ::matcalc::__private::recorded(&tape0);
                    let mut t3_bar = ::core::option::Option::None;
                    if let ::core::option::Option::Some(g) = t1_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t3_bar,
                            ::matcalc::__private::guard_value(
                                r6,
                                ::matcalc::__private::rules::arith::mul_pullback_lhs(
                                    ::core::convert::identity(&::matcalc::__private::type_of(r4)),
                                    r5,
                                    &g,
                                ),
                            ),
                        );
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r4),
                                &::matcalc::__private::type_of(r5),
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t3_bar.take() {
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(&::matcalc::__private::literal(
                                    r1,
                                    || 0.5,
                                )),
                                r2,
                                &g,
                            ),
                        );
                    }
                }

                // The second arm: t1 = delta·t7, t7 = t5 − 0.5·delta, t5 = |r|, so
                // r̄ = t̄₁·delta·sign r.
                1u32 => {
                    let (r7, r8, r9, r10, r11, r12) = ::matcalc::__private::recorded(&tape1);
                    let mut t5_bar = ::core::option::Option::None;
                    let mut t7_bar = ::core::option::Option::None;
                    if let ::core::option::Option::Some(g) = t1_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t7_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r10),
                                r11,
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t7_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t5_bar,
                            ::matcalc::__private::guard_value(r9, g),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t5_bar.take() {
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::guard_value(r8, *r7 * g),
                        );
                    }
                }

                // The return ran last and is replayed first: the seed becomes the adjoint of t1.
                2u32 => {
                    let (r13,) = ::matcalc::__private::recorded(&tape2);
                    ::matcalc::__private::acc(
                        &mut t1_bar,
                        ::matcalc::__private::seed_as(r13, ::core::clone::Clone::clone(&seed)),
                    );
                }
                _ => ::core::unreachable!("matcalc: a segment that was never recorded"),
            }
        }
        ::matcalc::__private::finish(r_bar, &r_zeros)
    };
    (value, pullback)
}

// The gradient, the Jacobian (one pass of either mode here) and the second-order functions
// follow the same pattern as in `sum_of_squares-expanded.rs`.
/// The gradient of [`huber`]: its value and the adjoints of the active parameters (a tuple when there are several).
#[allow(
    unused_mut,
    unused_variables,
    unused_imports,
    unused_assignments,
    unused_parens,
    unused_braces,
    unreachable_code,
    unused_labels,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn huber_grad(r: f64, delta: f64) -> (f64, f64) {
    let (value, pullback) = huber_vjp(r, delta);
    (value, pullback(1.0))
}
/// The Jacobian of [`huber`]: its value and the matrix of ∂vec(value)/∂vec(active parameters), the parameters concatenated in order, column-major. Computed by forward or reverse mode, whichever needs fewer passes.
#[allow(
    unused_mut,
    unused_variables,
    unused_imports,
    unused_assignments,
    unused_parens,
    unused_braces,
    unreachable_code,
    unused_labels,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn huber_jacobian(r: f64, delta: f64) -> (f64, ::matcalc::__private::nalgebra::DMatrix<f64>) {
    let point: f64 = ::matcalc::__private::save(&r);
    ::matcalc::__private::jacobian(
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
#[allow(
    unused_mut,
    unused_variables,
    unused_imports,
    unused_assignments,
    unused_parens,
    unused_braces,
    unreachable_code,
    unused_labels,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn huber_jvp_vjp(
    r: f64,
    delta: f64,
    r_dot: f64,
) -> (
    (f64, f64),
    impl ::core::ops::Fn((f64, f64)) -> (f64, f64) + use<>,
) {
    let _ = huber;
    use ::matcalc::__private::Spelled as _;
    let r_zeros = ::matcalc::__private::zeros_of(&r);
    let r_dot_zeros = ::matcalc::__private::zeros_of(&r_dot);
    let mut ctrl = ::matcalc::__private::Trace::<3usize>::new();
    let mut tape0 = ::core::option::Option::None;
    let mut tape1 = ::core::option::Option::None;
    let mut tape2 = ::core::option::Option::None;
    let value: (f64, f64) = 'body: {
        let mut t1;
        let mut t1_dot;
        if r.abs() <= delta {
            let c2 = 0.5;
            let mut check1 = ::matcalc::__private::Witness::new();
            if false {
                check1 = ::matcalc::__private::witness(&(0.5 * r));
                loop {}
            }
            let t3 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check1, &c2)),
                &r,
            );
            let r1 = ::matcalc::__private::type_of(::matcalc::__private::guard(&check1, &c2));
            let r2 = ::matcalc::__private::type_of(&r);
            let r3 = check1;
            let t3_dot = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check1, &c2)),
                &r_dot,
            );
            let r4 = ::matcalc::__private::type_of(&r_dot);
            let mut check2 = ::matcalc::__private::Witness::new();
            if false {
                check2 = ::matcalc::__private::witness(&(::core::convert::identity(t3) * r));
                loop {}
            }
            t1 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check2, &t3)),
                &r,
            );
            let r5 = ::matcalc::__private::save(::matcalc::__private::guard(&check2, &t3));
            let r6 = ::matcalc::__private::save(&r);
            let r7 = check2;
            let tt1 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check2, &t3_dot)),
                &r,
            );
            let r8 = ::matcalc::__private::save(::matcalc::__private::guard(&check2, &t3_dot));
            let tt2 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check2, &t3)),
                &r_dot,
            );
            let r9 = ::matcalc::__private::save(&r_dot);
            t1_dot = tt1 + tt2;
            ctrl.push(0u32);
            tape0 = ::core::option::Option::Some((r1, r2, r3, r4, r5, r6, r7, r8, r9));
        } else {
            let c4 = delta;
            let mut check3 = ::matcalc::__private::Witness::new();
            let t5 = ::matcalc::__private::witnessed(&mut check3, (r).abs());
            let r10 =
                ::matcalc::__private::scalar::abs((*::matcalc::__private::guard(&check3, &r)), t5);
            let r11 = check3;
            let (out12, pullback12) = ::matcalc::__private::scalar::abs_vjp(
                (*::matcalc::__private::guard(&check3, &(r))),
                t5,
            );
            let tt3 = out12;
            let r13 = pullback12;
            let tt4 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check3, &tt3)),
                &r_dot,
            );
            let r14 = ::matcalc::__private::save(::matcalc::__private::guard(&check3, &tt3));
            let r15 = ::matcalc::__private::save(&r_dot);
            let t5_dot = tt4;
            let c6 = 0.5 * delta;
            let mut check4 = ::matcalc::__private::Witness::new();
            if false {
                check4 = ::matcalc::__private::witness(
                    &(::core::convert::identity(t5) - ::core::convert::identity(c6)),
                );
                loop {}
            }
            let t7 = ::matcalc::__private::guard_value(&check4, t5) - c6;
            let r16 = check4;
            let t7_dot = t5_dot;
            let mut check5 = ::matcalc::__private::Witness::new();
            if false {
                check5 = ::matcalc::__private::witness(
                    &(::core::convert::identity(c4) * ::core::convert::identity(t7)),
                );
                loop {}
            }
            t1 = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check5, &c4)),
                &t7,
            );
            let r17 = ::matcalc::__private::save(::matcalc::__private::guard(&check5, &c4));
            let r18 = ::matcalc::__private::type_of(&t7);
            let r19 = check5;
            t1_dot = ::matcalc::__private::rules::arith::mul(
                ::core::convert::identity(::matcalc::__private::guard(&check5, &c4)),
                &t7_dot,
            );
            let r20 = ::matcalc::__private::type_of(&t7_dot);
            ctrl.push(1u32);
            tape1 =
                ::core::option::Option::Some((r10, r11, r13, r14, r15, r16, r17, r18, r19, r20));
        }
        let r21 = ::matcalc::__private::type_of(&t1);
        let r22 = ::matcalc::__private::type_of(&t1_dot);
        ctrl.push(2u32);
        tape2 = ::core::option::Option::Some((r21, r22));
        break 'body (t1, t1_dot);
    };
    let pullback = move |seed: (f64, f64)| -> (f64, f64) {
        let mut r_bar = ::core::option::Option::None;
        let mut t1_bar = ::core::option::Option::None;
        let mut r_dot_bar = ::core::option::Option::None;
        let mut t1_dot_bar = ::core::option::Option::None;
        for segment in ctrl.iter().rev() {
            match *segment {
                0u32 => {
                    let (r1, r2, r3, r4, r5, r6, r7, r8, r9) =
                        ::matcalc::__private::recorded(&tape0);
                    let mut t3_bar = ::core::option::Option::None;
                    let mut t3_dot_bar = ::core::option::Option::None;
                    let mut tt1_bar = ::core::option::Option::None;
                    let mut tt2_bar = ::core::option::Option::None;
                    if let ::core::option::Option::Some(g) = t1_dot_bar.take() {
                        ::matcalc::__private::acc(&mut tt1_bar, ::core::clone::Clone::clone(&g));
                        ::matcalc::__private::acc(&mut tt2_bar, g);
                    }
                    if let ::core::option::Option::Some(g) = tt2_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t3_bar,
                            ::matcalc::__private::guard_value(
                                r7,
                                ::matcalc::__private::rules::arith::mul_pullback_lhs(
                                    ::core::convert::identity(&::matcalc::__private::type_of(r5)),
                                    r9,
                                    &g,
                                ),
                            ),
                        );
                        ::matcalc::__private::acc(
                            &mut r_dot_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r5),
                                &::matcalc::__private::type_of(r9),
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = tt1_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t3_dot_bar,
                            ::matcalc::__private::guard_value(
                                r7,
                                ::matcalc::__private::rules::arith::mul_pullback_lhs(
                                    ::core::convert::identity(&::matcalc::__private::type_of(r8)),
                                    r6,
                                    &g,
                                ),
                            ),
                        );
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r8),
                                &::matcalc::__private::type_of(r6),
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t1_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t3_bar,
                            ::matcalc::__private::guard_value(
                                r7,
                                ::matcalc::__private::rules::arith::mul_pullback_lhs(
                                    ::core::convert::identity(&::matcalc::__private::type_of(r5)),
                                    r6,
                                    &g,
                                ),
                            ),
                        );
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r5),
                                &::matcalc::__private::type_of(r6),
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t3_dot_bar.take() {
                        ::matcalc::__private::acc(
                            &mut r_dot_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(&::matcalc::__private::literal(
                                    r1,
                                    || 0.5,
                                )),
                                r4,
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t3_bar.take() {
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(&::matcalc::__private::literal(
                                    r1,
                                    || 0.5,
                                )),
                                r2,
                                &g,
                            ),
                        );
                    }
                }
                1u32 => {
                    let (r10, r11, r13, r14, r15, r16, r17, r18, r19, r20) =
                        ::matcalc::__private::recorded(&tape1);
                    let mut t5_bar = ::core::option::Option::None;
                    let mut t7_bar = ::core::option::Option::None;
                    let mut tt3_bar = ::core::option::Option::None;
                    let mut tt4_bar = ::core::option::Option::None;
                    let mut t5_dot_bar = ::core::option::Option::None;
                    let mut t7_dot_bar = ::core::option::Option::None;
                    if let ::core::option::Option::Some(g) = t1_dot_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t7_dot_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r17),
                                r20,
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t1_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t7_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r17),
                                r18,
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t7_dot_bar.take() {
                        ::matcalc::__private::acc(&mut t5_dot_bar, g);
                    }
                    if let ::core::option::Option::Some(g) = t7_bar.take() {
                        ::matcalc::__private::acc(
                            &mut t5_bar,
                            ::matcalc::__private::guard_value(r16, g),
                        );
                    }
                    if let ::core::option::Option::Some(g) = t5_dot_bar.take() {
                        ::matcalc::__private::acc(&mut tt4_bar, g);
                    }
                    if let ::core::option::Option::Some(g) = tt4_bar.take() {
                        ::matcalc::__private::acc(
                            &mut tt3_bar,
                            ::matcalc::__private::guard_value(
                                r11,
                                ::matcalc::__private::rules::arith::mul_pullback_lhs(
                                    ::core::convert::identity(&::matcalc::__private::type_of(r14)),
                                    r15,
                                    &g,
                                ),
                            ),
                        );
                        ::matcalc::__private::acc(
                            &mut r_dot_bar,
                            ::matcalc::__private::rules::arith::mul_pullback_rhs(
                                ::core::convert::identity(r14),
                                &::matcalc::__private::type_of(r15),
                                &g,
                            ),
                        );
                    }
                    if let ::core::option::Option::Some(g) = tt3_bar.take() {
                        let (g0, g1) = r13(g);
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::guard_value(r11, g0),
                        );
                        ::matcalc::__private::acc(&mut t5_bar, g1);
                    }
                    if let ::core::option::Option::Some(g) = t5_bar.take() {
                        ::matcalc::__private::acc(
                            &mut r_bar,
                            ::matcalc::__private::guard_value(r11, *r10 * g),
                        );
                    }
                }
                2u32 => {
                    let (r21, r22) = ::matcalc::__private::recorded(&tape2);
                    ::matcalc::__private::acc(
                        &mut t1_dot_bar,
                        ::matcalc::__private::seed_as(r22, ::core::clone::Clone::clone(&seed.1)),
                    );
                    ::matcalc::__private::acc(
                        &mut t1_bar,
                        ::matcalc::__private::seed_as(r21, ::core::clone::Clone::clone(&seed.0)),
                    );
                }
                _ => ::core::unreachable!("matcalc: a segment that was never recorded"),
            }
        }
        (
            ::matcalc::__private::finish(r_bar, &r_zeros),
            ::matcalc::__private::finish(r_dot_bar, &r_dot_zeros),
        )
    };
    (value, pullback)
}

// Second order is reverse mode over forward mode: the second derivative is 1 in the first arm
// and 0 in the second; at |r| = delta it is the first arm's, which the `<=` chooses.
/// The Hessian-vector product of [`huber`]: its value, its gradient, and the Hessian applied to the tangents (one per active parameter), by reverse mode over forward mode: one pass of `huber_jvp_vjp`, the cost of a few gradients.
#[allow(
    unused_mut,
    unused_variables,
    unused_imports,
    unused_assignments,
    unused_parens,
    unused_braces,
    unreachable_code,
    unused_labels,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn huber_hvp(r: f64, delta: f64, r_dot: f64) -> (f64, f64, f64) {
    let ((value, _), pullback) = huber_jvp_vjp(r, delta, r_dot);
    let (h0, g0) = pullback((0.0, 1.0));
    (value, g0, h0)
}
/// The Hessian of [`huber`]: its value, its gradient, and the matrix of second derivatives over the active parameters concatenated in order (column-major), one Hessian-vector product per column.
#[allow(
    unused_mut,
    unused_variables,
    unused_imports,
    unused_assignments,
    unused_parens,
    unused_braces,
    unreachable_code,
    unused_labels,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn huber_hessian(r: f64, delta: f64) -> (f64, f64, ::matcalc::__private::nalgebra::DMatrix<f64>) {
    let point: f64 = ::matcalc::__private::save(&r);
    ::matcalc::__private::hessian(&point, |direction: &f64| {
        huber_hvp(
            ::core::clone::Clone::clone(&r),
            ::core::clone::Clone::clone(&delta),
            ::core::clone::Clone::clone(&(*direction)),
        )
    })
}
