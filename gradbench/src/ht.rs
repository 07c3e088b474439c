//! `ht`: ADBench's hand tracking. 26 pose parameters θ (global rotation, translation, and the
//! joint angles of five fingers) pose a skinned hand model (22 bones, each vertex a weighted sum
//! of the bones' transforms); the errors are the differences between measured points and the
//! model's vertices they correspond to (`simple`), or points on the model's triangles at
//! barycentric coordinates u (`complicated`, where u is active too). `jacobian` is the Jacobian
//! of the 3c errors by forward mode: one JVP per parameter of θ, and for u two JVPs whose
//! tangents are 1 in every first (second) coordinate, since each error depends on its own
//! correspondence's u only (the two columns of the eval's output).

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    theta: Vec<f64>,
    data: Data,
    us: Vec<[f64; 2]>,
}

#[derive(Deserialize)]
struct Data {
    model: ModelInput,
    correspondences: Vec<usize>,
    points: Vec<[f64; 3]>,
}

#[derive(Deserialize)]
struct ModelInput {
    parents: Vec<i64>,
    base_relatives: Vec<[[f64; 4]; 4]>,
    inverse_base_absolutes: Vec<[[f64; 4]; 4]>,
    base_positions: Vec<[f64; 4]>,
    weights: Vec<Vec<f64>>,
    triangles: Vec<[usize; 3]>,
    is_mirrored: bool,
}

/// The hand model, flattened: 4×4 transforms row-major, one after another.
pub struct Model {
    parents: Vec<i64>,
    base_relatives: Vec<f64>,
    inverse_base_absolutes: Vec<f64>,
    /// Homogeneous positions, four per vertex.
    base_positions: Vec<f64>,
    /// `weights[v * bones + b]`: the weight of bone b in vertex v.
    weights: Vec<f64>,
    /// Three vertices per triangle.
    triangles: Vec<usize>,
    is_mirrored: bool,
}

impl Model {
    fn new(input: ModelInput) -> Model {
        let flat = |ms: &[[[f64; 4]; 4]]| ms.iter().flatten().flatten().copied().collect();
        Model {
            base_relatives: flat(&input.base_relatives),
            inverse_base_absolutes: flat(&input.inverse_base_absolutes),
            base_positions: input.base_positions.concat(),
            weights: input.weights.concat(),
            triangles: input.triangles.concat(),
            parents: input.parents,
            is_mirrored: input.is_mirrored,
        }
    }
}

/// The errors of the pose θ: per correspondence i, the measured point minus the model's vertex
/// (when `us` is empty) or the model's point at barycentric coordinates `us[2i..2i + 2]` of the
/// triangle (otherwise).
#[differentiate(wrt(theta, us))]
pub fn hand_objective(
    theta: &[f64],
    us: &[f64],
    model: &Model,
    correspondences: &[usize],
    points: &[f64],
) -> Vec<f64> {
    let bones = model.parents.len();
    let vertices = model.base_positions.len() / 4;
    // the pose parameters, three per column: global rotation, scale, translation, then one
    // column of Euler angles per bone (the fingers' from column 5)
    let mut pose = vec![0.0; 3 * (bones + 3)];
    for r in 0..3 {
        pose[r] = theta[r];
        pose[3 + r] = 1.0;
        pose[6 + r] = theta[3 + r];
    }
    let mut next_theta = 6;
    let mut column = 5;
    for _finger in 0..5 {
        for joint in 2..5 {
            pose[3 * column] = theta[next_theta];
            next_theta += 1;
            if joint == 2 {
                pose[3 * column + 1] = theta[next_theta];
                next_theta += 1;
            }
            column += 1;
        }
        column += 1;
    }
    // each bone's transform: its posed relative transform, chained from its parent's, times
    // its inverse base absolute
    let mut absolutes = vec![0.0; 16 * bones];
    let mut transforms = vec![0.0; 16 * bones];
    for b in 0..bones {
        // R = Rz·Ry·Rx from the angles (x, z, y) of the bone's column
        let at = 3 * (b + 3);
        let (sx, cx) = (pose[at].sin(), pose[at].cos());
        let (sz, cz) = (pose[at + 1].sin(), pose[at + 1].cos());
        let (sy, cy) = (pose[at + 2].sin(), pose[at + 2].cos());
        let rotation = [
            cz * cy,
            cz * sy * sx - sz * cx,
            cz * sy * cx + sz * sx,
            sz * cy,
            sz * sy * sx + cz * cx,
            sz * sy * cx - cz * sx,
            -sy,
            cy * sx,
            cy * cx,
        ];
        // relative = base_relative · [[R, 0], [0, 1]]
        let mut relative = vec![0.0; 16];
        for r in 0..4 {
            for c in 0..3 {
                let mut sum = 0.0;
                for k in 0..3 {
                    sum += model.base_relatives[16 * b + 4 * r + k] * rotation[3 * k + c];
                }
                relative[4 * r + c] = sum;
            }
            relative[4 * r + 3] = model.base_relatives[16 * b + 4 * r + 3];
        }
        let parent = model.parents[b];
        for r in 0..4 {
            for c in 0..4 {
                if parent < 0 {
                    absolutes[16 * b + 4 * r + c] = relative[4 * r + c];
                } else {
                    let p = parent as usize;
                    let mut sum = 0.0;
                    for k in 0..4 {
                        sum += absolutes[16 * p + 4 * r + k] * relative[4 * k + c];
                    }
                    absolutes[16 * b + 4 * r + c] = sum;
                }
            }
        }
        for r in 0..4 {
            for c in 0..4 {
                let mut sum = 0.0;
                for k in 0..4 {
                    sum += absolutes[16 * b + 4 * r + k]
                        * model.inverse_base_absolutes[16 * b + 4 * k + c];
                }
                transforms[16 * b + 4 * r + c] = sum;
            }
        }
    }
    // skinning: each vertex the weighted sum of its bones' transforms of its base position
    let mut positions = vec![0.0; 3 * vertices];
    for b in 0..bones {
        for v in 0..vertices {
            let weight = model.weights[v * bones + b];
            for r in 0..3 {
                let mut moved = 0.0;
                for k in 0..4 {
                    moved += transforms[16 * b + 4 * r + k] * model.base_positions[4 * v + k];
                }
                positions[3 * v + r] += moved * weight;
            }
        }
    }
    if model.is_mirrored {
        for v in 0..vertices {
            positions[3 * v] = -positions[3 * v];
        }
    }
    // the global rotation (angle-axis, columns scaled), then the translation
    let norm = (pose[0] * pose[0] + pose[1] * pose[1] + pose[2] * pose[2]).sqrt();
    let mut global = vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    if norm >= 0.0001 {
        let (x, y, z) = (pose[0] / norm, pose[1] / norm, pose[2] / norm);
        let (s, c) = (norm.sin(), norm.cos());
        global[0] = x * x + (1.0 - x * x) * c;
        global[1] = x * y * (1.0 - c) - z * s;
        global[2] = x * z * (1.0 - c) + y * s;
        global[3] = x * y * (1.0 - c) + z * s;
        global[4] = y * y + (1.0 - y * y) * c;
        global[5] = y * z * (1.0 - c) - x * s;
        global[6] = x * z * (1.0 - c) - y * s;
        global[7] = z * y * (1.0 - c) + x * s;
        global[8] = z * z + (1.0 - z * z) * c;
    }
    let mut posed = vec![0.0; 3 * vertices];
    for v in 0..vertices {
        for r in 0..3 {
            let mut sum = 0.0;
            for k in 0..3 {
                sum += global[3 * r + k] * pose[3 + k] * positions[3 * v + k];
            }
            posed[3 * v + r] = sum + pose[6 + r];
        }
    }
    // the errors
    let mut errors = vec![0.0; 3 * correspondences.len()];
    for i in 0..correspondences.len() {
        let target = correspondences[i];
        for j in 0..3 {
            if us.is_empty() {
                errors[3 * i + j] = points[3 * i + j] - posed[3 * target + j];
            } else {
                let t = &model.triangles[3 * target..3 * target + 3];
                let on_triangle = us[2 * i] * posed[3 * t[0] + j]
                    + us[2 * i + 1] * posed[3 * t[1] + j]
                    + (1.0 - us[2 * i] - us[2 * i + 1]) * posed[3 * t[2] + j];
                errors[3 * i + j] = points[3 * i + j] - on_triangle;
            }
        }
    }
    errors
}

/// The problem of one evaluation.
struct Problem {
    theta: Vec<f64>,
    us: Vec<f64>,
    model: Model,
    correspondences: Vec<usize>,
    points: Vec<f64>,
}

impl Problem {
    fn objective(&self) -> Vec<f64> {
        hand_objective(
            &self.theta,
            &self.us,
            &self.model,
            &self.correspondences,
            &self.points,
        )
    }

    /// The derivative of the errors along (θ̇, u̇).
    fn tangent(&self, theta_dot: &[f64], us_dot: &[f64]) -> Vec<f64> {
        let p = self;
        hand_objective_jvp(
            &p.theta,
            &p.us,
            &p.model,
            &p.correspondences,
            &p.points,
            theta_dot,
            us_dot,
        )
        .1
    }

    /// The Jacobian, row by row: the two columns of u (when there are u) then those of θ.
    fn jacobian(&self) -> Vec<Vec<f64>> {
        let mut columns = Vec::new();
        let mut us_dot = vec![0.0; self.us.len()];
        let mut theta_dot = vec![0.0; self.theta.len()];
        if !self.us.is_empty() {
            for coordinate in 0..2 {
                for (k, u) in us_dot.iter_mut().enumerate() {
                    *u = if k % 2 == coordinate { 1.0 } else { 0.0 };
                }
                columns.push(self.tangent(&theta_dot, &us_dot));
            }
            us_dot.fill(0.0);
        }
        for k in 0..self.theta.len() {
            theta_dot[k] = 1.0;
            columns.push(self.tangent(&theta_dot, &us_dot));
            theta_dot[k] = 0.0;
        }
        let rows = columns.first().map_or(0, Vec::len);
        (0..rows)
            .map(|r| columns.iter().map(|c| c[r]).collect())
            .collect()
    }
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { theta, data, us } = parse(input)?;
    let model = Model::new(data.model);
    let bones = model.parents.len();
    if theta.len() != 26 || model.weights.len() != bones * (model.base_positions.len() / 4) {
        return Err("the pose or the model has the wrong size".to_string());
    }
    let problem = Problem {
        theta,
        us: us.concat(),
        model,
        correspondences: data.correspondences,
        points: data.points.concat(),
    };
    let runs = Runs::of(input);
    match function {
        "objective" => Ok(measure(runs, || problem.objective())),
        "jacobian" => Ok(measure(runs, || problem.jacobian())),
        other => Err(unknown_function("ht", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, central_differences, uniform};

    /// A model of 22 bones in a chain (the finger parameters need them all), random transforms
    /// and weights, 6 vertices, 4 triangles, and 5 correspondences with their u.
    fn problem(complicated: bool) -> Problem {
        let (bones, vertices) = (22, 6);
        // near the identity, so that the chain of 22 stays of order one
        let transform = |seed| {
            let mut t: Vec<f64> = uniform(seed, 16).iter().map(|v| 0.2 * (v - 0.5)).collect();
            for d in 0..4 {
                t[5 * d] += 1.0;
            }
            t[12..16].copy_from_slice(&[0.0, 0.0, 0.0, 1.0]);
            t
        };
        let model = Model {
            parents: (0..bones as i64).map(|b| b - 1).collect(),
            base_relatives: (0..bones as u64).flat_map(|b| transform(10 + b)).collect(),
            inverse_base_absolutes: (0..bones as u64).flat_map(|b| transform(40 + b)).collect(),
            base_positions: (0..vertices as u64)
                .flat_map(|v| [uniform(70 + v, 3), vec![1.0]].concat())
                .collect(),
            weights: uniform(80, vertices * bones)
                .iter()
                .map(|w| w / 11.0)
                .collect(),
            triangles: vec![0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5],
            is_mirrored: false,
        };
        Problem {
            theta: uniform(90, 26).iter().map(|t| t - 0.5).collect(),
            us: if complicated {
                uniform(91, 10).iter().map(|u| u / 2.0).collect()
            } else {
                Vec::new()
            },
            model,
            correspondences: vec![0, 3, 1, 2, 3],
            points: uniform(92, 15),
        }
    }

    #[test]
    fn the_jacobian_matches_central_differences() {
        for complicated in [false, true] {
            let p = problem(complicated);
            let jacobian = p.jacobian();
            let errors = p.objective();
            for row in 0..errors.len() {
                let error = |theta: &[f64], us: &[f64]| {
                    hand_objective(theta, us, &p.model, &p.correspondences, &p.points)[row]
                };
                let mut expected = Vec::new();
                if complicated {
                    // the row's own correspondence's u
                    let i = row / 3;
                    let own = central_differences(
                        |u| {
                            let mut us = p.us.clone();
                            us[2 * i..2 * i + 2].copy_from_slice(u);
                            error(&p.theta, &us)
                        },
                        &p.us[2 * i..2 * i + 2],
                        1e-6,
                    );
                    expected.extend(own);
                }
                expected.extend(central_differences(|t| error(t, &p.us), &p.theta, 1e-6));
                assert_close(&format!("row {row}"), &jacobian[row], &expected, 1e-7);
            }
        }
    }
}
