//! Case 8: ADBench's bundle adjustment (see `../shared/data/adbench/README.md`): the residuals of
//! every observation and their sparse Jacobian, 15 nonzeros per reprojection row (11 camera
//! parameters, 3 point coordinates, the weight) and one per weight row, by forward mode (15
//! JVPs per observation) and by two reverse passes per observation (one VJP, its pullback called
//! twice).

use super::num::Num;
use matcalc::differentiate;
use std::path::Path;

/// The instances of the benchmark.
pub const INSTANCES: [&str; 5] = [
    "ba1_n49_m7776_p31843",
    "ba2_n21_m11315_p36455",
    "ba3_n161_m48126_p182072",
    "ba4_n372_m47423_p204472",
    "ba5_n257_m65132_p225911",
];

/// The reprojection residual w·(proj − z) of one observation. `cam` holds the Rodrigues
/// rotation (3), the centre (3), the focal length, the principal point (2) and the radial
/// distortion (2).
///
/// (The point is `x`, not `point`: the generated `reprojection_jacobian` declares a local
/// `point` that a parameter of that name collides with.)
#[differentiate(wrt(cam, x, w))]
pub fn reprojection(cam: &[f64], x: &[f64], w: f64, feature: &[f64]) -> (f64, f64) {
    let p0 = x[0] - cam[3];
    let p1 = x[1] - cam[4];
    let p2 = x[2] - cam[5];
    let theta_sq = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    // Rodrigues' formula; at a zero rotation its first order, p + r × p
    let mut y0 = p0 + cam[1] * p2 - cam[2] * p1;
    let mut y1 = p1 + cam[2] * p0 - cam[0] * p2;
    let mut y2 = p2 + cam[0] * p1 - cam[1] * p0;
    if theta_sq != 0.0 {
        let theta = theta_sq.sqrt();
        let cos = theta.cos();
        let sin = theta.sin();
        let a0 = cam[0] / theta;
        let a1 = cam[1] / theta;
        let a2 = cam[2] / theta;
        let tmp = (a0 * p0 + a1 * p1 + a2 * p2) * (1.0 - cos);
        y0 = p0 * cos + (a1 * p2 - a2 * p1) * sin + a0 * tmp;
        y1 = p1 * cos + (a2 * p0 - a0 * p2) * sin + a1 * tmp;
        y2 = p2 * cos + (a0 * p1 - a1 * p0) * sin + a2 * tmp;
    }
    let u0 = y0 / y2;
    let u1 = y1 / y2;
    let rsq = u0 * u0 + u1 * u1;
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    let proj0 = u0 * distortion * cam[6] + cam[7];
    let proj1 = u1 * distortion * cam[6] + cam[8];
    (w * (proj0 - feature[0]), w * (proj1 - feature[1]))
}

/// The same on any [`Num`].
pub fn reprojection_generic<T: Num>(cam: &[T], point: &[T], w: T, feature: &[f64]) -> (T, T) {
    let p = [point[0] - cam[3], point[1] - cam[4], point[2] - cam[5]];
    let theta_sq = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    let y = if theta_sq.re() != 0.0 {
        let theta = theta_sq.sqrt();
        let (cos, sin) = (theta.cos(), theta.sin());
        let a = [cam[0] / theta, cam[1] / theta, cam[2] / theta];
        let tmp = (a[0] * p[0] + a[1] * p[1] + a[2] * p[2]) * (-cos + 1.0);
        [
            p[0] * cos + (a[1] * p[2] - a[2] * p[1]) * sin + a[0] * tmp,
            p[1] * cos + (a[2] * p[0] - a[0] * p[2]) * sin + a[1] * tmp,
            p[2] * cos + (a[0] * p[1] - a[1] * p[0]) * sin + a[2] * tmp,
        ]
    } else {
        [
            p[0] + cam[1] * p[2] - cam[2] * p[1],
            p[1] + cam[2] * p[0] - cam[0] * p[2],
            p[2] + cam[0] * p[1] - cam[1] * p[0],
        ]
    };
    let (u0, u1) = (y[0] / y[2], y[1] / y[2]);
    let rsq = u0 * u0 + u1 * u1;
    let distortion = cam[9] * rsq + cam[10] * rsq * rsq + 1.0;
    let proj0 = u0 * distortion * cam[6] + cam[7];
    let proj1 = u1 * distortion * cam[6] + cam[8];
    (w * (proj0 - feature[0]), w * (proj1 - feature[1]))
}

/// An instance: n cameras, m points, p observations; observation i sees point i % m from
/// camera i % n.
#[derive(Clone, Debug)]
pub struct Ba {
    pub n: usize,
    pub m: usize,
    pub p: usize,
    pub cams: Vec<f64>,
    pub points: Vec<f64>,
    pub weights: Vec<f64>,
    pub features: Vec<f64>,
}

/// The nonzeros of the Jacobian in row-major order: per observation its two reprojection rows
/// (15 values each: camera, point, weight), then one value per weight row.
pub type Sparse = Vec<f64>;

impl Ba {
    /// Reads an instance in ADBench's layout: `n m p`, then one camera, point, weight and
    /// feature, replicated.
    pub fn read(path: &Path) -> Ba {
        let v = super::read_numbers(path);
        let (n, m, p) = (v[0] as usize, v[1] as usize, v[2] as usize);
        let (cam, point, weight, feature) = (&v[3..14], &v[14..17], v[17], &v[18..20]);
        Ba {
            n,
            m,
            p,
            cams: cam.repeat(n),
            points: point.repeat(m),
            weights: vec![weight; p],
            features: feature.repeat(p),
        }
    }

    fn cam(&self, i: usize) -> &[f64] {
        let c = i % self.n;
        &self.cams[11 * c..11 * c + 11]
    }

    fn point(&self, i: usize) -> &[f64] {
        let j = i % self.m;
        &self.points[3 * j..3 * j + 3]
    }

    fn feature(&self, i: usize) -> &[f64] {
        &self.features[2 * i..2 * i + 2]
    }

    /// The objective: the 2p reprojection residuals, then the p weight residuals 1 − w².
    pub fn residuals(&self) -> Vec<f64> {
        let mut r = vec![0.0; 3 * self.p];
        for i in 0..self.p {
            let (x, y) = reprojection(self.cam(i), self.point(i), self.weights[i], self.feature(i));
            r[2 * i] = x;
            r[2 * i + 1] = y;
            r[2 * self.p + i] = 1.0 - self.weights[i] * self.weights[i];
        }
        r
    }

    /// The Jacobian through `fill(i, rows)`, which writes the 30 values of observation i.
    fn jacobian_with(&self, mut fill: impl FnMut(usize, &mut [f64])) -> Sparse {
        let mut values = vec![0.0; 31 * self.p];
        let (rows, weights) = values.split_at_mut(30 * self.p);
        for (i, rows) in rows.chunks_exact_mut(30).enumerate() {
            fill(i, rows);
        }
        for (v, w) in weights.iter_mut().zip(&self.weights) {
            *v = -2.0 * w;
        }
        values
    }

    /// The Jacobian by forward mode: 15 JVPs per observation, one per column.
    pub fn jacobian_forward(&self) -> Sparse {
        let zero_cam = [0.0; 11];
        let zero_point = [0.0; 3];
        self.jacobian_with(|i, rows| {
            let (cam, point, w, z) = (self.cam(i), self.point(i), self.weights[i], self.feature(i));
            for j in 0..15 {
                let mut cam_dot = zero_cam;
                let mut point_dot = zero_point;
                let mut w_dot = 0.0;
                match j {
                    0..11 => cam_dot[j] = 1.0,
                    11..14 => point_dot[j - 11] = 1.0,
                    _ => w_dot = 1.0,
                }
                let (_, (dx, dy)) = reprojection_jvp(cam, point, w, z, &cam_dot, &point_dot, w_dot);
                rows[j] = dx;
                rows[15 + j] = dy;
            }
        })
    }

    /// The Jacobian by reverse mode: one VJP per observation, its pullback called for each of
    /// the two rows.
    pub fn jacobian_reverse(&self) -> Sparse {
        self.jacobian_with(|i, rows| {
            let (_, pullback) =
                reprojection_vjp(self.cam(i), self.point(i), self.weights[i], self.feature(i));
            for (row, seed) in [(0, (1.0, 0.0)), (15, (0.0, 1.0))] {
                let (cam_bar, point_bar, w_bar) = pullback(seed);
                rows[row..row + 11].copy_from_slice(&cam_bar);
                rows[row + 11..row + 14].copy_from_slice(&point_bar);
                rows[row + 14] = w_bar;
            }
        })
    }

    /// The Jacobian by the generated `reprojection_jacobian`, which picks the mode itself.
    pub fn jacobian_generated(&self) -> Sparse {
        self.jacobian_with(|i, rows| {
            let (_, jac) =
                reprojection_jacobian(self.cam(i), self.point(i), self.weights[i], self.feature(i));
            for j in 0..15 {
                rows[j] = jac[(0, j)];
                rows[15 + j] = jac[(1, j)];
            }
        })
    }

    /// The Jacobian by num-dual, all 15 directions in one pass (`DualSVec64<15>`).
    pub fn jacobian_dual_batched(&self) -> Sparse {
        use num_dual::DualSVec64;
        type D = DualSVec64<15>;
        self.jacobian_with(|i, rows| {
            let var = |v: f64, j: usize| D::from_re(v).derivative(j);
            let cam: Vec<D> = self
                .cam(i)
                .iter()
                .enumerate()
                .map(|(j, &v)| var(v, j))
                .collect();
            let point: Vec<D> = self
                .point(i)
                .iter()
                .enumerate()
                .map(|(j, &v)| var(v, 11 + j))
                .collect();
            let (x, y) =
                reprojection_generic(&cam, &point, var(self.weights[i], 14), self.feature(i));
            if let (Some(dx), Some(dy)) = (x.eps.0, y.eps.0) {
                rows[..15].copy_from_slice(dx.as_slice());
                rows[15..].copy_from_slice(dy.as_slice());
            }
        })
    }

    /// The Jacobian by num-dual, one direction per pass (`Dual64`): 15 passes per observation.
    pub fn jacobian_dual(&self) -> Sparse {
        use num_dual::Dual64;
        self.jacobian_with(|i, rows| {
            let mut cam: Vec<Dual64> = self.cam(i).iter().map(|&v| Dual64::from_re(v)).collect();
            let mut point: Vec<Dual64> =
                self.point(i).iter().map(|&v| Dual64::from_re(v)).collect();
            let mut w = Dual64::from_re(self.weights[i]);
            for j in 0..15 {
                match j {
                    0..11 => cam[j].eps = 1.0,
                    11..14 => point[j - 11].eps = 1.0,
                    _ => w.eps = 1.0,
                }
                let (x, y) = reprojection_generic(&cam, &point, w, self.feature(i));
                rows[j] = x.eps;
                rows[15 + j] = y.eps;
                match j {
                    0..11 => cam[j].eps = 0.0,
                    11..14 => point[j - 11].eps = 0.0,
                    _ => w.eps = 0.0,
                }
            }
        })
    }

    /// The Jacobian by RustQuant_autodiff: one tape per observation, swept once per row.
    pub fn jacobian_tape(&self) -> Sparse {
        use RustQuant_autodiff::{Accumulate, Gradient, Graph};
        let graph = Graph::new();
        self.jacobian_with(|i, rows| {
            graph.clear();
            let cam = graph.vars(self.cam(i));
            let point = graph.vars(self.point(i));
            let w = graph.var(self.weights[i]);
            let (x, y) = reprojection_generic(&cam, &point, w, self.feature(i));
            for (row, out) in [(0, x), (15, y)] {
                let adjoints = out.accumulate();
                rows[row..row + 11].copy_from_slice(&adjoints.wrt(&cam));
                rows[row + 11..row + 14].copy_from_slice(&adjoints.wrt(&point));
                rows[row + 14] = adjoints.wrt(&w);
            }
        })
    }

    /// The Jacobian by central finite differences: 30 evaluations per observation.
    pub fn jacobian_fd(&self) -> Sparse {
        self.jacobian_with(|i, rows| {
            let mut x = [0.0; 15];
            x[..11].copy_from_slice(self.cam(i));
            x[11..14].copy_from_slice(self.point(i));
            x[14] = self.weights[i];
            let z = self.feature(i);
            for j in 0..15 {
                let xj = x[j];
                let h = f64::EPSILON.cbrt() * xj.abs().max(1.0);
                x[j] = xj + h;
                let up = reprojection(&x[..11], &x[11..14], x[14], z);
                x[j] = xj - h;
                let down = reprojection(&x[..11], &x[11..14], x[14], z);
                x[j] = xj;
                rows[j] = (up.0 - down.0) / (2.0 * h);
                rows[15 + j] = (up.1 - down.1) / (2.0 * h);
            }
        })
    }
}
