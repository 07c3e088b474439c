//! Every construct an annotated function may contain (DESIGN.md, "What an annotated function may
//! contain"), one annotated function each, checked in forward mode (against finite differences)
//! and in reverse mode (the dot-product test against forward mode).
//!
//! Points are chosen away from the branch boundaries and trip-count changes of each function:
//! there the function is not differentiable and a finite difference straddles two pieces.

mod common;

use common::{Domain, Sampler, assert_close, check_at, check_both};
use matcalc::differentiate;
use nalgebra::DVector;

/// A few points with entries in `domain`, as buffers of length `n`.
fn vecs(domain: &Domain, n: usize, count: usize) -> Vec<Vec<f64>> {
    let mut s = Sampler::seeded();
    (0..count).map(|_| s.vec(domain, n)).collect()
}

/// A few pairs with entries in `domain`.
fn pairs(domain: &Domain, count: usize) -> Vec<(f64, f64)> {
    Sampler::seeded().pairs(domain, domain, count, |_, _| true)
}

// ===== bindings =====

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn bindings(x: f64, y: f64) -> f64 {
    let a = x * y;
    let b: f64 = a + 1.0;
    let mut s = b;
    s = s * x;
    s += y;
    s -= a * 0.5;
    s *= x;
    s /= y;
    s += 2.0;
    s -= 1.0;
    s *= 3.0;
    s /= 4.0;
    s *= s;
    s
}

#[test]
fn let_mut_reassignment_and_compound_assignment() {
    check_at(
        |p: &(f64, f64)| bindings(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| bindings_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &f64| bindings_vjp(p.0, p.1).1(*y),
        &pairs(&Domain::new(0.5, 2.0), 4),
    );
}

#[differentiate]
fn deferred_init(x: f64, y: f64) -> f64 {
    let t;
    let u: f64;
    if y > 0.0 {
        t = x * y;
        u = y;
    } else {
        t = x - y;
        u = x;
    }
    t * u
}

#[test]
fn let_without_initializer() {
    check_at(
        |p: &(f64, f64)| deferred_init(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| deferred_init_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &f64| deferred_init_vjp(p.0, p.1).1(*y),
        &[(0.7, 1.3), (0.7, -1.3)],
    );
}

#[differentiate]
fn shadowing(x: f64) -> f64 {
    let y = x;
    let x = x * 2.0;
    let x = x.sin() + x;
    let z = {
        let x = x * 3.0;
        x * y
    };
    x * z
}

#[test]
fn shadowing_and_blocks() {
    check_at(
        |x: &f64| shadowing(*x),
        |x: &f64, d: &f64| shadowing_jvp(*x, *d),
        |x: &f64, y: &f64| shadowing_vjp(*x).1(*y),
        &Sampler::seeded().points(&Domain::any(), 4),
    );
}

#[differentiate]
fn tuples(x: f64, y: f64) -> f64 {
    let (a, b) = (x * y, x - y);
    let (a, b) = (b, a);
    let (mut c, d) = (a * 2.0, b);
    c += d;
    let (p, q): (f64, f64) = (c, a * b);
    a * 10.0 + b + p * q
}

#[test]
fn tuple_patterns_and_swaps() {
    check_at(
        |p: &(f64, f64)| tuples(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| tuples_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &f64| tuples_vjp(p.0, p.1).1(*y),
        &pairs(&Domain::any(), 4),
    );
    // The swap really swaps: a = x - y gets the weight 10, b = x·y the weight 1.
    let (_, (gx, gy)) = tuples_grad(0.0, 0.0);
    assert_close(gx, 10.0, 1e-15);
    assert_close(gy, -10.0, 1e-15);
}

// Fields of a named tuple literal of active values. The tuple an annotated callee returns is
// destructured (`let (a, b) = polar(..)`); naming it is a compile error (`tuple-field` and
// `tuple-call-field` in `tests/ui/`).
mod tuple_fields {
    use super::*;

    /// Fields of a tuple literal of active values bound to a name, one used twice, and a tuple
    /// that mixes an active and an inactive component.
    #[differentiate]
    fn fields(x: f64, y: f64) -> f64 {
        let t = (x * y, x - y);
        let (a, b) = polar(x, y);
        let u = (t.1 * 2.0, 3usize);
        t.0 * t.1 + a * b + t.0 + u.0 * u.1 as f64
    }

    #[test]
    fn tuple_fields() {
        check_at(
            |p: &(f64, f64)| fields(p.0, p.1),
            |p: &(f64, f64), d: &(f64, f64)| fields_jvp(p.0, p.1, d.0, d.1),
            |p: &(f64, f64), y: &f64| fields_vjp(p.0, p.1).1(*y),
            &pairs(&Domain::any(), 4),
        );
    }
}

// ===== branches =====

#[differentiate]
fn branches(x: f64, y: f64) -> f64 {
    let mut s = x;
    if x > y {
        s *= y;
    } else {
        s += y.sin();
    }
    if s < 0.0 {
        s = -s;
    }
    let t = if s > 1.0 { s * s } else { s.exp() };
    let u = if x < -1.0 {
        t.ln()
    } else if x < 0.0 {
        t * 3.0
    } else if x < 1.0 {
        t.sqrt() * y
    } else {
        0.25
    };
    u + t
}

#[test]
fn if_else_statement_expression_and_chain() {
    let points = [
        (-1.5, 0.7),
        (-1.5, -2.5),
        (-0.5, 0.3),
        (-0.5, -2.6),
        (0.5, 1.7),
        (0.5, -0.6),
        (1.5, 0.4),
        (1.5, 2.2),
    ];
    check_at(
        |p: &(f64, f64)| branches(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| branches_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &f64| branches_vjp(p.0, p.1).1(*y),
        &points,
    );
}

/// Blocks, branches, loops and matches whose value is inactive (an integer, a constant) while
/// they change active variables.
#[differentiate]
#[allow(clippy::never_loop)]
fn inactive_values_with_active_effects(x: f64, y: f64, k: usize) -> f64 {
    let mut s = x;
    let a = {
        s *= y;
        2.0
    };
    let n: usize = if k > 0 {
        s += x * y;
        1
    } else if k == 0 {
        s = s.sin();
        0
    } else {
        2
    };
    let m = loop {
        s += 0.5 * x;
        if n == 0 {
            break 3.0;
        }
        break 1.5;
    };
    let mut count = 0;
    count += match n {
        0 => {
            s *= 1.5;
            1
        }
        _ => {
            s -= y;
            2
        }
    };
    let mut t = x;
    t = {
        s += t * y;
        0.25
    };
    s * a + m * x + t * y + count as f64
}

#[test]
fn inactive_block_values_that_change_active_variables() {
    for k in 0..2 {
        check_at(
            |p: &(f64, f64)| inactive_values_with_active_effects(p.0, p.1, k),
            |p: &(f64, f64), d: &(f64, f64)| {
                inactive_values_with_active_effects_jvp(p.0, p.1, k, d.0, d.1)
            },
            |p: &(f64, f64), y: &f64| inactive_values_with_active_effects_vjp(p.0, p.1, k).1(*y),
            &pairs(&Domain::any(), 3),
        );
    }
}

/// Tuples of active (and inactive) values from branches, matches, blocks and loops, destructured.
#[differentiate]
#[allow(clippy::never_loop)]
fn tuples_from_branches(x: f64, y: f64, k: usize) -> f64 {
    let (a, b, n) = if k > 0 {
        (x * y, y.sin(), 1)
    } else {
        (y, 2.0, 0)
    };
    let (c, d) = match n {
        0 => (a, b * x),
        _ => {
            let t = a + b;
            (t * t, 0.5)
        }
    };
    let (mut e, f) = {
        let u = c - d;
        (u, x)
    };
    e *= f;
    let (g, h) = loop {
        if e > 100.0 {
            break (1.0, e);
        }
        break (e * y, c);
    };
    let (p, q) = if k > 1 { (g, h) } else { (h, g) };
    let (_, r) = if k > 0 { (p, q) } else { (q, p) };
    let (u, v) = if k > 1 { polar(x, y) } else { (y, r) };
    a + b * c + d * e + g * h + p * r + n as f64 + u * v
}

#[test]
fn tuples_destructured_from_branches() {
    for k in 0..3 {
        check_at(
            |p: &(f64, f64)| tuples_from_branches(p.0, p.1, k),
            |p: &(f64, f64), d: &(f64, f64)| tuples_from_branches_jvp(p.0, p.1, k, d.0, d.1),
            |p: &(f64, f64), y: &f64| tuples_from_branches_vjp(p.0, p.1, k).1(*y),
            &pairs(&Domain::any(), 3),
        );
    }
}

#[differentiate]
fn matched(x: f64, k: usize) -> f64 {
    let y = match k {
        0 => x.sin(),
        1 | 2 => x * x,
        n if n > 10 => x * n as f64,
        3..=5 => {
            let z = x * 3.0;
            z * x - 1.0
        }
        _ => 1.0,
    };
    match k % 2 {
        0 => y + x,
        _ => y * x,
    }
}

#[test]
fn match_on_an_inactive_integer() {
    for k in 0..14 {
        check_at(
            |x: &f64| matched(*x, k),
            |x: &f64, d: &f64| matched_jvp(*x, k, *d),
            |x: &f64, y: &f64| matched_vjp(*x, k).1(*y),
            &[0.8, -1.3],
        );
    }
}

// ===== loops =====

#[differentiate]
#[allow(clippy::needless_range_loop)]
fn ranges(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s = s * x[i] + 1.0;
    }
    for i in 1..=2 {
        s += x[i] * i as f64;
    }
    for _ in 0..3 {
        s = s.sin() + x[0];
    }
    s
}

#[test]
fn for_over_ranges() {
    for x in vecs(&Domain::any(), 4, 3) {
        check_both(
            |x: &Vec<f64>| ranges(x, 4),
            |x: &Vec<f64>, d: &Vec<f64>| ranges_jvp(x, 4, d),
            |x: &Vec<f64>, y: &f64| ranges_vjp(x, 4).1(*y),
            &x,
        );
    }
}

/// Index arithmetic the pullback writes again instead of recording it: of the counter, of an
/// integer parameter (`off`), of a `let` of integers before the loop (`stride`), of `len()` and
/// of earlier indices; beside an index the loop writes (`last`, recorded), a counter shadowed in
/// the body and an inclusive range.
#[differentiate(wrt(x))]
fn strided(x: &[f64], off: usize, n: usize) -> f64 {
    let stride = 2 * off + 1;
    let mut s = 0.0;
    let mut last = 0;
    for k in 0..n {
        let j = off + k * stride;
        let i = j % x.len();
        s += x[i] * x[(i + 1) % x.len()];
        let previous = last;
        s += x[previous] * s * 0.5;
        last = i;
    }
    for k in 1..=n {
        let k = k - 1;
        s = s * x[k] + x[(k + off) % x.len()];
    }
    s
}

#[test]
fn index_arithmetic_in_ranges() {
    for x in vecs(&Domain::new(-1.0, 1.0), 7, 3) {
        check_both(
            |x: &Vec<f64>| strided(x, 1, 5),
            |x: &Vec<f64>, d: &Vec<f64>| strided_jvp(x, 1, 5, d),
            |x: &Vec<f64>, y: &f64| strided_vjp(x, 1, 5).1(*y),
            &x,
        );
    }
}

/// Values the pullback computes again from its copies of parameters the function never writes
/// (an active slice, and a vector `w`, which `wrt` leaves out), with literals typed as the forward
/// sweep typed them, beside a buffer the loop writes, whose values are recorded.
#[differentiate(wrt(x))]
fn weighted(x: &[f64], w: &DVector<f64>, n: usize) -> f64 {
    let mut s = 0.0;
    let mut trail = vec![0.0; n + 1];
    for k in 0..n {
        let a = x[2 * k];
        let b = x[2 * k + 1] * w[k];
        s += 0.5 * (b - a * a).powi(2) + (a * w[k]).sin();
        trail[k + 1] = trail[k] * 0.5 + a * b;
    }
    s + trail[n] * trail[n]
}

#[test]
fn values_computed_again_in_ranges() {
    let w = DVector::from_vec(vec![0.3, -1.2, 0.8, 2.0]);
    for x in vecs(&Domain::new(-1.0, 1.0), 8, 3) {
        check_both(
            |x: &Vec<f64>| weighted(x, &w, 4),
            |x: &Vec<f64>, d: &Vec<f64>| weighted_jvp(x, &w, 4, d),
            |x: &Vec<f64>, y: &f64| weighted_vjp(x, &w, 4).1(*y),
            &x,
        );
    }
}

/// The adjoints a counted loop's pullback holds as plain values: of a float parameter it reads
/// off its own copy (`k`), of a local computed before the loop and read in it (`m`), of a value
/// the loop carries (`s`), and of one the loop sets to a constant before adding to it (`t`),
/// beside a loop that carries a value without recomputing anything (`u`, whose range is a
/// `while`).
#[differentiate]
fn held_in_loops(x: &[f64], k: f64) -> f64 {
    let m = x[0] * k;
    let mut s = 0.0;
    let mut t = 1.0;
    for i in 0..x.len() {
        t = 0.5;
        t += x[i] * m;
        s += k * t * t + s * 0.25;
    }
    let mut u = s;
    let mut j = 0;
    while j < 3 {
        u = u * 0.5 + t;
        j += 1;
    }
    s + t * u
}

#[test]
fn adjoints_held_in_loops() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, f64) = (
            sampler.vec(&Domain::new(-1.0, 1.0), 4),
            sampler.scalar(&Domain::new(-1.0, 1.0)),
        );
        check_both(
            |p: &(Vec<f64>, f64)| held_in_loops(&p.0, p.1),
            |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| held_in_loops_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(Vec<f64>, f64), y: &f64| held_in_loops_vjp(&p.0, p.1).1(*y),
            &p,
        );
    }
}

#[differentiate]
fn iterators(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += *v * *v;
    }
    for (i, v) in x.iter().enumerate() {
        s += *v * i as f64;
    }
    for (a, b) in x.iter().zip(y.iter()) {
        s += a * b;
    }
    for &v in y.iter() {
        s = s * 0.5 + v.sin();
    }
    for v in x {
        s += v * s;
    }
    for v in y {
        s -= *v;
    }
    s
}

#[test]
fn for_over_iterators() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, Vec<f64>) = (
            sampler.vec(&Domain::any(), 3),
            sampler.vec(&Domain::any(), 3),
        );
        check_both(
            |p: &(Vec<f64>, Vec<f64>)| iterators(&p.0, &p.1),
            |p: &(Vec<f64>, Vec<f64>), d: &(Vec<f64>, Vec<f64>)| {
                iterators_jvp(&p.0, &p.1, &d.0, &d.1)
            },
            |p: &(Vec<f64>, Vec<f64>), y: &f64| iterators_vjp(&p.0, &p.1).1(*y),
            &p,
        );
    }
}

#[differentiate]
fn weigh(x: f64, a: f64) -> f64 {
    x * a.sin()
}

/// The items of `.iter()` are references: read as values everywhere the user reads them so.
#[differentiate]
#[allow(clippy::let_and_return, clippy::clone_on_copy)]
fn bare_items(x: &[f64], a: f64, k: usize) -> f64 {
    let mut s = 0.0;
    for (i, xi) in x.iter().enumerate() {
        let p = xi.tanh();
        let q = (*xi).tanh() + f64::tanh(*xi) + xi.max(*xi * a);
        let r = *xi - 1.875;
        let t = if i % 2 == k % 2 { *xi } else { a };
        let m = match i {
            0 => *xi,
            _ => a * 0.5,
        };
        let y: f64 = *xi;
        let (u, w) = (*xi, a);
        let mut z = a;
        if i > 0 {
            z = *xi;
        }
        let b = {
            let c = *xi;
            c
        };
        s += p + q + r + t + m + y + u * w + z + b + weigh(*xi, a) * 0.5;
    }
    s
}

#[test]
fn items_of_iter_read_as_values() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, f64) = (
            sampler.vec(&Domain::any(), 3),
            sampler.scalar(&Domain::any()),
        );
        for k in 0..2 {
            check_both(
                |p: &(Vec<f64>, f64)| bare_items(&p.0, p.1, k),
                |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| bare_items_jvp(&p.0, p.1, k, &d.0, d.1),
                |p: &(Vec<f64>, f64), y: &f64| bare_items_vjp(&p.0, p.1, k).1(*y),
                &p,
            );
        }
    }
}

#[differentiate]
fn zip_into_inactive(x: &[f64], w: &[usize]) -> f64 {
    let mut s = 0.0;
    for (v, k) in x.iter().zip(w.iter()) {
        s += *v * *k as f64;
    }
    for (k, v) in w.iter().zip(x.iter()) {
        s += v * v * *k as f64;
    }
    s
}

#[test]
fn zip_with_an_inactive_buffer() {
    let w = [1, 2, 3];
    check_at(
        |x: &Vec<f64>| zip_into_inactive(x, &w),
        |x: &Vec<f64>, d: &Vec<f64>| zip_into_inactive_jvp(x, &w, d),
        |x: &Vec<f64>, y: &f64| zip_into_inactive_vjp(x, &w).1(*y),
        &vecs(&Domain::any(), 3, 3),
    );
}

#[differentiate]
fn while_active(x: f64) -> f64 {
    let mut y = x;
    let mut k = 0;
    while y < 10.0 {
        y = y * 1.5 + 0.1;
        k += 1;
    }
    let mut i = 0;
    while i < 3 {
        y = y.sqrt() * x;
        i += 1;
    }
    y + k as f64
}

#[test]
fn while_with_an_active_condition() {
    // The trip counts: 1.0 -> 7 iterations, ending at 12.9; 2.0 -> 5, at 11.3; 5.0 -> 2, at 11.6.
    check_at(
        |x: &f64| while_active(*x),
        |x: &f64, d: &f64| while_active_jvp(*x, *d),
        |x: &f64, y: &f64| while_active_vjp(*x).1(*y),
        &[1.0, 2.0, 5.0],
    );
}

#[differentiate]
fn while_let_inactive(x: &[f64]) -> f64 {
    let n = x.len();
    let mut order: Vec<usize> = (0..n).collect();
    let mut s = 0.0;
    while let Some(i) = order.pop() {
        s = s * x[i] + x[i].cos();
    }
    s
}

#[test]
fn while_let_over_an_inactive_stack() {
    check_at(
        |x: &Vec<f64>| while_let_inactive(x),
        |x: &Vec<f64>, d: &Vec<f64>| while_let_inactive_jvp(x, d),
        |x: &Vec<f64>, y: &f64| while_let_inactive_vjp(x).1(*y),
        &vecs(&Domain::any(), 4, 3),
    );
}

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn loop_break_value(x: f64) -> f64 {
    let mut y = x;
    let mut k = 0;
    let z = loop {
        y = y.sin() + x;
        k += 1;
        if k == 5 {
            break y * 2.0;
        }
    };
    let w = loop {
        if y > 20.0 {
            break y;
        }
        y = y * 3.0;
    };
    z * w
}

#[test]
fn loop_with_break_value() {
    check_at(
        |x: &f64| loop_break_value(*x),
        |x: &f64, d: &f64| loop_break_value_jvp(*x, *d),
        |x: &f64, y: &f64| loop_break_value_vjp(*x).1(*y),
        &[0.5, 1.0, 1.7],
    );
}

#[differentiate]
#[allow(clippy::needless_range_loop)]
fn labelled(x: &[f64]) -> f64 {
    let mut s = 0.0;
    'outer: for i in 0..x.len() {
        for j in 0..x.len() {
            if j > i {
                continue 'outer;
            }
            if i + j == 5 {
                break 'outer;
            }
            s += x[i] * x[j];
        }
    }
    let mut k = 0;
    let t = 'search: loop {
        let mut j = 0;
        loop {
            if j == k {
                break;
            }
            s = s * 0.9 + x[j];
            j += 1;
        }
        for j in 0..k {
            if k == 3 && j == 1 {
                break 'search s * x[j];
            }
            s += x[j] * 0.1;
        }
        k += 1;
    };
    s + t
}

#[test]
fn labelled_break_and_continue() {
    check_at(
        |x: &Vec<f64>| labelled(x),
        |x: &Vec<f64>, d: &Vec<f64>| labelled_jvp(x, d),
        |x: &Vec<f64>, y: &f64| labelled_vjp(x).1(*y),
        &vecs(&Domain::any(), 5, 3),
    );
}

/// `break 'outer value` from inside a nested `loop`.
// The outer loop is left from the inner one, which is what this tests.
#[allow(clippy::never_loop)]
#[differentiate]
fn break_value_from_inner_loop(x: f64) -> f64 {
    let mut s = x;
    let t = 'outer: loop {
        loop {
            s *= 0.9;
            if s < 0.5 {
                break 'outer s * x;
            }
        }
    };
    t + s
}

#[test]
fn labelled_break_value_from_a_nested_loop() {
    check_at(
        |x: &f64| break_value_from_inner_loop(*x),
        |x: &f64, d: &f64| break_value_from_inner_loop_jvp(*x, *d),
        |x: &f64, y: &f64| break_value_from_inner_loop_vjp(*x).1(*y),
        // 0.9⁷·1.0 = 0.478, 0.9¹·0.52 = 0.468: away from the threshold 0.5
        &[1.0, 0.52],
    );
}

/// `break` and `continue` inside an `if` with no active statement of its own, after active
/// statements of the same iteration: the backward sweep must still replay that partial
/// iteration.
#[differentiate]
#[allow(clippy::assign_op_pattern, clippy::needless_range_loop)]
fn break_continue_after_work(x: &[f64], y: f64) -> f64 {
    let mut t = y;
    for i in 0..x.len() {
        t = t * x[i];
        if i == 1 {
            continue;
        }
        t = t.sin();
        if i == 2 {
            break;
        }
    }
    let mut s = t;
    'outer: for i in 0..3 {
        for j in 0..3 {
            s = s * 1.5 + x[j];
            if j > i {
                continue 'outer;
            }
            if i == 2 && j == 1 {
                break 'outer;
            }
            s = s.sin();
        }
    }
    s
}

#[test]
fn break_and_continue_after_active_statements() {
    check_at(
        |p: &(Vec<f64>, f64)| break_continue_after_work(&p.0, p.1),
        |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| {
            break_continue_after_work_jvp(&p.0, p.1, &d.0, d.1)
        },
        |p: &(Vec<f64>, f64), y: &f64| break_continue_after_work_vjp(&p.0, p.1).1(*y),
        &[
            (vec![0.5, -0.7, 1.2, 0.9], 0.8),
            (vec![1.5, 0.7, -1.2, 0.4], -0.6),
        ],
    );
}

/// The smallest case of the above, with its gradient in closed form: t = 2·2·x, so dt/dx = 4.
#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn break_after_work(x: f64) -> f64 {
    let mut t = x;
    for i in 0..3 {
        t = t * 2.0;
        if i == 1 {
            break;
        }
    }
    t
}

#[test]
fn break_after_work_in_closed_form() {
    assert_eq!(break_after_work_jvp(0.3, 1.0), (1.2, 4.0));
    assert_eq!(break_after_work_grad(0.3), (1.2, 4.0));
}

/// Branches nested in loops, writes into a buffer in some arms (also at another index), a
/// `match` in the other arm, then a `while` on an active condition writing the buffer.
#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn nested_branches_and_writes(x: &[f64], y: f64) -> f64 {
    let n = x.len();
    let mut b = vec![0.0; n];
    let mut s = y;
    for i in 0..n {
        if x[i] > 0.0 {
            if s > 0.5 {
                b[i] = s * x[i];
                s = s * 0.5;
            } else {
                b[i] = x[i];
                b[(i + 1) % n] = b[i] * s;
            }
        } else {
            match i % 3 {
                0 => s = s + x[i],
                1 => b[i] = s.exp(),
                _ => s = s * s,
            }
        }
    }
    let mut k = 0;
    while s < 5.0 {
        b[k % n] = b[k % n] * 1.1 + s;
        s = s * 1.7 + 0.3;
        k += 1;
    }
    let mut t = 0.0;
    for v in b.iter() {
        t += v;
    }
    t * s
}

#[test]
fn nested_branches_and_buffer_writes_in_loops() {
    check_at(
        |p: &(Vec<f64>, f64)| nested_branches_and_writes(&p.0, p.1),
        |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| {
            nested_branches_and_writes_jvp(&p.0, p.1, &d.0, d.1)
        },
        |p: &(Vec<f64>, f64), y: &f64| nested_branches_and_writes_vjp(&p.0, p.1).1(*y),
        &[
            (vec![0.5, -0.7, 1.2, 0.9, -0.3, 0.2], 0.8),
            (vec![1.5, 0.7, -1.2, 0.4, 0.3, -2.0], 0.3),
            (vec![-1.5, 0.7, -1.2, -0.4, 0.3, 2.0], 0.45),
        ],
    );
}

/// A callee with an early return from a branch inside its loop, called in a loop.
#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn returns_early(x: &[f64], y: f64) -> f64 {
    let mut s = y;
    for v in x.iter() {
        if *v > 0.0 {
            s = s * v;
            if s > 2.0 {
                return s;
            }
        }
        s = s + 0.1;
    }
    s
}

#[differentiate]
fn calls_early_returner(x: &[f64], y: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += returns_early(x, y + i as f64) * x[i];
    }
    s
}

#[test]
fn callee_with_an_early_return_in_a_loop() {
    check_at(
        |p: &(Vec<f64>, f64)| calls_early_returner(&p.0, p.1),
        |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| calls_early_returner_jvp(&p.0, p.1, &d.0, d.1),
        |p: &(Vec<f64>, f64), y: &f64| calls_early_returner_vjp(&p.0, p.1).1(*y),
        &[
            (vec![0.5, -0.7, 1.2, 0.9], 0.8),
            (vec![1.5, 0.7, -1.2, 0.4], 0.3),
        ],
    );
}

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn early_return(x: &[f64]) -> f64 {
    if x[0] < -2.0 {
        return -x[0];
    }
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v;
        if s > 4.0 {
            return s.sqrt() * 3.0;
        }
    }
    let mut i = 0;
    while i < 3 {
        s = s * x[i];
        i += 1;
        if i == 2 {
            return s + 1.0;
        }
    }
    s
}

/// A function without loops whose segments run in many orders of the code's: an early return
/// from a branch, a `match` whose arms assign, nested branches, a second early return.
/// Its pullback reverses the segments that ran, from the last number to the first (see the
/// runtime's `Trace`); every path below is checked against central differences.
#[differentiate]
fn branches_without_loops(x: f64, y: f64) -> f64 {
    let a = x * y;
    if a > 10.0 {
        return a.sqrt();
    }
    let mut b = a + x;
    let kind = if x < 0.0 {
        0
    } else if y < 1.0 {
        1
    } else {
        2
    };
    match kind {
        0 => b = b * b,
        1 => {
            let t = b.sin();
            b = t * y;
        }
        _ => {}
    }
    let mut c = b.exp();
    if b > 2.0 {
        if y > 0.0 {
            c = b * y;
        } else {
            c = b - y;
        }
    }
    if c > 20.0 {
        return c * x;
    }
    c + a
}

#[test]
fn every_path_of_a_function_without_loops() {
    check_at(
        |p: &(f64, f64)| branches_without_loops(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| branches_without_loops_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), g: &f64| branches_without_loops_vjp(p.0, p.1).1(*g),
        &[
            (4.0, 3.0),   // the first return
            (-1.5, 0.5),  // arm 0, then b > 2 and y > 0
            (-1.5, -2.0), // arm 0, then b > 2 and y ≤ 0
            (-0.5, -3.0), // arm 0, then b ≤ 2
            (0.5, 0.5),   // arm 1
            (1.0, 2.5),   // arm 2, b > 2 and y > 0
            (3.0, 3.0),   // arm 2, then the second return
        ],
    );
}

/// Nested loops without branches: the pullback is their mirror, each loop run backwards as
/// many times as it ran (see `mirror` in the macro's `reverse/`). An inner range that is empty
/// on the first outer iteration, a `while` inside a `for`, three levels, and code before,
/// between and after the inner loops.
#[differentiate]
#[allow(clippy::needless_range_loop)]
fn nested_loops(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        let mut t = x[i];
        for j in 0..i {
            t = t * x[j] + 0.5;
        }
        let mut k = 0;
        while k < 2 {
            t = (t * 0.3).sin() + x[k];
            k += 1;
        }
        for j in 0..2 {
            let mut u = t;
            for m in 0..j + 1 {
                u = u * x[m] - 0.25;
            }
            s += u * u;
        }
        s += t.cos();
    }
    s * x[0]
}

#[test]
fn nested_loops_reversed_as_loops() {
    check_at(
        |x: &Vec<f64>| nested_loops(x, 3),
        |x: &Vec<f64>, d: &Vec<f64>| nested_loops_jvp(x, 3, d),
        |x: &Vec<f64>, g: &f64| nested_loops_vjp(x, 3).1(*g),
        &[vec![0.7, -0.4, 1.1], vec![1.3, 0.2, -0.8]],
    );
    // no iteration at all
    let (value, gradient) = nested_loops_grad(&[0.5, 1.0, 2.0], 0);
    assert_eq!((value, gradient), (0.0, vec![0.0, 0.0, 0.0]));
}

/// Loops with loops of their own run again over their ranges in the pullback, with their
/// counters, which write the indices of their bodies again (see `mirror` and `recompute` in the
/// macro's `reverse/`): an inclusive range; an inner range that reads the outer counter and a
/// parameter, empty on some trips; indices of the outer counter before and after the inner
/// loops and inside them; an integer the outer body binds (`base`); a `while` inside; values
/// read off a parameter the function never writes.
#[differentiate(wrt(x))]
fn ranges_run_again(x: &[f64], w: &[f64], n: usize, m: usize) -> f64 {
    let stride = 2;
    let mut s = 0.0;
    for i in 1..=n {
        let base = (i - 1) * stride;
        let mut q = x[base] * w[i - 1];
        for j in (i - 1)..m {
            q = q * 0.5 + x[j] * x[base + 1];
        }
        let mut k = 0;
        while k < i {
            q += (x[k] * w[k]).sin();
            k += 1;
        }
        s += q * q + x[i - 1] * w[base];
    }
    s
}

/// The outer counter bound again inside the inner loop: where the body names `i`, the pullback
/// reads the inner one, not the outer loop's counter (a counter the body binds again is not
/// one the pullback runs the loop over).
#[differentiate]
#[allow(clippy::needless_range_loop)]
fn counter_bound_again(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        let mut t = x[i];
        for j in 0..n {
            let i = (i + j + 1) % n;
            t = t * 0.5 + x[i] * x[j];
        }
        s += t * t;
    }
    s
}

#[test]
fn a_counter_bound_again_inside_is_the_inner_one() {
    check_at(
        |x: &Vec<f64>| counter_bound_again(x, 3),
        |x: &Vec<f64>, d: &Vec<f64>| counter_bound_again_jvp(x, 3, d),
        |x: &Vec<f64>, g: &f64| counter_bound_again_vjp(x, 3).1(*g),
        &[vec![0.7, -0.4, 1.1], vec![1.3, 0.2, -0.8]],
    );
}

#[test]
fn loops_run_again_over_their_ranges() {
    let w = [0.3, -1.2, 0.8, 1.5, -0.4, 0.9];
    check_at(
        |x: &Vec<f64>| ranges_run_again(x, &w, 3, 2),
        |x: &Vec<f64>, d: &Vec<f64>| ranges_run_again_jvp(x, &w, 3, 2, d),
        |x: &Vec<f64>, g: &f64| ranges_run_again_vjp(x, &w, 3, 2).1(*g),
        &[
            vec![0.7, -0.4, 1.1, 0.2, -0.9, 0.5],
            vec![1.3, 0.2, -0.8, 0.6, 1.1, -0.3],
        ],
    );
    // no trip of the outer loop, and inner ranges all empty
    let (value, gradient) = ranges_run_again_grad(&[0.5; 6], &w, 0, 2);
    assert_eq!((value, gradient), (0.0, vec![0.0; 6]));
    let x = [0.7, -0.4, 1.1, 0.2, -0.9, 0.5];
    check_at(
        |x: &Vec<f64>| ranges_run_again(x, &w, 3, 0),
        |x: &Vec<f64>, d: &Vec<f64>| ranges_run_again_jvp(x, &w, 3, 0, d),
        |x: &Vec<f64>, g: &f64| ranges_run_again_vjp(x, &w, 3, 0).1(*g),
        &[x.to_vec()],
    );
}

/// A local buffer that nothing writes once a loop that reads it starts: the pullback reads its
/// elements again off a copy taken there (see `needs::frozen` in the macro's `reverse/`), in a
/// flat loop and in a loop with a loop of its own.
#[differentiate]
fn read_off_a_copy(x: &[f64], n: usize) -> f64 {
    let mut q = vec![0.0; n];
    for i in 0..n {
        q[i] = (x[i] * 0.5).sin() + x[(i + 1) % n];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += q[i] * x[i];
    }
    for i in 0..n {
        let mut t = q[i] * q[i];
        for j in 0..i {
            t += q[j] * x[i];
        }
        s += t * x[i];
    }
    s
}

#[test]
fn values_of_a_buffer_no_longer_written_are_read_off_a_copy() {
    check_at(
        |x: &Vec<f64>| read_off_a_copy(x, 4),
        |x: &Vec<f64>, d: &Vec<f64>| read_off_a_copy_jvp(x, 4, d),
        |x: &Vec<f64>, g: &f64| read_off_a_copy_vjp(x, 4).1(*g),
        &[vec![0.7, -0.4, 1.1, 0.3], vec![1.3, 0.2, -0.8, -1.5]],
    );
}

/// A permutation the macro cannot see into: the index it gives is kept on the tape, and the
/// pullback reads the weights at it again.
fn reversed_index(i: usize, n: usize) -> usize {
    n - 1 - i
}

#[differentiate]
fn weighted_by_a_permutation(x: &[f64], w: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        let j = reversed_index(i, n);
        s += w[j] * x[i] * x[j];
    }
    s
}

#[test]
fn an_index_from_a_call_is_kept_and_the_values_at_it_read_again() {
    check_at(
        |p: &(Vec<f64>, Vec<f64>)| weighted_by_a_permutation(&p.0, &p.1),
        |p: &(Vec<f64>, Vec<f64>), d: &(Vec<f64>, Vec<f64>)| {
            weighted_by_a_permutation_jvp(&p.0, &p.1, &d.0, &d.1)
        },
        |p: &(Vec<f64>, Vec<f64>), g: &f64| weighted_by_a_permutation_vjp(&p.0, &p.1).1(*g),
        &[
            (vec![0.5, -1.2, 2.0], vec![1.5, 0.3, -0.7]),
            (vec![1.0, 2.0, 3.0, 4.0], vec![-1.0, 0.5, 0.25, 2.0]),
        ],
    );
}

// A `loop` as the tail expression of the body, left only by `return`.
#[differentiate]
fn tail_loop(x: f64) -> f64 {
    let mut s = x;
    loop {
        s *= 0.9;
        if s < 0.5 {
            return s * x;
        }
    }
}

#[test]
fn loop_as_the_tail_expression() {
    check_at(
        |x: &f64| tail_loop(*x),
        |x: &f64, d: &f64| tail_loop_jvp(*x, *d),
        |x: &f64, y: &f64| tail_loop_vjp(*x).1(*y),
        &[1.0, 0.52],
    );
}

#[test]
fn early_return_from_a_loop() {
    check_at(
        |x: &Vec<f64>| early_return(x),
        |x: &Vec<f64>, d: &Vec<f64>| early_return_jvp(x, d),
        |x: &Vec<f64>, y: &f64| early_return_vjp(x).1(*y),
        &[
            vec![-2.5, 1.0, 1.0],
            vec![0.5, 2.5, 1.0],
            vec![0.3, -0.4, 0.5],
            vec![1.5, 0.2, 1.5],
        ],
    );
}

/// `(0..x.len()).collect()` mentions the active `x` only through `len()`: it is inactive.
#[differentiate]
fn range_of_len(x: &[f64]) -> f64 {
    let order: Vec<usize> = (0..x.len()).collect();
    let mut s = 0.0;
    for i in order {
        s += x[i] * x[i];
    }
    s
}

#[test]
fn inactive_expression_mentioning_an_active_buffer() {
    check_at(
        |x: &Vec<f64>| range_of_len(x),
        |x: &Vec<f64>, d: &Vec<f64>| range_of_len_jvp(x, d),
        |x: &Vec<f64>, y: &f64| range_of_len_vjp(x).1(*y),
        &vecs(&Domain::any(), 3, 2),
    );
}

// ===== buffers =====

#[differentiate]
#[allow(clippy::useless_vec)]
fn buffers(x: f64, y: f64, n: usize) -> f64 {
    let mut r = vec![x; n];
    r[1] *= y;
    let l = vec![x * y, x - y, 2.0];
    let mut p = Vec::with_capacity(n);
    for i in 0..n {
        p.push(r[i] * l[i % 3]);
    }
    p.push(y);
    let a = [x, y];
    let b = [y; 3];
    p[0] + p[n - 1] * p[n] + a[0] * a[1] + b[2] * b[0] + r[n - 1]
}

#[test]
fn local_buffers() {
    for n in [2, 4] {
        check_at(
            |p: &(f64, f64)| buffers(p.0, p.1, n),
            |p: &(f64, f64), d: &(f64, f64)| buffers_jvp(p.0, p.1, n, d.0, d.1),
            |p: &(f64, f64), y: &f64| buffers_vjp(p.0, p.1, n).1(*y),
            &pairs(&Domain::any(), 3),
        );
    }
}

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn overwrite_vec(mut x: Vec<f64>) -> f64 {
    let a = x[0] * x[1];
    x[0] = x[1].sin();
    x[1] = x[0] * x[1];
    x[2] += x[0];
    x[2] *= x[2];
    x[3] = 2.0;
    a + x[0] + x[1] * x[2] + x[3] * x[1]
}

#[test]
fn overwriting_elements_of_a_vec_parameter() {
    check_at(
        |x: &Vec<f64>| overwrite_vec(x.clone()),
        |x: &Vec<f64>, d: &Vec<f64>| overwrite_vec_jvp(x.clone(), d.clone()),
        |x: &Vec<f64>, y: &f64| overwrite_vec_vjp(x.clone()).1(*y),
        &vecs(&Domain::any(), 4, 3),
    );
    // x[3] is overwritten before any use: its gradient is exactly 0.
    let (_, g) = overwrite_vec_grad(vec![0.1, 0.2, 0.3, 0.4]);
    assert_eq!(g[3], 0.0);
}

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn overwrite_array(mut x: [f64; 3]) -> [f64; 3] {
    x[0] = x[0] * x[1];
    x[1] = x[0] + x[2];
    x[2] = x[1] * x[0];
    x
}

#[test]
fn overwriting_elements_of_an_array_parameter() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let x: [f64; 3] = sampler.array(&Domain::any());
        check_both(
            |x: &[f64; 3]| overwrite_array(*x),
            |x: &[f64; 3], d: &[f64; 3]| overwrite_array_jvp(*x, *d),
            |x: &[f64; 3], y: &[f64; 3]| overwrite_array_vjp(*x).1(*y),
            &x,
        );
    }
}

#[differentiate]
#[allow(clippy::assign_op_pattern, clippy::needless_range_loop)]
fn overwrite_in_loops(mut x: Vec<f64>, y: f64) -> f64 {
    let n = x.len();
    for i in 1..n {
        x[i] = x[i - 1] * x[i];
    }
    let mut buf = vec![0.0; n];
    for i in 0..n {
        buf[i] = x[i] * y;
        buf[i] = buf[i] * buf[i] + x[i];
    }
    for _ in 0..3 {
        buf[0] = buf[0].sin() * y;
    }
    let mut s = 0.0;
    for i in 0..n {
        s += buf[i];
    }
    s + x[n - 1]
}

#[test]
fn overwriting_elements_inside_loops() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, f64) = (
            sampler.vec(&Domain::any(), 4),
            sampler.scalar(&Domain::any()),
        );
        check_both(
            |p: &(Vec<f64>, f64)| overwrite_in_loops(p.0.clone(), p.1),
            |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| {
                overwrite_in_loops_jvp(p.0.clone(), p.1, d.0.clone(), d.1)
            },
            |p: &(Vec<f64>, f64), y: &f64| overwrite_in_loops_vjp(p.0.clone(), p.1).1(*y),
            &p,
        );
    }
}

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn local_writes(x: &[f64]) -> Vec<f64> {
    let mut a = [0.0; 3];
    let mut b = vec![1.0, 2.0, 3.0];
    a[0] = x[0];
    a[1] = a[0] * x[1];
    a[0] = a[1] + x[2];
    b[2] = b[2] * a[0];
    b[0] = x[0] * b[2];
    b[1] = b[0];
    b[0] = a[1] * 2.0;
    vec![a[0], a[1], a[2], b[0], b[1], b[2]]
}

#[test]
fn writes_into_local_buffers() {
    check_at(
        |x: &Vec<f64>| local_writes(x),
        |x: &Vec<f64>, d: &Vec<f64>| local_writes_jvp(x, d),
        |x: &Vec<f64>, y: &Vec<f64>| local_writes_vjp(x).1(y.clone()),
        &vecs(&Domain::any(), 3, 3),
    );
}

// ===== casts and copies =====

#[differentiate]
#[allow(clippy::unnecessary_cast)]
fn casts(x: f64, n: usize) -> f64 {
    let mut s = x as f64;
    for i in 0..n {
        s += (i as f64) * x + (i as f64).sqrt();
    }
    let k = n as i32;
    s * (x as f64) + k as f64
}

#[test]
fn casts_inactive_and_active() {
    check_at(
        |x: &f64| casts(*x, 4),
        |x: &f64, d: &f64| casts_jvp(*x, 4, *d),
        |x: &f64, y: &f64| casts_vjp(*x, 4).1(*y),
        &[0.3, -1.2],
    );
}

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn copies(x: &[f64], y: Vec<f64>) -> f64 {
    let mut a = x.to_vec();
    let b = y.clone();
    a[0] = b[1] * a[0];
    let c = a.clone();
    a[1] = 0.0;
    let d = x.to_owned();
    c[0] + c[1] * b[0] + a[1] + a[0] * d[1]
}

#[test]
fn clone_to_vec_and_to_owned() {
    let mut sampler = Sampler::seeded();
    let p: (Vec<f64>, Vec<f64>) = (
        sampler.vec(&Domain::any(), 2),
        sampler.vec(&Domain::any(), 2),
    );
    check_both(
        |p: &(Vec<f64>, Vec<f64>)| copies(&p.0, p.1.clone()),
        |p: &(Vec<f64>, Vec<f64>), d: &(Vec<f64>, Vec<f64>)| {
            copies_jvp(&p.0, p.1.clone(), &d.0, d.1.clone())
        },
        |p: &(Vec<f64>, Vec<f64>), y: &f64| copies_vjp(&p.0, p.1.clone()).1(*y),
        &p,
    );
}

// ===== calls to annotated functions =====

#[differentiate]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiate]
fn norm2(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v;
    }
    s
}

#[differentiate(hessian)]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[differentiate]
#[allow(clippy::needless_range_loop)]
fn scaled(x: &[f64], k: usize) -> Vec<f64> {
    let mut out = x.to_vec();
    for v in 0..out.len() {
        out[v] *= k as f64;
    }
    out
}

#[differentiate]
#[allow(clippy::needless_range_loop)]
fn calls(x: &[f64], y: f64) -> f64 {
    let (a, b) = polar(y, x[0]);
    let s = scaled(x, 3);
    let mut t = 0.0;
    for i in 0..x.len() {
        t += square(x[i] * y);
    }
    let local = vec![a, b, y];
    square(a) + norm2(x) * b + square(3.0) + norm2(&s) + norm2(&local) + t
}

#[test]
fn calls_to_annotated_functions() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, f64) = (
            sampler.vec(&Domain::any(), 3),
            sampler.scalar(&Domain::any()),
        );
        check_both(
            |p: &(Vec<f64>, f64)| calls(&p.0, p.1),
            |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| calls_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(Vec<f64>, f64), y: &f64| calls_vjp(&p.0, p.1).1(*y),
            &p,
        );
    }
}

/// Inactive floats passed to annotated functions, however they are written (an element of a
/// buffer left out of `wrt`, `f64::log10(c)`, a method of one, an item of `.iter()`, a branch):
/// each gets a zero tangent, as the callee takes one; a slice left out of `wrt` gets a
/// reference to its zero tangent.
#[differentiate(wrt(x))]
fn inactive_float_arguments(x: f64, b: &[f64], c: f64, m: &[f64]) -> f64 {
    let local = [0.5, 1.5];
    let mut s = weigh(x, b[1]) + weigh(f64::log10(c), x) + weigh(x, c.ln()) + weigh(local[0], x);
    for &v in b.iter() {
        s += weigh(x, v);
    }
    for v in m {
        s += weigh(*v, x);
    }
    s += weigh(x, if c > 1.0 { c } else { 2.0 });
    s + norm2(b) * x + norm2(m)
}

#[test]
fn inactive_float_arguments_get_zero_tangents() {
    let (b, m) = ([0.3, -0.7], [1.1, 0.4, -0.2]);
    for c in [0.5, 2.5] {
        check_at(
            |x: &f64| inactive_float_arguments(*x, &b, c, &m),
            |x: &f64, d: &f64| inactive_float_arguments_jvp(*x, &b, c, &m, *d),
            |x: &f64, y: &f64| inactive_float_arguments_vjp(*x, &b, c, &m).1(*y),
            &[0.4, -1.3],
        );
    }
}

/// Arrays where slices are expected: passed to a `&[f64]` parameter and copied with
/// `to_vec()`. The callee's and the copy's adjoints are `Vec`s, converted back to arrays.
#[differentiate]
fn arrays_as_slices(x: [f64; 3], y: &[f64; 2]) -> f64 {
    let v = x.to_vec();
    let w = y.to_vec();
    let local = [x[0] * y[1], x[2]];
    let u = local.to_vec();
    norm2(&x) * norm2(y) + v[0] * w[1] + norm2(&local) * local[1] + u[0]
}

#[test]
fn arrays_passed_as_slices_and_copied_to_vecs() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let v = sampler.vec(&Domain::any(), 5);
        let p: ([f64; 3], [f64; 2]) = ([v[0], v[1], v[2]], [v[3], v[4]]);
        check_both(
            |p: &([f64; 3], [f64; 2])| arrays_as_slices(p.0, &p.1),
            |p: &([f64; 3], [f64; 2]), d: &([f64; 3], [f64; 2])| {
                arrays_as_slices_jvp(p.0, &p.1, d.0, &d.1)
            },
            |p: &([f64; 3], [f64; 2]), y: &f64| arrays_as_slices_vjp(p.0, &p.1).1(*y),
            &p,
        );
    }
}

// ===== parameters =====

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn inactive_parameters(x: f64, n: usize, flag: bool, name: &str) -> f64 {
    let mut y = x;
    if flag {
        y = y * n as f64;
    }
    if name == "square" {
        y * y
    } else if name.len() > 3 {
        y + name.len() as f64 * x
    } else {
        y
    }
}

#[test]
fn inactive_parameters_of_other_types() {
    for (n, flag, name) in [
        (3, true, "square"),
        (2, false, "square"),
        (4, true, "cube"),
        (1, false, "id"),
    ] {
        check_at(
            |x: &f64| inactive_parameters(*x, n, flag, name),
            |x: &f64, d: &f64| inactive_parameters_jvp(*x, n, flag, name, *d),
            |x: &f64, y: &f64| inactive_parameters_vjp(*x, n, flag, name).1(*y),
            &[0.4, -1.1],
        );
    }
}

#[differentiate(wrt(y))]
fn restricted(x: f64, y: f64, z: &[f64]) -> f64 {
    x * y + z[0] * y.sin() + x * z[1]
}

#[differentiate(wrt(x, z))]
fn restricted_two(x: f64, y: f64, z: &[f64]) -> f64 {
    x * y + z[0] * y.sin() + x * z[1]
}

#[test]
fn wrt_restricts_the_active_parameters() {
    let (x, z) = (0.7, vec![1.3, -0.4]);
    check_at(
        |y: &f64| restricted(x, *y, &z),
        |y: &f64, d: &f64| restricted_jvp(x, *y, &z, *d),
        |y: &f64, b: &f64| restricted_vjp(x, *y, &z).1(*b),
        &[0.2, 1.9],
    );
    let (_, g): (f64, f64) = restricted_grad(x, 0.2, &z);
    assert_close(g, x + z[0] * 0.2f64.cos(), 1e-15);

    let y = 0.9;
    check_at(
        |p: &(f64, Vec<f64>)| restricted_two(p.0, y, &p.1),
        |p: &(f64, Vec<f64>), d: &(f64, Vec<f64>)| restricted_two_jvp(p.0, y, &p.1, d.0, &d.1),
        |p: &(f64, Vec<f64>), b: &f64| restricted_two_vjp(p.0, y, &p.1).1(*b),
        &[(0.7, vec![1.3, -0.4]), (-1.1, vec![0.2, 0.5])],
    );
    let (_, (gx, gz)): (f64, (f64, Vec<f64>)) = restricted_two_grad(0.7, y, &[1.3, -0.4]);
    assert_close(gx, y - 0.4, 1e-15);
    assert_eq!(gz, vec![y.sin(), 0.7]);
}

/// Every kind of active parameter at once.
#[differentiate]
#[allow(clippy::ptr_arg)]
fn every_parameter_type(
    a: f64,
    b: &[f64],
    c: [f64; 2],
    d: &[f64; 2],
    e: Vec<f64>,
    f: &Vec<f64>,
) -> f64 {
    a * b[0] + b[1] * c[0] + c[1] * d[0] + d[1] * e[0] + e[1] * f[0] + f[1] * a
}

type Every = (f64, Vec<f64>, [f64; 2], [f64; 2], Vec<f64>, Vec<f64>);

#[test]
fn every_parameter_type_f64() {
    let p: Every = (
        0.5,
        vec![1.5, -0.5],
        [0.25, 2.0],
        [-1.0, 0.75],
        vec![1.25, -2.0],
        vec![0.6, 0.9],
    );
    check_both(
        |p: &Every| every_parameter_type(p.0, &p.1, p.2, &p.3, p.4.clone(), &p.5),
        |p: &Every, t: &Every| {
            every_parameter_type_jvp(
                p.0,
                &p.1,
                p.2,
                &p.3,
                p.4.clone(),
                &p.5,
                t.0,
                &t.1,
                t.2,
                &t.3,
                t.4.clone(),
                &t.5,
            )
        },
        |p: &Every, y: &f64| {
            every_parameter_type_vjp(p.0, &p.1, p.2, &p.3, p.4.clone(), &p.5).1(*y)
        },
        &p,
    );
    // The gradient has one adjoint per parameter, of the parameter's owned type.
    let (_, g): (f64, Every) = every_parameter_type_grad(p.0, &p.1, p.2, &p.3, p.4.clone(), &p.5);
    assert_eq!(g.0, p.1[0] + p.5[1]);
    assert_eq!(g.2, [p.1[1], p.3[0]]);
}

/// Every return type: a float, a tuple of floats, a `Vec`, an array, a tuple with a buffer.
#[differentiate]
fn returns_float(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiate]
fn returns_tuple(x: f64, y: f64) -> (f64, f64, f64) {
    (x * y, x.sin(), y / x)
}

#[differentiate]
fn returns_vec(x: f64, y: f64) -> Vec<f64> {
    vec![x * y, x + y, x.exp()]
}

#[differentiate]
fn returns_array(x: f64, y: f64) -> [f64; 2] {
    [x * y, y.cos()]
}

#[differentiate]
fn returns_tuple_with_buffer(x: f64, y: f64) -> (f64, Vec<f64>) {
    let v = vec![x, y * x];
    (x - y, v)
}

#[test]
fn every_return_type() {
    let points = pairs(&Domain::new(0.5, 2.0), 3);
    check_at(
        |p: &(f64, f64)| returns_float(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| returns_float_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &f64| returns_float_vjp(p.0, p.1).1(*y),
        &points,
    );
    check_at(
        |p: &(f64, f64)| returns_tuple(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| returns_tuple_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &(f64, f64, f64)| returns_tuple_vjp(p.0, p.1).1(*y),
        &points,
    );
    check_at(
        |p: &(f64, f64)| returns_vec(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| returns_vec_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &Vec<f64>| returns_vec_vjp(p.0, p.1).1(y.clone()),
        &points,
    );
    check_at(
        |p: &(f64, f64)| returns_array(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| returns_array_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &[f64; 2]| returns_array_vjp(p.0, p.1).1(*y),
        &points,
    );
    check_at(
        |p: &(f64, f64)| returns_tuple_with_buffer(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| returns_tuple_with_buffer_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &(f64, Vec<f64>)| returns_tuple_with_buffer_vjp(p.0, p.1).1(y.clone()),
        &points,
    );
}

/// Early returns of a tuple and of a buffer built by `push`, from inside a loop, on a condition
/// with `&&` and `||`.
#[differentiate]
#[allow(clippy::assign_op_pattern, clippy::needless_range_loop)]
fn returns_tuple_early(x: &[f64], y: f64) -> (f64, f64) {
    let mut s = y;
    for i in 0..x.len() {
        s = s * x[i];
        if i == 2 {
            return (s, s * y);
        }
    }
    (s, y)
}

#[differentiate]
#[allow(clippy::needless_range_loop)]
fn returns_vec_early(x: &[f64], y: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..x.len() {
        let v = x[i] * y;
        out.push(v);
        if x[i] > 1.0 && y > 0.0 || x[i] < -1.0 {
            return out;
        }
    }
    out
}

#[test]
fn early_returns_of_tuples_and_buffers() {
    let points = [
        (vec![0.5, -0.7, 1.2, 0.9], 0.8),
        (vec![0.5, -0.7, 0.2], -0.6),
        (vec![-1.5, 0.7, 1.2], 0.3),
        (vec![0.2, 1.7, 1.2], -0.3),
    ];
    check_at(
        |p: &(Vec<f64>, f64)| returns_tuple_early(&p.0, p.1),
        |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| returns_tuple_early_jvp(&p.0, p.1, &d.0, d.1),
        |p: &(Vec<f64>, f64), y: &(f64, f64)| returns_tuple_early_vjp(&p.0, p.1).1(*y),
        &points,
    );
    check_at(
        |p: &(Vec<f64>, f64)| returns_vec_early(&p.0, p.1),
        |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| returns_vec_early_jvp(&p.0, p.1, &d.0, d.1),
        |p: &(Vec<f64>, f64), y: &Vec<f64>| returns_vec_early_vjp(&p.0, p.1).1(y.clone()),
        &points,
    );
}

// ===== f32 =====

#[differentiate]
#[allow(clippy::useless_vec)]
fn single(x: f32, y: &[f32], z: [f32; 2]) -> f32 {
    let mut acc = 0.5;
    for v in y.iter() {
        acc = acc * x + v * 2.0;
    }
    let w = vec![0.0; 2];
    let t = if x > 0.0 { 1.5 } else { 2.5 };
    acc * t + x.powf(2.0) + x.max(0.1) + z[0] * z[1] + w[1] + (y.len() as f32) * x
}

#[test]
fn f32_with_unsuffixed_literals() {
    let p: (f32, Vec<f32>, [f32; 2]) = (0.75, vec![0.5, -1.25, 1.0], [1.5, -0.5]);
    check_both(
        |p: &(f32, Vec<f32>, [f32; 2])| single(p.0, &p.1, p.2),
        |p: &(f32, Vec<f32>, [f32; 2]), d: &(f32, Vec<f32>, [f32; 2])| {
            single_jvp(p.0, &p.1, p.2, d.0, &d.1, d.2)
        },
        |p: &(f32, Vec<f32>, [f32; 2]), y: &f32| single_vjp(p.0, &p.1, p.2).1(*y),
        &p,
    );
}

/// Float methods whose other arguments are not active: parameters left out by `wrt` (a float
/// and the `i32` exponent of `powi`), a local bound to a literal, literals, and the path form
/// with an inactive first argument. The user's calls give each its type, which the rules'
/// calls follow.
#[differentiate(wrt(x), hessian)]
fn inactive_method_arguments(x: f32, c: f32, k: i32) -> f32 {
    let half = 0.5;
    x.max(c)
        + x.powi(k)
        + x.powf(c)
        + f32::min(c, x)
        + x.hypot(half)
        + x.mul_add(c, 1.5)
        + x.powi(2)
}

#[test]
fn f32_methods_with_inactive_arguments() {
    for x in [0.75f32, 1.5] {
        check_both(
            |x: &f32| inactive_method_arguments(*x, 1.25, 3),
            |x: &f32, d: &f32| inactive_method_arguments_jvp(*x, 1.25, 3, *d),
            |x: &f32, y: &f32| inactive_method_arguments_vjp(*x, 1.25, 3).1(*y),
            &x,
        );
        // The second derivative against central differences of the gradient (f32: h = 1e-2,
        // an error of order h² times the third derivative).
        let (_, _, hessian) = inactive_method_arguments_hessian(x, 1.25, 3);
        let (_, _, second) = inactive_method_arguments_hvp(x, 1.25, 3, 1.0);
        let gradient = |x: f32| inactive_method_arguments_grad(x, 1.25, 3).1;
        let h = 1e-2;
        let difference = (gradient(x + h) - gradient(x - h)) / (2.0 * h);
        assert_eq!(hessian[(0, 0)], second);
        assert!(
            (second - difference).abs() <= 1e-2 * difference.abs(),
            "at x = {x}: {second} against {difference}"
        );
    }
}

// ===== macros =====

#[differentiate]
fn passthrough(x: f64) -> f64 {
    assert!(x > 0.0, "x = {}", x);
    debug_assert!(x.is_finite());
    assert_ne!(x, 1.0, "x = {}", x);
    let y = x.ln();
    println!("x = {x}, y = {y:.3}");
    eprintln!("x = {:e}", x);
    y * x
}

#[test]
fn assert_and_println_pass_through() {
    check_at(
        |x: &f64| passthrough(*x),
        |x: &f64, d: &f64| passthrough_jvp(*x, *d),
        |x: &f64, y: &f64| passthrough_vjp(*x).1(*y),
        &[0.5, 2.0],
    );
}

#[test]
#[should_panic(expected = "x = -1")]
fn assert_fires_in_the_generated_code() {
    let _ = passthrough_grad(-1.0);
}

// ===== more forms of the same constructs =====

use std::f64::consts::PI;

/// Inactive subexpressions (each must keep its parentheses in the generated code), constants
/// by path, unary minus around method calls.
#[differentiate]
#[allow(clippy::identity_op)]
fn inactive_subexpressions(x: f64, n: usize) -> f64 {
    let a = x * (1.0 + 2.0);
    let b = x / (2.0 - 1.5);
    let c = x - (1.0 - 2.0);
    let d = -(x - 1.0);
    let e = x * -2.0;
    let f = (n - 1) as f64 * x;
    let g = x.powf(1.0 / 3.0);
    let h = -x.powi(2) + (-x).exp();
    let i = x * PI + std::f64::consts::E * x + f64::EPSILON;
    let j = x / (n as f64 + 1.0) - x / n as f64;
    a + b + c + d + e + f + g + h + i + j
}

#[test]
fn inactive_subexpressions_keep_their_precedence() {
    check_at(
        |x: &f64| inactive_subexpressions(*x, 3),
        |x: &f64, d: &f64| inactive_subexpressions_jvp(*x, 3, *d),
        |x: &f64, y: &f64| inactive_subexpressions_vjp(*x, 3).1(*y),
        &[0.7, 1.9],
    );
}

/// An active variable given a constant (its adjoint must be reset), a buffer moved into a new
/// binding and written through it with every compound operator, a buffer replaced as a whole.
#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn resets_and_moves(x: Vec<f64>, y: f64) -> f64 {
    let mut s = y * 2.0;
    let a = s * s;
    s = 1.0;
    let mut b = x;
    b[0] = b[1] * b[0];
    b[0] -= b[1];
    b[1] /= b[0];
    b[2] += y;
    b[2] *= b[1];
    let n = b.len();
    let mut c = vec![0.0; n];
    c[0] = b[0] * b[2];
    b = c.clone();
    b[1] = b[0] * y;
    c = vec![1.0; n];
    c[0] *= y;
    let (i, j) = (n - 1, n - 1);
    b[i] = b[j] * y;
    a + s * y + b[0] + b[1] + b[2] + c[0] + c[1]
}

#[test]
fn reset_moved_and_replaced_buffers() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, f64) = (
            sampler.vec(&Domain::new(0.5, 2.0), 3),
            sampler.scalar(&Domain::any()),
        );
        check_both(
            |p: &(Vec<f64>, f64)| resets_and_moves(p.0.clone(), p.1),
            |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| {
                resets_and_moves_jvp(p.0.clone(), p.1, d.0.clone(), d.1)
            },
            |p: &(Vec<f64>, f64), y: &f64| resets_and_moves_vjp(p.0.clone(), p.1).1(*y),
            &p,
        );
    }
}

/// More loop headers: a reversed range, `step_by`, `for v in &x` over an owned buffer,
/// `zip` with a slice (no `.iter()`), a local active buffer iterated, `x.len()` in arithmetic.
#[differentiate]
fn loop_headers(x: Vec<f64>, y: &[f64]) -> f64 {
    let mut s = 1.0;
    for i in (0..x.len()).rev() {
        s = s * x[i] + 1.0;
    }
    for i in (0..y.len()).step_by(2) {
        s = s * y[i] + 0.5;
    }
    for v in &x {
        s += v * v;
    }
    for (a, b) in x.iter().zip(y) {
        s += a * b;
    }
    let mut local = vec![0.0; 2];
    local[0] = s * y[0];
    local[1] = x[1] * 2.0;
    for v in local.iter() {
        s = s * 0.5 + *v;
    }
    s / x.len() as f64
}

#[test]
fn more_loop_headers() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, Vec<f64>) = (
            sampler.vec(&Domain::any(), 3),
            sampler.vec(&Domain::any(), 3),
        );
        check_both(
            |p: &(Vec<f64>, Vec<f64>)| loop_headers(p.0.clone(), &p.1),
            |p: &(Vec<f64>, Vec<f64>), d: &(Vec<f64>, Vec<f64>)| {
                loop_headers_jvp(p.0.clone(), &p.1, d.0.clone(), &d.1)
            },
            |p: &(Vec<f64>, Vec<f64>), y: &f64| loop_headers_vjp(p.0.clone(), &p.1).1(*y),
            &p,
        );
    }
}

/// A branch on active values in every iteration, with a push in one arm: the backward sweep
/// must replay the arms that ran, in reverse, and pop only what was pushed.
#[differentiate]
#[allow(clippy::needless_range_loop, clippy::assign_op_pattern)]
fn branchy_loop(x: &[f64], y: f64) -> f64 {
    let mut s = y;
    let mut pushed = Vec::new();
    for i in 0..x.len() {
        if x[i] * s > 0.0 {
            s = s * x[i];
            pushed.push(s);
        } else {
            s = s + x[i].sin();
        }
    }
    let mut t = 0.0;
    for v in pushed.iter() {
        t += v * s;
    }
    t + pushed.len() as f64 * s
}

#[test]
fn branches_inside_loops() {
    // Sign patterns of x·s that run each arm at least once.
    let points = [
        (vec![0.5, -0.7, 1.2, 0.9], 0.8),
        (vec![-0.5, 1.7, -1.2, 0.3], 0.6),
        (vec![1.5, 1.1, 0.4, -0.9], -0.7),
    ];
    check_at(
        |p: &(Vec<f64>, f64)| branchy_loop(&p.0, p.1),
        |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| branchy_loop_jvp(&p.0, p.1, &d.0, d.1),
        |p: &(Vec<f64>, f64), y: &f64| branchy_loop_vjp(&p.0, p.1).1(*y),
        &points,
    );
}

#[differentiate]
fn pair(a: f64, b: f64) -> (f64, f64) {
    (a * b, a - b.exp())
}

/// One variable passed for two parameters of a callee (both adjoints accumulate), and a
/// callee called in a loop, its tuple destructured.
#[differentiate]
fn same_argument_twice(x: f64) -> f64 {
    let (a, b) = pair(x, x);
    let mut s = a * b;
    for _ in 0..3 {
        let (c, d) = pair(s, x);
        s = c + d;
    }
    s + square(x)
}

#[test]
fn one_variable_for_two_parameters() {
    check_at(
        |x: &f64| same_argument_twice(*x),
        |x: &f64, d: &f64| same_argument_twice_jvp(*x, *d),
        |x: &f64, y: &f64| same_argument_twice_vjp(*x).1(*y),
        &[0.3, -0.8],
    );
}

/// `if let` on an inactive `Option`, and a result that does not depend on the active input on
/// some paths (an inactive value returned).
#[differentiate]
fn if_let_and_constant_results(x: f64, o: Option<usize>) -> f64 {
    if x > 10.0 {
        return 2.0;
    }
    if let Some(k) = o { x * k as f64 } else { 1.0 }
}

#[test]
fn if_let_and_inactive_results() {
    for o in [Some(3), None] {
        check_at(
            |x: &f64| if_let_and_constant_results(*x, o),
            |x: &f64, d: &f64| if_let_and_constant_results_jvp(*x, o, *d),
            |x: &f64, y: &f64| if_let_and_constant_results_vjp(*x, o).1(*y),
            &[0.4, 12.0],
        );
    }
    assert_eq!(if_let_and_constant_results_grad(0.4, None), (1.0, 0.0));
    assert_eq!(if_let_and_constant_results_grad(12.0, Some(3)), (2.0, 0.0));
}

/// Parameters shadowed by inactive values: the shadowed parameter gets no adjoint from later
/// uses.
#[differentiate]
fn shadowed_parameters(x: f64, y: &[f64]) -> f64 {
    let a = x * y[0];
    let x = 3.0;
    let y = y.to_vec();
    a * x + y[1]
}

#[test]
fn parameters_shadowed_by_inactive_values() {
    check_at(
        |p: &(f64, Vec<f64>)| shadowed_parameters(p.0, &p.1),
        |p: &(f64, Vec<f64>), d: &(f64, Vec<f64>)| shadowed_parameters_jvp(p.0, &p.1, d.0, &d.1),
        |p: &(f64, Vec<f64>), y: &f64| shadowed_parameters_vjp(p.0, &p.1).1(*y),
        &[(0.7, vec![1.3, 0.4])],
    );
    let (_, (gx, gy)) = shadowed_parameters_grad(0.7, &[1.3, 0.4]);
    assert_eq!((gx, gy), (3.0 * 1.3, vec![3.0 * 0.7, 1.0]));
}

/// Every kind of active parameter, and every return type, in `f32`.
#[differentiate]
#[allow(clippy::ptr_arg)]
fn every_parameter_type_single(
    a: f32,
    b: &[f32],
    c: [f32; 2],
    d: &[f32; 2],
    e: Vec<f32>,
    f: &Vec<f32>,
) -> (f32, Vec<f32>, [f32; 2]) {
    let s = a * b[0] + b[1] * c[0] + c[1] * d[0] + d[1] * e[0] + e[1] * f[0] + f[1] * a;
    (s * 0.5, vec![a * 2.0, s], [c[0] * d[1], 1.0])
}

type EverySingle = (f32, Vec<f32>, [f32; 2], [f32; 2], Vec<f32>, Vec<f32>);
type ReturnsSingle = (f32, Vec<f32>, [f32; 2]);

#[test]
fn every_parameter_and_return_type_f32() {
    let p: EverySingle = (
        0.5,
        vec![1.5, -0.5],
        [0.25, 2.0],
        [-1.0, 0.75],
        vec![1.25, -2.0],
        vec![0.625, 0.875],
    );
    check_both(
        |p: &EverySingle| every_parameter_type_single(p.0, &p.1, p.2, &p.3, p.4.clone(), &p.5),
        |p: &EverySingle, t: &EverySingle| {
            every_parameter_type_single_jvp(
                p.0,
                &p.1,
                p.2,
                &p.3,
                p.4.clone(),
                &p.5,
                t.0,
                &t.1,
                t.2,
                &t.3,
                t.4.clone(),
                &t.5,
            )
        },
        |p: &EverySingle, y: &ReturnsSingle| {
            every_parameter_type_single_vjp(p.0, &p.1, p.2, &p.3, p.4.clone(), &p.5).1(y.clone())
        },
        &p,
    );
}

#[test]
fn pullbacks_can_be_called_many_times() {
    use common::check_pullback_reusable;
    let x = vec![0.5, -0.7, 1.2, 0.9];
    check_pullback_reusable(
        |p: &(Vec<f64>, f64)| branchy_loop_vjp(&p.0, p.1),
        &(x.clone(), 0.8),
    );
    check_pullback_reusable(
        |p: &(Vec<f64>, f64)| overwrite_in_loops_vjp(p.0.clone(), p.1),
        &(x.clone(), 0.8),
    );
    check_pullback_reusable(
        |p: &(Vec<f64>, f64)| calls_vjp(&p.0, p.1),
        &(x.clone(), 0.8),
    );
    check_pullback_reusable(
        |p: &(Vec<f64>, f64)| uses_custom_rules_vjp(&p.0, p.1),
        &(x.clone(), 0.8),
    );
    check_pullback_reusable(|x: &f64| while_active_vjp(*x), &2.0);
    check_pullback_reusable(|x: &f64| same_argument_twice_vjp(*x), &0.3);
    check_pullback_reusable(
        |x: &Vec<f64>| labelled_vjp(x),
        &vec![0.5, -0.7, 1.2, 0.9, 0.1],
    );
    check_pullback_reusable(|x: &Vec<f64>| local_writes_vjp(x), &vec![0.5, -0.7, 1.2]);
    check_pullback_reusable(|p: &(f64, f64)| returns_tuple_vjp(p.0, p.1), &(0.5, 1.5));
}

// ===== custom rules =====

mod custom {
    //! A custom rule: `softplus(x) = ln(1 + eˣ)` with hand-written companions. The primal is
    //! computed stably as `max(x, 0) + ln(1 + e^-|x|)`; the rule's derivative is the logistic
    //! function as `½(1 + tanh(x/2))`, a different formula from the one differentiating the
    //! primal would give, and finite everywhere (`eˣ / (1 + eˣ)` is inf/inf for large `x`). The
    //! companions count their calls, so a test can tell that the rule was used.
    use std::cell::Cell;

    thread_local! {
        pub static JVP_CALLS: Cell<usize> = const { Cell::new(0) };
        pub static VJP_CALLS: Cell<usize> = const { Cell::new(0) };
        pub static PULLBACK_CALLS: Cell<usize> = const { Cell::new(0) };
    }

    fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>) {
        counter.with(|c| c.set(c.get() + 1));
    }

    /// The logistic function σ(x) = 1 / (1 + e⁻ˣ), stably.
    fn logistic(x: f64) -> f64 {
        0.5 * (1.0 + (0.5 * x).tanh())
    }

    pub fn softplus(x: f64) -> f64 {
        x.max(0.0) + (-x.abs()).exp().ln_1p()
    }

    pub fn softplus_jvp(x: f64, x_dot: f64) -> (f64, f64) {
        bump(&JVP_CALLS);
        (softplus(x), logistic(x) * x_dot)
    }

    pub fn softplus_vjp(x: f64) -> (f64, impl Fn(f64) -> f64 + use<>) {
        bump(&VJP_CALLS);
        let slope = logistic(x);
        (softplus(x), move |y_bar: f64| {
            bump(&PULLBACK_CALLS);
            slope * y_bar
        })
    }

    /// log Σ exp(xᵢ), a custom rule over a slice with an inactive temperature.
    pub fn logsumexp(x: &[f64], scale: usize) -> f64 {
        let t = scale as f64;
        let m = x.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
        m + x.iter().map(|v| ((v - m) * t).exp()).sum::<f64>().ln() / t
    }

    fn softmax(x: &[f64], scale: usize) -> Vec<f64> {
        let t = scale as f64;
        let m = x.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
        let e: Vec<f64> = x.iter().map(|v| ((v - m) * t).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|v| v / s).collect()
    }

    pub fn logsumexp_jvp(x: &[f64], scale: usize, x_dot: &[f64]) -> (f64, f64) {
        bump(&JVP_CALLS);
        let p = softmax(x, scale);
        (
            logsumexp(x, scale),
            p.iter().zip(x_dot).map(|(p, d)| p * d).sum(),
        )
    }

    pub fn logsumexp_vjp(x: &[f64], scale: usize) -> (f64, impl Fn(f64) -> Vec<f64> + use<>) {
        bump(&VJP_CALLS);
        let p = softmax(x, scale);
        (logsumexp(x, scale), move |y_bar: f64| {
            bump(&PULLBACK_CALLS);
            p.iter().map(|p| p * y_bar).collect()
        })
    }
}

// A custom rule is called like any function: by a path (the companions are found beside it,
// `custom::softplus_jvp`), or imported together with its companions.
use custom::{logsumexp, logsumexp_jvp, logsumexp_vjp, softplus};

// No `hessian`: the rules have no second-order companions (`softplus_jvp_vjp`), so this
// function has no Hessian.
#[differentiate]
#[allow(clippy::needless_range_loop)]
fn uses_custom_rules(x: &[f64], y: f64) -> f64 {
    let mut s = custom::softplus(y * 2.0);
    for i in 0..x.len() {
        s += custom::softplus(x[i]) * y;
    }
    s + logsumexp(x, 2) * custom::softplus(3.0)
}

fn counts() -> (usize, usize, usize) {
    (
        custom::JVP_CALLS.with(|c| c.get()),
        custom::VJP_CALLS.with(|c| c.get()),
        custom::PULLBACK_CALLS.with(|c| c.get()),
    )
}

#[test]
fn custom_rule_in_both_modes() {
    let mut sampler = Sampler::seeded();
    for _ in 0..3 {
        let p: (Vec<f64>, f64) = (
            sampler.vec(&Domain::any(), 3),
            sampler.scalar(&Domain::any()),
        );
        check_both(
            |p: &(Vec<f64>, f64)| uses_custom_rules(&p.0, p.1),
            |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| uses_custom_rules_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(Vec<f64>, f64), y: &f64| uses_custom_rules_vjp(&p.0, p.1).1(*y),
            &p,
        );
    }
}

#[test]
fn custom_rule_is_the_one_used() {
    let x = [0.5, -1.0, 2.0];
    let before = counts();
    let _ = uses_custom_rules_jvp(&x, 0.3, &[1.0, 0.0, 0.0], 0.0);
    let after_jvp = counts();
    // softplus(y·2), three softplus(x[i]) and logsumexp: five active calls (softplus(3.0) is
    // inactive and calls the primal only).
    assert_eq!(after_jvp.0 - before.0, 5);
    assert_eq!(after_jvp.1, before.1);
    let (_, back) = uses_custom_rules_vjp(&x, 0.3);
    let after_vjp = counts();
    assert_eq!(after_vjp.1 - after_jvp.1, 5);
    let _ = back(1.0);
    let _ = back(2.0);
    let after_pullback = counts();
    assert_eq!(after_pullback.2 - after_vjp.2, 10);

    // Far out, the naive derivative eˣ/(1 + eˣ) is inf/inf; the custom rule's logistic is
    // exactly 1 at 800 and 0 at -800, and softmax(2x) is (1, 0, 0).
    let y = 0.5;
    let (_, (gx, gy)) = uses_custom_rules_grad(&[800.0, -800.0, 0.0], y);
    assert_eq!(gx, vec![y + softplus(3.0), 0.0, 0.25]);
    let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
    assert_close(gy, 2.0 * logistic(1.0) + 800.0 + 0.0 + 2f64.ln(), 1e-15);
}
