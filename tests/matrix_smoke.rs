use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

#[differentiate]
fn mats(x: &DVector<f64>, s: f64) -> f64 {
    let n = x.len();
    let m = DMatrix::from_fn(n, n, |i, j| x[i] * x[j] + if i == j { s } else { 0.0 });
    let e = m.map(|v| v.sin());
    let y = &e * x;
    let z = -(&m * &y) + &y;
    let mut w = z.clone();
    w[0] = w[1] * s;
    x.dot(&w) + e[(0, 1)]
}

#[test]
fn matrix_smoke() {
    use matcalc::check;
    let x = (DVector::from_vec(vec![0.3, -0.5, 0.8]), 0.7);
    let f = |p: &(DVector<f64>, f64)| mats(&p.0, p.1);
    let jvp = |p: &(DVector<f64>, f64), d: &(DVector<f64>, f64)| mats_jvp(&p.0, p.1, &d.0, d.1);
    let vjp = |p: &(DVector<f64>, f64), y: &f64| mats_vjp(&p.0, p.1).1(*y);
    check::jvp(f, jvp, &x, &check::Config::for_jvp::<f64>()).unwrap();
    check::dot_product(jvp, vjp, &x, &check::Config::for_dot_product::<f64>()).unwrap();
}
