//! Functions mixing matrix operations and rules: the acceptance case of the matrix issue,
//! logdet(A) + tr(A⁻¹B) + the largest eigenvalue of S, plus products, maps and `from_fn`.

use matcalc::differentiate;
use nalgebra::{DMatrix, DVector, Matrix2x3, RowVector3, Vector3};

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

#[differentiate]
fn mixed(a: &DMatrix<f64>, b: &DMatrix<f64>, s: &DMatrix<f64>, x: f64) -> f64 {
    let l = matcalc::linalg::logdet(a);
    let t = (a.clone().try_inverse().unwrap() * b).trace();
    let sym = (s + s.transpose()) * 0.5;
    let e = sym.symmetric_eigenvalues();
    let mut top = e[0];
    for i in 1..e.len() {
        top = top.max(e[i]);
    }
    l + t + top + x.exp() + a.exp().trace() * 0.1
}

#[test]
fn logdet_trace_inverse_and_top_eigenvalue() {
    use matcalc::check;
    let a = DMatrix::from_row_slice(3, 3, &[4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0]);
    let b = DMatrix::from_row_slice(3, 3, &[1.0, 2.0, 0.0, -1.0, 0.5, 1.0, 0.3, 0.0, 2.0]);
    let s = DMatrix::from_row_slice(3, 3, &[2.0, 0.5, 0.1, 0.5, 1.0, 0.3, 0.1, 0.3, -1.0]);
    type P = (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>, f64);
    let point: P = (a, b, s, 0.3);
    let f = |p: &P| mixed(&p.0, &p.1, &p.2, p.3);
    let jvp = |p: &P, d: &P| mixed_jvp(&p.0, &p.1, &p.2, p.3, &d.0, &d.1, &d.2, d.3);
    let vjp = |p: &P, y: &f64| mixed_vjp(&p.0, &p.1, &p.2, p.3).1(*y);
    check::jvp(f, jvp, &point, &check::Config::for_jvp::<f64>()).unwrap();
    check::dot_product(jvp, vjp, &point, &check::Config::for_dot_product::<f64>()).unwrap();
}

/// Products and dot products whose inner dimensions are static in one factor and dynamic in the
/// other, as nalgebra allows them: a `DMatrix` times a `Vector3`, a `RowVector3` times a
/// `DMatrix`, a `Matrix2x3` times a `DVector`, and a `Vector3` dotted with a `DVector`.
#[differentiate]
fn static_and_dynamic_dimensions(
    a: &DMatrix<f64>,
    v: &Vector3<f64>,
    r: &RowVector3<f64>,
    m: &Matrix2x3<f64>,
    x: &DVector<f64>,
) -> f64 {
    let w = a * v;
    let row = r * a.transpose();
    let y = m * x;
    w.dot(&row.transpose()) + v.dot(x) + y.norm_squared()
}

#[test]
fn products_of_static_and_dynamic_dimensions() {
    use matcalc::check;
    type P = (
        DMatrix<f64>,
        Vector3<f64>,
        RowVector3<f64>,
        Matrix2x3<f64>,
        DVector<f64>,
    );
    let point: P = (
        DMatrix::from_row_slice(2, 3, &[0.4, -1.0, 0.3, 0.9, 0.2, -0.6]),
        Vector3::new(0.5, -0.2, 1.1),
        RowVector3::new(-0.7, 0.4, 0.8),
        Matrix2x3::new(1.0, 0.5, -0.3, 0.2, -0.9, 0.6),
        DVector::from_vec(vec![0.3, 1.2, -0.4]),
    );
    let f = |p: &P| static_and_dynamic_dimensions(&p.0, &p.1, &p.2, &p.3, &p.4);
    let jvp = |p: &P, d: &P| {
        static_and_dynamic_dimensions_jvp(
            &p.0, &p.1, &p.2, &p.3, &p.4, &d.0, &d.1, &d.2, &d.3, &d.4,
        )
    };
    let vjp =
        |p: &P, y: &f64| static_and_dynamic_dimensions_vjp(&p.0, &p.1, &p.2, &p.3, &p.4).1(*y);
    check::jvp(f, jvp, &point, &check::Config::for_jvp::<f64>()).unwrap();
    check::dot_product(jvp, vjp, &point, &check::Config::for_dot_product::<f64>()).unwrap();
}

/// Bindings with declared types, references among them: a declared reference stays a reference
/// to the active value, a declared value is the value's own type.
#[differentiate]
fn declared_types(x: &DVector<f64>, v: &[f64], s: f64) -> f64 {
    let r: &DVector<f64> = x;
    let w: &[f64] = v;
    let e: f64 = w[0];
    let t: f64 = v[1];
    let u: DVector<f64> = r * s;
    u.norm() + e * t
}

#[test]
fn declared_types_and_references() {
    use matcalc::check;
    type P = (DVector<f64>, Vec<f64>, f64);
    let point: P = (DVector::from_vec(vec![1.0, 2.0]), vec![3.0, 4.0], 0.5);
    let f = |p: &P| declared_types(&p.0, &p.1, p.2);
    let jvp = |p: &P, d: &P| declared_types_jvp(&p.0, &p.1, p.2, &d.0, &d.1, d.2);
    let vjp = |p: &P, y: &f64| declared_types_vjp(&p.0, &p.1, p.2).1(*y);
    check::jvp(f, jvp, &point, &check::Config::for_jvp::<f64>()).unwrap();
    check::dot_product(jvp, vjp, &point, &check::Config::for_dot_product::<f64>()).unwrap();
}
