//! Unit tests of the recomputation analysis: what the pullback writes again, what it keeps.

use crate::tests::expand_pretty;

/// The expansion of `f_vjp` of `item` (a function `f`): its forward sweep and its pullback.
fn vjp(item: &str) -> (String, String) {
    let expanded = expand_pretty("wrt(x)", item);
    let start = expanded.find("fn f_vjp").expect("f_vjp");
    let end = expanded.find("fn f_grad").expect("f_grad");
    let vjp = &expanded[start..end];
    let split = vjp.find("let pullback").expect("a pullback");
    (vjp[..split].to_string(), vjp[split..].to_string())
}

/// Whether the forward sweep keeps the value of `name` as a residual (`let r4 = name;`).
fn keeps(forward: &str, name: &str) -> bool {
    forward.lines().map(str::trim).any(|l| {
        l.strip_prefix("let r")
            .and_then(|l| l.split_once(" = "))
            .is_some_and(|(n, v)| n.bytes().all(|b| b.is_ascii_digit()) && v == format!("{name};"))
    })
}

#[test]
fn index_arithmetic_of_the_counter_and_outer_integers_is_written_again() {
    let (forward, pullback) = vjp("fn f(x: &[f64], off: usize, n: usize) -> f64 {
            let stride = 2 * off + 1;
            let mut s = 0.0;
            for k in 0..n {
                let j = off + k * stride;
                s += x[j] * x[j];
            }
            s
        }");
    let index = "let j = off + k * stride;";
    assert!(forward.contains(index) && pullback.contains(index));
    // the integer it reads that is not a parameter, once per run of the loop (and the
    // witnesses of the checks, of no size, as they were in the last iteration), in an
    // `Option`: the loop runs once. The parameter `off`, which the pullback captures, is not
    // kept, nor the range, which reads only the parameter `n`: the pullback writes it again.
    assert!(
        forward.contains("frames1 = ::core::option::Option::Some((stride, sizeless1))"),
        "{forward}"
    );
    assert!(pullback.contains("let range = 0..n;"), "{pullback}");
    assert!(pullback.contains("for k in ::core::iter::Iterator::rev(range)"));
    assert!(!keeps(&forward, "j"), "{forward}");
}

#[test]
fn an_index_the_loop_writes_is_recorded() {
    let (forward, pullback) = vjp("fn f(x: &[f64], n: usize) -> f64 {
            let mut s = 0.0;
            let mut last = 0;
            for k in 0..n {
                s += x[last] * x[k];
                last = k;
            }
            s
        }");
    // `last` changes from one iteration to the next: its value is kept, the counter's not
    assert!(keeps(&forward, "last"), "{forward}");
    assert!(!keeps(&forward, "k"), "{forward}");
    assert!(pullback.contains("rev(range)"));
}

#[test]
fn an_index_computed_by_a_call_is_kept_and_the_values_at_it_computed_again() {
    // `perm` may not be pure, so it is not called again: its value, an index, is kept, and
    // the pullback reads `w[j]` and `x[i]` again from its copies of `w` and `x`
    let (forward, pullback) = vjp("fn f(x: &[f64], w: &[f64], n: usize) -> f64 {
            let mut s = 0.0;
            for i in 0..n {
                let j = perm(i, n);
                s += w[j] * x[i];
            }
            s
        }");
    assert!(keeps(&forward, "j"), "{forward}");
    assert!(forward.contains("tape1.push_reserved((r1,));"), "{forward}");
    assert!(!pullback.contains("perm("), "{pullback}");
    assert!(pullback.contains("let j = *r1;"), "{pullback}");
    assert!(pullback.contains("let c1 = w[j];"), "{pullback}");
}

#[test]
fn the_shape_of_a_local_buffer_is_kept_once() {
    // `q` is bound once, outside the loops, and only written by index: its shape, which the
    // pullback needs to make `q`'s adjoint, is kept once, not by every iteration that reads it
    let (forward, pullback) = vjp("fn f(x: &[f64], n: usize) -> f64 {
            let mut q = vec![0.0; n];
            for i in 0..n {
                q[i] = x[i].exp();
            }
            let mut s = 0.0;
            for i in 0..n {
                let k = (i * 7) % n;
                s += q[k] * x[i];
            }
            s
        }");
    assert!(
        forward.contains("q_shape = ::core::option::Option::Some(__matcalc::zeros_of(&q));"),
        "{forward}"
    );
    // (no residual of an iteration is the shape: the loop's own record of it, once per run,
    // is `q_bar_zeros`)
    assert!(!keeps(&forward, "__matcalc::zeros_of(&q)"), "{forward}");
    assert!(
        pullback.contains("__matcalc::recorded(&q_shape)"),
        "{pullback}"
    );
}

#[test]
fn a_name_bound_twice_is_recorded() {
    // `j` outside the loop and `j` inside are two values: the pullback must not confuse them
    let (forward, pullback) = vjp("fn f(x: &[f64], n: usize) -> f64 {
            let j = 0;
            let mut s = x[j];
            for k in 0..n {
                let j = k + 1;
                s += x[j] * s;
            }
            s
        }");
    assert!(keeps(&forward, "j"), "{forward}");
    assert!(!pullback.contains("let j = k + 1;"), "{pullback}");
}

#[test]
fn a_counter_the_body_shadows_is_not_the_pullbacks() {
    let (forward, pullback) = vjp("fn f(x: &[f64], n: usize) -> f64 {
            let mut s = 0.0;
            for k in 1..=n {
                let k = k - 1;
                s = s * x[k];
            }
            s
        }");
    assert!(keeps(&forward, "k"), "{forward}");
    assert!(!pullback.contains("let k = k - 1;"), "{pullback}");
}

#[test]
fn values_of_parameters_never_written_are_computed_again() {
    let (forward, pullback) = vjp("fn f(x: &[f64], w: &DVector<f64>, n: usize) -> f64 {
            let mut s = 0.0;
            for k in 0..n {
                let a = x[2 * k];
                let b = w[k];
                s += 0.5 * (b - a * a).powi(2);
            }
            s
        }");
    // nothing is kept per iteration: no tape, only what has no size (the range reads only
    // the parameter `n`: the pullback writes it again)
    assert!(!forward.contains("tape1"), "{forward}");
    assert!(
        forward.contains("frames1 = ::core::option::Option::Some((sizeless1,))"),
        "{forward}"
    );
    // the pullback reads copies of both, as the types the user declared
    // a slice in a buffer the next gradient reuses, any other type as its owned value
    let copies = [
        "let x_kept = __matcalc::Tape::copy_of(x);",
        "let w_kept = ::std::borrow::ToOwned::to_owned(w);",
    ];
    for copy in copies {
        assert!(forward.contains(copy) || pullback.contains(copy), "{copy}");
    }
    assert!(pullback.contains("let x: &[f64] = &x_kept;"));
    assert!(pullback.contains("let w: &DVector<f64> = ::core::borrow::Borrow::borrow(&w_kept);"));
    assert!(pullback.contains("let a = x[c1];"), "{pullback}");
    // the literal 0.5, written again with the type the forward sweep gave it
    assert!(pullback.contains("__matcalc::literal(c"), "{pullback}");
}

#[test]
fn values_a_loop_overwrites_are_recorded() {
    // `buf` changes in the loop: its elements are kept, and `x` alone is not copied
    let (forward, pullback) = vjp("fn f(x: &[f64], n: usize) -> f64 {
            let mut buf = x.to_vec();
            let mut s = 0.0;
            for k in 0..n {
                let a = buf[k];
                buf[k + 1] = a * a;
                s += a * x[k];
            }
            s
        }");
    assert!(forward.contains("tape1.push"), "{forward}");
    assert!(!pullback.contains("let a = buf[c"), "{pullback}");
    assert!(!forward.contains("buf_kept"), "{forward}");
}

#[test]
fn a_parameter_behind_a_lifetime_or_of_an_unknown_type_is_not_copied() {
    let (forward, _) = vjp("fn f(x: &'static [f64], p: &Points, n: usize) -> f64 {
            let mut s = 0.0;
            for k in 0..n {
                s += x[k] * p.0[k];
            }
            s
        }");
    assert!(!forward.contains("_kept"), "{forward}");
    assert!(forward.contains("tape1.push"), "{forward}");
}

#[test]
fn loops_with_loops_of_their_own_run_their_ranges_again() {
    let (forward, pullback) = vjp("fn f(x: &[f64], d: usize, n: usize) -> f64 {
            let mut s = 0.0;
            for i in 0..n {
                let mut q = x[i * d] * x[i * d];
                for c in 0..i {
                    q += x[i * d + c] * x[c];
                }
                s += q * x[i];
            }
            s
        }");
    // The outer loop's range reads only parameters: the pullback runs it again, backwards,
    // with its counter, and writes the indices of its body again, which nothing keeps.
    assert!(
        pullback.contains("for i in ::core::iter::Iterator::rev(0..n)"),
        "{pullback}"
    );
    assert!(!forward.contains("trips"), "{forward}");
    assert!(!keeps(&forward, "c1"), "{forward}");
    // and the values it reads off the parameter `x`, which the function never writes; what
    // the inner loop carries out, `q`, is kept
    assert!(
        !keeps(&forward, "t2") && !keeps(&forward, "t10"),
        "{forward}"
    );
    assert!(keeps(&forward, "q"), "{forward}");
    assert!(pullback.contains("let t2 = x[c1];"), "{pullback}");
    // The inner loop keeps neither the outer counter nor its range, `0..i`, which the
    // pullback writes again where `i` is the outer loop's.
    assert!(pullback.contains("let range = 0..i;"), "{pullback}");
    assert!(!forward.contains("push((range"), "{forward}");
    assert!(!forward.contains(", i,"), "{forward}");
}

#[test]
fn a_local_buffer_nothing_writes_from_the_loop_on_is_read_off_a_copy() {
    let body = |after: &str| {
        format!(
            "fn f(x: &[f64], n: usize) -> f64 {{
                let mut q = vec![0.0; n];
                for i in 0..n {{ q[i] = x[i].exp(); }}
                let mut s = 0.0;
                for i in 0..n {{ s += q[i] * x[i]; }}
                {after}
                s
            }}"
        )
    };
    // nothing writes `q` from the second loop on: its elements are read again off a copy taken
    // where that loop starts, not kept per iteration
    let (forward, pullback) = vjp(&body(""));
    assert!(
        forward.contains("q_frozen = ::core::option::Option::Some("),
        "{forward}"
    );
    assert!(!forward.contains("push"), "{forward}");
    assert!(
        pullback.contains("let q = __matcalc::recorded(&q_frozen);"),
        "{pullback}"
    );
    // written after it, its elements are kept
    let (forward, _) = vjp(&body("q[0] = s;"));
    assert!(!forward.contains("q_frozen"), "{forward}");
}

#[test]
fn a_type_is_kept_not_computed_again() {
    let (forward, pullback) = vjp("fn f(x: &[f64]) -> f64 {
            let mut m = x[0];
            for i in 1..x.len() {
                m = m.max(x[i]);
            }
            m
        }");
    // the type of `x[i]`, the argument of `max`, has no size: kept once per run of the loop,
    // where computing it again would read `x[i]` again, off a copy of `x`
    assert!(!forward.contains("x_kept"), "{forward}");
    assert!(!pullback.contains("= x[i];"), "{pullback}");
    assert!(
        forward.contains("sizeless1 = ::core::option::Option::Some((r"),
        "{forward}"
    );
}
