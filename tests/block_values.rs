//! Values computed in blocks, branches, loops and matches that bind their own locals: the
//! derivative flows through the local to the value.
// These functions are written the way the tests need them, not the way clippy prefers.
#![allow(clippy::let_and_return, clippy::never_loop)]

use matcalc::differentiate;

#[differentiate]
fn block_local(x: f64) -> f64 {
    let y = {
        let t = x * 2.0;
        t
    };
    y * 1.0
}

#[differentiate]
fn branch_local(x: f64) -> f64 {
    let y = if x > 0.0 {
        let t = x * 2.0;
        t
    } else {
        0.0
    };
    y
}

#[differentiate]
fn loop_local(x: f64) -> f64 {
    loop {
        let t = x * 3.0;
        break t;
    }
}

#[differentiate]
fn match_local(x: f64, n: usize) -> f64 {
    match n {
        0 => {
            let t = x * 3.0;
            t
        }
        _ => 0.0,
    }
}

/// A block's value accumulated in a loop over an active buffer: the loop's items make the
/// block's local active, so the block's value is.
#[differentiate]
fn block_accumulated_in_a_loop(x: &[f64]) -> f64 {
    let total: f64 = {
        let mut s = 0.0;
        for v in x.iter() {
            s += v * v;
        }
        s
    };
    total
}

#[differentiate]
fn guard_else(x: &[f64], ns: &[usize]) -> f64 {
    let Some(&n) = ns.first() else {
        return x[0];
    };
    x[n] * 2.0
}

/// A block's buffer filled by `push` and by indexed writes: the values written make the
/// buffer, and so the block's value, active.
#[differentiate]
fn block_buffer_pushed_and_written(x: &[f64]) -> f64 {
    let squares = {
        let mut c = Vec::new();
        for v in x.iter() {
            c.push(v * v);
        }
        c
    };
    let doubled = {
        let mut d = vec![0.0; x.len()];
        for i in 0..x.len() {
            d[i] = 2.0 * x[i];
        }
        d
    };
    squares[0] + doubled[1]
}

/// A condition computed in a block from an active value is a `bool`, never active: the block
/// reads `v` only where activity does not flow.
#[differentiate]
fn block_condition(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        let keep = {
            let w = v * 2.0;
            w > 0.0
        };
        if keep {
            s += v * v;
        }
    }
    s
}

#[test]
fn locals_of_value_blocks_carry_derivatives() {
    assert_eq!(block_local_grad(2.0), (4.0, 2.0));
    assert_eq!(branch_local_grad(2.0), (4.0, 2.0));
    assert_eq!(branch_local_grad(-2.0), (0.0, 0.0));
    assert_eq!(loop_local_grad(2.0), (6.0, 3.0));
    assert_eq!(match_local_grad(2.0, 0), (6.0, 3.0));
    assert_eq!(block_local_jvp(2.0, 1.0), (4.0, 2.0));
    let x = [0.5, -1.0, 2.0];
    assert_eq!(
        block_accumulated_in_a_loop_grad(&x),
        (5.25, vec![1.0, -2.0, 4.0])
    );
    assert_eq!(
        block_accumulated_in_a_loop_jvp(&x, &[1.0, 0.0, 0.0]),
        (5.25, 1.0)
    );
    // x₀² + 2x₁
    assert_eq!(
        block_buffer_pushed_and_written_grad(&x),
        (-1.75, vec![1.0, 2.0, 0.0])
    );
    assert_eq!(
        block_buffer_pushed_and_written_jvp(&x, &[1.0, 1.0, 1.0]),
        (-1.75, 3.0)
    );
    // the sum of the squares of the positive entries
    assert_eq!(block_condition_grad(&x), (4.25, vec![1.0, 0.0, 4.0]));
}

#[test]
fn let_else_returns_from_its_else_block() {
    assert_eq!(guard_else_grad(&[1.0, 5.0], &[1]), (10.0, vec![0.0, 2.0]));
    assert_eq!(guard_else_grad(&[1.0, 5.0], &[]), (1.0, vec![1.0, 0.0]));
    assert_eq!(guard_else_jvp(&[1.0, 5.0], &[], &[3.0, 0.0]), (1.0, 3.0));
}
