//! `kmeans`: the k-means cost Σᵢ minⱼ ‖pᵢ − cⱼ‖² over points p and centroids c (`cost`), and
//! the Newton direction J·H⁻¹ with J its gradient and H its Hessian with respect to the
//! centroids (`dir`). H is diagonal (2·|cluster| on each centroid's coordinates), so H·1 is its
//! diagonal: one Hessian-vector product gives both J and the diagonal of H.
//!
//! The nearest centroid is found by index; the comparisons make it integer data, which the
//! derivatives copy unchanged. Only the distance to the nearest centroid is then active, which
//! is what the minimum's derivative is.

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    points: Vec<Vec<f64>>,
    centroids: Vec<Vec<f64>>,
}

/// Σᵢ minⱼ ‖pᵢ − cⱼ‖² for `points` and `centroids` of `d` coordinates each, one after another.
#[differentiate(wrt(centroids), hessian)]
pub fn cost(points: &[f64], centroids: &[f64], d: usize) -> f64 {
    let n = points.len() / d;
    let k = centroids.len() / d;
    let mut total = 0.0;
    for i in 0..n {
        let p = i * d;
        let mut nearest = 0;
        let mut nearest_distance = f64::INFINITY;
        for j in 0..k {
            let mut distance = 0.0;
            for l in 0..d {
                let diff = points[p + l] - centroids[j * d + l];
                distance += diff * diff;
            }
            if distance < nearest_distance {
                nearest = j;
                nearest_distance = distance;
            }
        }
        for l in 0..d {
            let diff = points[p + l] - centroids[nearest * d + l];
            total += diff * diff;
        }
    }
    total
}

/// J·H⁻¹, entry by entry: the gradient over the Hessian's diagonal, H·1.
fn direction(points: &[f64], centroids: &[f64], d: usize, ones: &[f64]) -> Vec<Vec<f64>> {
    let (_, gradient, diagonal) = cost_hvp(points, centroids, d, ones);
    gradient
        .iter()
        .zip(&diagonal)
        .map(|(g, h)| g / h)
        .collect::<Vec<_>>()
        .chunks(d)
        .map(<[f64]>::to_vec)
        .collect()
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { points, centroids } = parse(input)?;
    let d = points.first().map_or(0, Vec::len);
    if d == 0 || centroids.iter().chain(&points).any(|c| c.len() != d) {
        return Err("points and centroids must have the same, positive dimension".to_string());
    }
    let (points, centroids) = (points.concat(), centroids.concat());
    let runs = Runs::of(input);
    match function {
        "cost" => Ok(measure(runs, || cost(&points, &centroids, d))),
        "dir" => {
            let ones = vec![1.0; centroids.len()];
            Ok(measure(runs, || direction(&points, &centroids, d, &ones)))
        }
        other => Err(unknown_function("kmeans", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_direction_moves_each_centroid_to_its_cluster_mean() {
        // d = 2; centroids at the first and last points; the others fall nearest to one each
        let points = [0.0, 0.0, 0.2, 0.0, 0.0, 0.4, 3.0, 3.0, 3.3, 2.7];
        let centroids = [0.0, 0.0, 3.0, 3.0];
        let dir = direction(&points, &centroids, 2, &[1.0; 4]);
        // cluster means (0.2/3, 0.4/3) and (3.15, 2.85): c − dir is the mean
        let means = [[0.2 / 3.0, 0.4 / 3.0], [3.15, 2.85]];
        for j in 0..2 {
            for l in 0..2 {
                let moved = centroids[2 * j + l] - dir[j][l];
                assert!(
                    (moved - means[j][l]).abs() < 1e-14,
                    "centroid {j}: {moved} against {}",
                    means[j][l]
                );
            }
        }
        let expected: f64 = [0.04, 0.16, 0.18].iter().sum();
        assert!((cost(&points, &centroids, 2) - expected).abs() < 1e-14);
    }
}
