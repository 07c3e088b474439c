use matcalc::differentiate;

#[differentiate]
fn looped(x: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while i < n {
        if x[i] > 0.0 {
            s += x[i].sin() * 2.0;
        } else {
            s -= x[i] * x[i];
        }
        i += 1;
    }
    for (k, xi) in x.iter().enumerate() {
        if k == 1 {
            continue;
        }
        s += *xi / (k as f64 + 1.0);
    }
    let y = loop {
        if s > 100.0 {
            break s * 0.5;
        }
        s = s * 2.0 + 1.0;
    };
    let mut buf = vec![0.0; n];
    for j in 0..n {
        buf[j] = x[j] * y;
    }
    buf[0] = buf[1] * buf[0];
    let mut v = Vec::with_capacity(2);
    v.push(buf[0]);
    v.push(y.exp().ln());
    for (a, b) in v.iter().zip(x.iter()) {
        if *a > 1e9 {
            return *a;
        }
        s += a * b;
    }
    s + f64::max(v[0], v[1]) + x[0].powi(3) + x[1].atan2(x[2])
}

#[differentiate]
fn caller(a: f64, b: f64) -> f64 {
    let (u, w) = pair(a, b);
    let xs = [a, b, 1.0];
    u * w + looped(&xs, 3)
}

#[differentiate]
fn pair(a: f64, b: f64) -> (f64, f64) {
    (a * b, a - b)
}

#[test]
fn smoke() {
    use matcalc::check;
    let x = vec![0.3, -0.7, 1.1];
    let f = |x: &Vec<f64>| looped(x, 3);
    let jvp = |x: &Vec<f64>, dx: &Vec<f64>| looped_jvp(x, 3, dx);
    let vjp = |x: &Vec<f64>, y: &f64| looped_vjp(x, 3).1(*y);
    check::jvp(f, jvp, &x, &check::Config::for_jvp::<f64>()).unwrap();
    check::dot_product(jvp, vjp, &x, &check::Config::for_dot_product::<f64>()).unwrap();
    let p = (0.4, 0.9);
    check::jvp(
        |p: &(f64, f64)| caller(p.0, p.1),
        |p: &(f64, f64), d: &(f64, f64)| caller_jvp(p.0, p.1, d.0, d.1),
        &p,
        &check::Config::for_jvp::<f64>(),
    )
    .unwrap();
    check::dot_product(
        |p: &(f64, f64), d: &(f64, f64)| caller_jvp(p.0, p.1, d.0, d.1),
        |p: &(f64, f64), y: &f64| caller_vjp(p.0, p.1).1(*y),
        &p,
        &check::Config::for_dot_product::<f64>(),
    )
    .unwrap();
}
