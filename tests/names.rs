//! Generated locals never collide with the user's names.

use matcalc::differentiate;

#[differentiate(hessian)]
fn spread(point: f64, value: f64, pullback: f64, direction: f64) -> f64 {
    point * value + pullback * direction
}

#[test]
fn parameters_named_like_generated_locals() {
    let (_, _, h) = spread_hessian(1.0, 2.0, 3.0, 4.0);
    assert_eq!(h[(0, 1)], 1.0);
    assert_eq!(h[(2, 3)], 1.0);
    let (_, j) = spread_jacobian(1.0, 2.0, 3.0, 4.0);
    assert_eq!(j[(0, 0)], 2.0);
}

/// Bindings spelled like the macro's temporaries (`t1`, `c2`, `r1`, `i3`, `tape0`, `seed`)
/// next to values the macro binds to temporaries of its own.
#[differentiate]
fn spelled_like_temporaries(a: f64, b: f64) -> f64 {
    let p = (a - b, 0.0);
    let t1 = a;
    let c2 = t1 * p.0;
    let r1 = (a * b).sin();
    let mut tape0 = 0.0;
    for i3 in 0..3 {
        let seed = i3 as f64;
        tape0 += seed * r1 * c2;
    }
    t1 * p.0 + tape0
}

#[test]
fn bindings_spelled_like_temporaries() {
    let (a, b): (f64, f64) = (0.7, -0.3);
    // f = (1 + 3 sin(ab))·a(a − b)
    let s = (a * b).sin();
    let c = (a * b).cos();
    let q = a * (a - b);
    let expected = (
        3.0 * c * b * q + (1.0 + 3.0 * s) * (2.0 * a - b),
        3.0 * c * a * q - (1.0 + 3.0 * s) * a,
    );
    let (_, (ga, gb)) = spelled_like_temporaries_grad(a, b);
    assert!((ga - expected.0).abs() < 1e-12 && (gb - expected.1).abs() < 1e-12);
    let (_, da) = spelled_like_temporaries_jvp(a, b, 1.0, 0.0);
    let (_, db) = spelled_like_temporaries_jvp(a, b, 0.0, 1.0);
    assert!((da - expected.0).abs() < 1e-12 && (db - expected.1).abs() < 1e-12);
}
