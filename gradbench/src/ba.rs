//! `ba`: ADBench's bundle adjustment. Each of p observations sees a point through a camera
//! (Rodrigues rotation, centre, focal length, principal point, two radial distortion terms)
//! and weighs its reprojection error by w; each weight also has the error 1 − w². The input is
//! one camera, point, weight and feature, replicated to n cameras, m points and p observations
//! (observation i sees point i mod m from camera i mod n); every observation is computed.
//! `jacobian` is the sparse Jacobian in compressed rows, 15 entries per reprojection row and one
//! per weight row, each observation's block by reverse mode (one forward sweep, two pullbacks).
//! The eval reads back the first 30 and the last entries of each array.

use crate::protocol::{Evaluation, Runs, measure_as, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Input {
    n: usize,
    m: usize,
    p: usize,
    cam: [f64; CAMERA],
    x: [f64; 3],
    w: f64,
    feat: [f64; 2],
}

/// The parameters of a camera.
const CAMERA: usize = 11;

/// The problem, replicated from the input.
struct Problem {
    n: usize,
    m: usize,
    cams: Vec<f64>,
    points: Vec<f64>,
    weights: Vec<f64>,
    features: Vec<f64>,
}

impl Problem {
    fn new(input: &Input) -> Problem {
        Problem {
            n: input.n,
            m: input.m,
            cams: input.cam.repeat(input.n),
            points: input.x.repeat(input.m),
            weights: vec![input.w; input.p],
            features: input.feat.repeat(input.p),
        }
    }

    /// The camera, the point, the weight and the feature of observation i.
    fn observation(&self, i: usize) -> (&[f64], &[f64], f64, &[f64]) {
        let (c, j) = (i % self.n, i % self.m);
        (
            &self.cams[CAMERA * c..CAMERA * (c + 1)],
            &self.points[3 * j..3 * j + 3],
            self.weights[i],
            &self.features[2 * i..2 * i + 2],
        )
    }
}

/// The weighted reprojection error w·(proj(cam, x) − feature) of one observation.
#[differentiate(wrt(cam, x, w))]
pub fn reprojection(cam: &[f64], x: &[f64], w: f64, feature: &[f64]) -> (f64, f64) {
    // the point relative to the camera centre, rotated by Rodrigues' formula
    let p0 = x[0] - cam[3];
    let p1 = x[1] - cam[4];
    let p2 = x[2] - cam[5];
    let sqtheta = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    let mut r0 = p0 + (cam[1] * p2 - cam[2] * p1);
    let mut r1 = p1 + (cam[2] * p0 - cam[0] * p2);
    let mut r2 = p2 + (cam[0] * p1 - cam[1] * p0);
    if sqtheta != 0.0 {
        let theta = sqtheta.sqrt();
        let cos = theta.cos();
        let sin = theta.sin();
        let theta_inverse = 1.0 / theta;
        let w0 = cam[0] * theta_inverse;
        let w1 = cam[1] * theta_inverse;
        let w2 = cam[2] * theta_inverse;
        let tmp = (w0 * p0 + w1 * p1 + w2 * p2) * (1.0 - cos);
        r0 = p0 * cos + (w1 * p2 - w2 * p1) * sin + w0 * tmp;
        r1 = p1 * cos + (w2 * p0 - w0 * p2) * sin + w1 * tmp;
        r2 = p2 * cos + (w0 * p1 - w1 * p0) * sin + w2 * tmp;
    }
    // projection, radial distortion, focal length and principal point
    let u0 = r0 / r2;
    let u1 = r1 / r2;
    let rsq = u0 * u0 + u1 * u1;
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    let proj0 = u0 * distortion * cam[6] + cam[7];
    let proj1 = u1 * distortion * cam[6] + cam[8];
    (w * (proj0 - feature[0]), w * (proj1 - feature[1]))
}

/// The weight's error 1 − w².
#[differentiate]
pub fn weight_error(w: f64) -> f64 {
    1.0 - w * w
}

/// The Jacobian in compressed rows: row offsets, column indices, values.
struct Sparse {
    rows: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
}

impl Sparse {
    /// The entries the eval compares: the first 30 of each array and its last.
    fn summary(&self) -> Value {
        fn ends<T: Copy>(v: &[T]) -> Vec<T> {
            let mut out = v[..30.min(v.len())].to_vec();
            out.extend(v.last());
            out
        }
        json!({ "rows": ends(&self.rows), "cols": ends(&self.cols), "vals": ends(&self.vals) })
    }
}

fn jacobian(problem: &Problem) -> Sparse {
    let p = problem.weights.len();
    let (n, m) = (problem.n, problem.m);
    let mut jac = Sparse {
        rows: Vec::with_capacity(3 * p + 1),
        cols: Vec::with_capacity(31 * p),
        vals: Vec::with_capacity(31 * p),
    };
    jac.rows.push(0);
    for i in 0..p {
        let (cam, x, w, feature) = problem.observation(i);
        let (_, pullback) = reprojection_vjp(cam, x, w, feature);
        for seed in [(1.0, 0.0), (0.0, 1.0)] {
            let (cam_bar, x_bar, w_bar) = pullback(seed);
            let (c, j) = (i % n, i % m);
            jac.cols.extend((0..CAMERA).map(|k| CAMERA * c + k));
            jac.cols.extend((0..3).map(|k| CAMERA * n + 3 * j + k));
            jac.cols.push(CAMERA * n + 3 * m + i);
            jac.vals.extend(&cam_bar);
            jac.vals.extend(&x_bar);
            jac.vals.push(w_bar);
            jac.rows.push(jac.cols.len());
        }
    }
    for i in 0..p {
        jac.cols.push(CAMERA * n + 3 * m + i);
        jac.vals.push(weight_error_grad(problem.weights[i]).1);
        jac.rows.push(jac.cols.len());
    }
    jac
}

/// Every reprojection error, then every weight error.
fn objective(problem: &Problem) -> (Vec<f64>, Vec<f64>) {
    let p = problem.weights.len();
    let mut reprojection_errors = Vec::with_capacity(2 * p);
    for i in 0..p {
        let (cam, x, w, feature) = problem.observation(i);
        let (e0, e1) = reprojection(cam, x, w, feature);
        reprojection_errors.extend([e0, e1]);
    }
    let weight_errors = problem.weights.iter().map(|&w| weight_error(w)).collect();
    (reprojection_errors, weight_errors)
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let parsed: Input = parse(input)?;
    if parsed.n == 0 || parsed.m == 0 || parsed.p == 0 {
        return Err("n, m and p must be positive".to_string());
    }
    let problem = Problem::new(&parsed);
    let runs = Runs::of(input);
    match function {
        "objective" => Ok(measure_as(
            runs,
            || objective(&problem),
            |(reprojection_errors, weight_errors)| {
                json!({
                    "reproj_error": { "elements": &reprojection_errors[..2], "repeated": parsed.p },
                    "w_err": { "element": weight_errors[0], "repeated": parsed.p },
                })
            },
        )),
        "jacobian" => Ok(measure_as(runs, || jacobian(&problem), |j| j.summary())),
        other => Err(unknown_function("ba", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, central_differences, uniform};

    #[test]
    fn each_block_matches_central_differences() {
        let mut cam = uniform(5, CAMERA);
        cam[5] -= 3.0; // the point in front of the camera
        let (x, w, feature) = (uniform(6, 3), 0.7, [0.2, -0.1]);
        let (_, pullback) = reprojection_vjp(&cam, &x, w, &feature);
        for (row, seed) in [(1.0, 0.0), (0.0, 1.0)].into_iter().enumerate() {
            let (cam_bar, x_bar, w_bar) = pullback(seed);
            let error = |c: &[f64], p: &[f64], w: f64| {
                let e = reprojection(c, p, w, &feature);
                if row == 0 { e.0 } else { e.1 }
            };
            let by_cam = central_differences(|c| error(c, &x, w), &cam, 1e-6);
            let by_x = central_differences(|p| error(&cam, p, w), &x, 1e-6);
            let by_w = central_differences(|v| error(&cam, &x, v[0]), &[w], 1e-6);
            assert_close("camera", &cam_bar, &by_cam, 1e-7);
            assert_close("point", &x_bar, &by_x, 1e-7);
            assert_close("weight", &[w_bar], &by_w, 1e-7);
        }
    }

    #[test]
    fn the_sparse_jacobian_has_fifteen_entries_per_reprojection_row() {
        let input = Input {
            n: 2,
            m: 3,
            p: 4,
            cam: [0.1; CAMERA],
            x: [0.3, 0.2, 5.0],
            w: 0.8,
            feat: [0.1, 0.2],
        };
        let jac = jacobian(&Problem::new(&input));
        assert_eq!(jac.rows.len(), 3 * 4 + 1);
        assert_eq!(jac.rows[8], 15 * 8);
        assert_eq!(*jac.rows.last().unwrap(), 31 * 4);
        // observation 3 sees point 0 from camera 1; its weight is column 11·2 + 3·3 + 3
        assert_eq!(&jac.cols[90..92], &[11, 12]);
        assert_eq!(jac.cols[104], 22 + 9 + 3);
        assert_eq!(jac.vals[30 * 4], -2.0 * 0.8);
    }
}
