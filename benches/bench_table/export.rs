//! `--export DIR`: per problem and size, one JSON file holding what a comparison with another
//! framework needs to time the same problem on the same inputs and to check its gradient against
//! matcalc's: the inputs, matcalc's value and gradient, and the medians the table measured for
//! the primal and for matcalc's gradient. `benches/frameworks/compare.py` reads these files and
//! never generates inputs of its own, so that its figures and the table's are comparable.
//!
//! ```json
//! {"problem": "rosenbrock", "instance": "n1000", "case": "1 Rosenbrock (…)", "size": "n = 1000",
//!  "inputs": {"x": [0.5, …]}, "value": 1234.5, "gradient": {"x": [-12.0, …]},
//!  "primal": {"method": "primal", "seconds": 1.2e-6},
//!  "gradient_time": {"method": "matcalc gradient (reverse)", "seconds": 2.9e-6},
//!  "timing": {"rounds": 15, "batch_seconds": 0.005, "method_budget_seconds": 2.0}}
//! ```
//!
//! Numbers are written in the shortest form that reads back to the same `f64` (serde_json), so
//! the inputs arrive bit for bit. A matrix is a list of its rows.

use crate::GRAD;
use crate::measure::{Kind, Options, Row};
use crate::report::{find, secs};
use nalgebra::DMatrix;
use serde_json::{Value, json};

/// What a problem exports besides its timings: the inputs by name, matcalc's value, and the
/// gradient with respect to each differentiated input, by the same name.
pub struct Exported {
    pub inputs: Value,
    pub value: f64,
    pub gradient: Value,
}

/// Writes `DIR/{problem}-{instance}.json` for the group the table ran last (the last rows of
/// `rows`), when the run has `--export DIR`. `exported` is called only then, so a run without
/// the flag builds no JSON.
pub fn write(
    options: &Options,
    rows: &[Row],
    problem: &str,
    instance: &str,
    exported: impl FnOnce() -> Exported,
) {
    let Some(dir) = &options.export else { return };
    let last = rows.last().expect("a group has run");
    let (case, size) = (last.case, last.size.as_str());
    let primal = rows
        .iter()
        .find(|r| r.case == case && r.size == size && r.kind == Kind::Primal)
        .expect("a primal");
    let timed = |row: &Row| json!({"method": row.method, "seconds": secs(Some(row))});
    let Exported {
        inputs,
        value,
        gradient,
    } = exported();
    let file = json!({
        "problem": problem,
        "instance": instance,
        "case": case,
        "size": size,
        "inputs": inputs,
        "value": value,
        "gradient": gradient,
        "primal": timed(primal),
        "gradient_time": timed(find(rows, case, size, GRAD).expect("a matcalc gradient")),
        "timing": {
            "rounds": options.rounds,
            "batch_seconds": options.batch.as_secs_f64(),
            "method_budget_seconds": options.method_budget.as_secs_f64(),
        },
    });
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let path = dir.join(format!("{problem}-{instance}.json"));
    let text = serde_json::to_string(&file).expect("numbers and strings serialize");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// A matrix as the list of its rows, the layout numpy, JAX and PyTorch read as they are.
pub fn rows_of(m: &DMatrix<f64>) -> Value {
    m.row_iter()
        .map(|row| row.iter().copied().collect::<Vec<f64>>())
        .collect()
}

/// A flat row-major buffer of `len / width` rows as the list of its rows.
pub fn chunked(v: &[f64], width: usize) -> Value {
    v.chunks_exact(width).map(|row| row.to_vec()).collect()
}
