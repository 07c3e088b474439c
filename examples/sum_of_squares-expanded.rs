//! What `#[differentiate]` writes for a loop over a slice.
//!
//! Below the marker line is the expansion of `#[differentiate]` on `sum_of_squares`, exactly as
//! the macro writes it today, formatted by rustfmt, with comments added by hand. The test
//! `expanded_examples_match_the_macro` of matcalc-macros checks it against the macro;
//! `MATCALC_BLESS=1 cargo test -p matcalc-macros` rewrites it when the macro changes.
//!
//! `cargo run --example sum_of_squares-expanded` runs the generated functions.

fn main() {
    let x = [1.0, 2.0, 3.0];
    assert_eq!(sum_of_squares(&x, 3), 14.0);
    // Forward mode: the derivative along x_dot = e₀ is ∂s/∂x₀ = 2·x₀.
    assert_eq!(sum_of_squares_jvp(&x, 3, &[1.0, 0.0, 0.0]), (14.0, 2.0));
    // Reverse mode: the pullback maps a cotangent of s to the adjoint of x, 2·x·s̄.
    let (_, pullback) = sum_of_squares_vjp(&x, 3);
    assert_eq!(pullback(0.5), vec![1.0, 2.0, 3.0]);
    assert_eq!(sum_of_squares_grad(&x, 3), (14.0, vec![2.0, 4.0, 6.0]));
    // Only the first n = 2 entries count.
    assert_eq!(sum_of_squares_grad(&x, 2), (5.0, vec![2.0, 4.0, 0.0]));
    println!("sum_of_squares: value, derivative and gradient as expected");
}

// ---- expansion of #[differentiate] ----
// The user's function comes first, unchanged. Everything after it is generated.
/// Σᵢ xᵢ² over the first `n` entries of `x`.
fn sum_of_squares(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += x[i] * x[i];
    }
    s
}

// FORWARD MODE. Each active value `v` is followed by its tangent `v_dot`; inactive values
// (`n`, the counter `i`) are copied unchanged and get no tangent. The lints are allowed because
// generated code binds values it may not use and must pass the user's `clippy -D warnings`.
/// Forward mode of [`sum_of_squares`]: its value and its directional derivative along the tangents (one per active parameter, in order).
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn sum_of_squares_jvp(x: &[f64], n: usize, x_dot: &[f64]) -> (f64, f64) {
    // The derivative stands for the function: a crate that calls only the derivative uses it.
    let _ = sum_of_squares;

    // The runtime's hidden module under one name, in every generated function.
    use ::matcalc::__private as __matcalc;
    let mut s = 0.0;

    // A tangent starts as a zero made from its primal (not a literal `0.0`), so it has the
    // primal's type: the same code works for f32.
    let zero1 = ::matcalc::__private::zero_like(&s);
    let mut s_dot = zero1;
    for i in 0..n {
        // `s += x[i] * x[i]` in A-normal form: one operation per temporary `tN`, each followed by
        // its tangent. A read of an active buffer reads the tangent buffer at the same index;
        // `x[i]` is read once, since nothing runs between the two factors.
        // Every value here is a scalar of the function's float type (`x` is a slice of `f64`,
        // `s` starts as a float literal), so the products are written as the user wrote them,
        // with the product rule d(ab) = da·b + a·db for the tangent: a product of floats cannot
        // fail to type-check, and the function itself reports any error in the user's code.
        // (An operand the macro cannot tell is a float, a matrix say, goes through the
        // runtime's rules instead, with a check of the user's expression, as in
        // `examples/gaussian_nll-expanded.rs`.)
        let t1 = x[i];
        let t1_dot = x_dot[i];
        let t2 = t1 * t1;
        let tt2 = t1_dot * t1;
        let tt3 = t1 * t1_dot;
        let t2_dot = tt2 + tt3;
        let t3 = s + t2;
        let t3_dot = s_dot + t2_dot;
        s = t3;
        s_dot = t3_dot;
    }

    // The value and its tangent, as they are: `s` is a float, which is what `sum_of_squares`
    // declares it returns. (A value the macro cannot tell is of the declared type leaves
    // through a closure of that type written with the user's tokens, so that a value of the
    // wrong type is reported as in the user's function, once: see `gaussian_nll-expanded.rs`.)
    return (s, s_dot);
}

// REVERSE MODE: a forward sweep that records, and a pullback that replays backwards.
/// Reverse mode of [`sum_of_squares`]: its value and the pullback, which maps a cotangent of the value to the adjoints of the active parameters (a tuple when there are several). The pullback may be called many times.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn sum_of_squares_vjp(
    x: &[f64],
    n: usize,
) -> (
    f64,
    impl ::core::ops::Fn(f64) -> ::std::vec::Vec<f64> + use<>,
) {
    let _ = sum_of_squares;
    use ::matcalc::__private as __matcalc;

    // The shape of `x`, to make a zero adjoint when nothing reaches it.
    let x_zeros = __matcalc::zeros_of(x);

    // What the pullback keeps. The function's control flow is fixed (straight code, a loop
    // without branches of its own, the return): its three segments run once each, in order,
    // so nothing records which ran, and each keeps what it keeps in an `Option`. `frames1`
    // holds what segment 1, the loop, keeps once: what its iterations keep that has no size
    // (the pullback writes the range `0..n` again, as it reads only the parameter `n`, which it
    // captures); `tape2` what segment 2, the
    // return, keeps. The loop body keeps nothing per iteration: the pullback computes its
    // values again (see below). A loop that recorded values would push them on a `Tape`, a
    // `Vec` whose buffer comes back to the thread when the pullback is dropped: the next
    // gradient records into memory already mapped, without page faults or regrowth.
    let mut tape2 = ::core::option::Option::None;
    let mut frames1 = ::core::option::Option::None;

    // The forward sweep: the body as written, in A-normal form, with a `return` turned into
    // `break 'body`.
    let value: f64 = 'body: {
        let mut s = 0.0;
        {
            let mut count: usize = 0;
            let range = 0..n;
            let mut sizeless1 = ::core::option::Option::None;
            // `s`, carried from one iteration to the next, is given a value of its own before
            // the loop and after it: otherwise LLVM, which must keep it across the calls that
            // record around the loop, keeps it in memory inside the loop too (see `carried` in
            // the macro's `reverse/sweep.rs`).
            s = ::core::hint::black_box(s);
            for i in ::core::clone::Clone::clone(&range) {
                let t1 = x[i];
                let t2 = t1 * t1;
                let t3 = s + t2;
                s = t3;

                // No residuals: the backward sweep needs the factor `t1`, which the pullback
                // computes again from its copy of `x`, which the function never writes; nor
                // the index `i`: the pullback runs the range again, backwards.
                // The shape of `s`, which the loop carries (zero bytes for a float): the
                // pullback makes the adjoint of `s` from it before it runs the loop backwards.
                let s_bar_zeros = __matcalc::zeros_of(&s);
                sizeless1 = ::core::option::Option::Some((s_bar_zeros,));
                count += 1;
            }

            s = ::core::hint::black_box(s);
            frames1 = ::core::option::Option::Some((sizeless1,));
        }

        // The returned value's type, kept (zero-sized): the pullback seeds its adjoint as that type
        // (`seed_as`, the identity in code that compiles).
        let r3 = __matcalc::type_of(&s);
        tape2 = ::core::option::Option::Some((r3,));
        break 'body s;
    };

    // The copy of `x` the pullback reads the factors off again: n values once, instead of two
    // per iteration on a tape (in a buffer of the thread's pool, like a tape).
    let x_kept = __matcalc::Tape::copy_of(x);

    // The pullback owns its tapes and borrows nothing from the arguments, so it outlives them;
    // it only reads the tapes, so it can be called many times (with any cotangent `seed`).
    let pullback = move |seed: f64| -> ::std::vec::Vec<f64> {
        let x: &[f64] = &x_kept;

        // Adjoints that a contribution may not reach are lazy: `None` until a first one
        // arrives, which `acc` adds; a branch not taken then costs nothing, and a zero never
        // meets an infinite derivative. That of a float is declared as one: the arithmetic of
        // its pullback does not say so.
        let mut x_bar = ::core::option::Option::None;
        let mut s_bar: ::core::option::Option<f64> = ::core::option::Option::None;

        // The backward sweep: the segments in reverse order, each statement's rule backwards,
        // as straight code. Segment 2 returned `s`: the seed becomes the adjoint of `s`.
        {
            let (r3,) = __matcalc::recorded(&tape2);
            __matcalc::acc(
                &mut s_bar,
                __matcalc::seed_as(r3, ::core::clone::Clone::clone(&seed)),
            );
        }

        // Segment 1, the loop: its range, written again, run backwards. The adjoints of
        // `x` and of `s` are taken out of their `Option`s before it (zeros if nothing reached
        // them yet) and put back after it: the iterations add into them as plain values, with
        // no test for `None` on each, and the optimizer keeps `s`'s in a register. The loop's
        // reverse runs only if something after it reached `s`, where it starts: otherwise its
        // zero adjoint could meet an infinite partial and turn the gradient into NaN.
        {
            let (sizeless1,) = __matcalc::recorded(&frames1);
            let range = 0..n;
            let mut x_bar_dense = __matcalc::dense::take(&mut x_bar, &x_zeros);
            if let ::core::option::Option::Some((s_bar_zeros,)) = sizeless1 {
                if ::core::option::Option::is_some(&s_bar) {
                    let mut s_bar_dense = __matcalc::dense::take(&mut s_bar, s_bar_zeros);

                    // One iteration: computed again, as the forward sweep did, from `x`
                    // and the counter, then its residuals named as references; the adjoint
                    // of `s = s + t2` flows to `s` and `t2`, that of `t2 = t1 * t1` to both
                    // factors, t̄₁ += t̄₂·t₁ twice, written as such for floats.
                    for i in ::core::iter::Iterator::rev(range) {
                        let t1 = x[i];
                        let t2 = t1 * t1;
                        let r1 = &i;
                        let r2 = &t1;

                        // The iteration's adjoints are plain floats, not `Option`s: each is certain
                        // to be reached before it is read, from the adjoint of `s`, which the loop
                        // holds as a plain value (see `definite` in the macro's `reverse/`). Each is
                        // declared by its first contribution, as a person would write it.
                        let g = __matcalc::dense::take_all(&mut s_bar_dense);
                        let t3_bar: f64 = g;
                        __matcalc::dense::acc(&mut s_bar_dense, t3_bar);
                        let t2_bar: f64 = t3_bar;
                        let mut t1_bar: f64 = t2_bar * (*r2);
                        t1_bar += (*r2) * t2_bar;

                        // The adjoint of a read `x[i]` is added to element i of `x_bar`.
                        __matcalc::dense::acc_index(&mut x_bar_dense, &x_zeros, *r1, t1_bar);
                    }
                    __matcalc::dense::put_back(&mut s_bar, s_bar_dense);
                }
            }
            __matcalc::dense::put_back(&mut x_bar, x_bar_dense);
        }

        // Segment 0 set `s = 0.0`: the adjoint of `s` goes no further.
        {
            s_bar = ::core::option::Option::None;
        }

        // The adjoint of `x`, zeros if nothing reached it.
        __matcalc::finish(x_bar, &x_zeros)
    };
    (value, pullback)
}

// The gradient: the pullback seeded with 1 (only for a float result).
/// The gradient of [`sum_of_squares`]: its value and the adjoints of the active parameters (a tuple when there are several).
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn sum_of_squares_grad(x: &[f64], n: usize) -> (f64, ::std::vec::Vec<f64>) {
    use ::matcalc::__private as __matcalc;
    let (value, pullback) = sum_of_squares_vjp(x, n);
    (value, pullback(1.0))
}

// The Jacobian: `__private::jacobian` runs the forward sweep once, then builds the matrix by
// forward mode (a JVP per input entry) or by the pullback (one call per output entry), whichever
// needs fewer passes.
/// The Jacobian of [`sum_of_squares`]: its value and the matrix of ∂vec(value)/∂vec(active parameters), the parameters concatenated in order, column-major. Computed by forward or reverse mode, whichever needs fewer passes.
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn sum_of_squares_jacobian(
    x: &[f64],
    n: usize,
) -> (f64, ::matcalc::__private::nalgebra::DMatrix<f64>) {
    use ::matcalc::__private as __matcalc;
    let point: ::std::vec::Vec<f64> = __matcalc::save(x);
    __matcalc::jacobian(
        &point,
        |direction: &::std::vec::Vec<f64>| {
            sum_of_squares_jvp(x, ::core::clone::Clone::clone(&n), &(*direction))
        },
        || sum_of_squares_vjp(x, ::core::clone::Clone::clone(&n)),
    )
}

// Without `hessian`, a stand-in for the second-order companion `_jvp_vjp`: a function that asks
// for second derivatives through this one gets one error at its call, naming the fix
// (`#[differentiate(hessian)]` here), instead of "cannot find function".
#[doc(hidden)]
#[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
fn sum_of_squares_jvp_vjp<P0, P1, P2, Out>(_: P0, _: P1, _: P2) -> Out
where
    Out: ::matcalc::__private::SecondOrderAsked,
{
    ::core::unreachable!()
}
