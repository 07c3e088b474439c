//! The GradBench protocol: one JSON message per line on stdin, one response per line on stdout.
//!
//! The eval drives the session: `start`, then `define` of a module, then `evaluate` of its
//! functions (each followed by an `analysis` of the result), until the end of stdin. Every
//! response carries the `id` of its message; stdout carries nothing else.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::time::Instant;

/// A message of the eval. Only the fields this tool reads are named.
#[derive(Deserialize)]
struct Message {
    id: Value,
    kind: String,
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    input: Value,
}

/// One timing entry of a response.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Timing {
    pub name: &'static str,
    pub nanoseconds: u64,
}

/// The result of an `evaluate`: the output and one timing per run (and the preparation, when
/// there is one).
#[derive(Debug)]
pub struct Evaluation {
    pub output: Value,
    pub timings: Vec<Timing>,
}

/// An eval module: its name and how it evaluates a function on an input.
pub struct Module {
    pub name: &'static str,
    pub evaluate: fn(function: &str, input: &Value) -> Result<Evaluation, String>,
}

/// How often to run a function: at least `min_runs` times and for at least `min_seconds` in
/// total. Every eval but `hello` sends both with its input.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct Runs {
    #[serde(default = "one")]
    pub min_runs: usize,
    #[serde(default)]
    pub min_seconds: f64,
}

fn one() -> usize {
    1
}

impl Runs {
    /// The runs asked for by `input`; a single run when it names none (a bare number, as
    /// `hello` sends).
    pub fn of(input: &Value) -> Runs {
        Runs::deserialize(input).unwrap_or(Runs {
            min_runs: 1,
            min_seconds: 0.0,
        })
    }
}

/// Parses the input of an evaluation into the eval's input type.
pub fn parse<T: serde::de::DeserializeOwned>(input: &Value) -> Result<T, String> {
    T::deserialize(input).map_err(|e| format!("the input does not match the eval: {e}"))
}

/// Runs `compute` as often as `runs` asks, timing each run alone, and returns the output of
/// the last run with the timings. The output is converted to JSON after the timed runs.
pub fn measure<T: Serialize>(runs: Runs, compute: impl FnMut() -> T) -> Evaluation {
    measure_as(runs, compute, |output| {
        serde_json::to_value(output).unwrap_or(Value::Null)
    })
}

/// [`measure`] with the output converted to JSON by `to_json`, for outputs whose JSON the eval
/// shapes its own way.
pub fn measure_as<T>(
    runs: Runs,
    mut compute: impl FnMut() -> T,
    to_json: impl FnOnce(T) -> Value,
) -> Evaluation {
    let mut timings = Vec::new();
    let mut total = 0.0;
    let mut output = None;
    while timings.len() < runs.min_runs.max(1) || total < runs.min_seconds {
        // The previous output is dropped here, outside the timed region.
        drop(output.take());
        let start = Instant::now();
        let value = std::hint::black_box(compute());
        let elapsed = start.elapsed();
        output = Some(value);
        total += elapsed.as_secs_f64();
        timings.push(Timing {
            name: "evaluate",
            nanoseconds: u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
        });
    }
    Evaluation {
        output: output.map_or(Value::Null, to_json),
        timings,
    }
}

/// The error of a function the module does not have.
pub fn unknown_function(module: &str, function: &str) -> String {
    format!("the {module} eval has no function `{function}`")
}

/// Serves the protocol until the end of `input`, evaluating with `modules`.
pub fn serve(
    input: impl BufRead,
    mut output: impl Write,
    modules: &[Module],
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let response = respond(&line, modules);
        serde_json::to_writer(&mut output, &response)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

/// The response to one line of the eval.
fn respond(line: &str, modules: &[Module]) -> Value {
    let message: Message = match serde_json::from_str(line) {
        Ok(message) => message,
        // Without a readable id there is nothing to answer; the eval will report the gap.
        Err(e) => return json!({ "id": null, "error": format!("unreadable message: {e}") }),
    };
    let id = message.id;
    let find = |name: &Option<String>| {
        let name = name.as_deref().unwrap_or_default();
        modules
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| format!("matcalc-gradbench has no module `{name}`"))
    };
    match message.kind.as_str() {
        "start" => json!({ "id": id, "tool": "matcalc" }),
        "define" => match find(&message.module) {
            Ok(_) => json!({ "id": id, "success": true }),
            Err(error) => json!({ "id": id, "success": false, "error": error }),
        },
        "evaluate" => {
            let function = message.function.as_deref().unwrap_or_default();
            let result = find(&message.module).and_then(|module| {
                // A panic in an evaluation is a bug of this tool: report it as a failed
                // evaluation and keep serving.
                std::panic::catch_unwind(|| (module.evaluate)(function, &message.input))
                    .unwrap_or_else(|panic| Err(panic_message(panic.as_ref())))
            });
            match result {
                Ok(Evaluation { output, timings }) => {
                    json!({ "id": id, "success": true, "output": output, "timings": timings })
                }
                Err(error) => json!({ "id": id, "success": false, "error": error }),
            }
        }
        _ => json!({ "id": id }),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    format!("the evaluation panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(function: &str, input: &Value) -> Result<Evaluation, String> {
        match function {
            "square" => {
                let x: f64 = parse(input)?;
                Ok(measure(Runs::of(input), || x * x))
            }
            other => Err(unknown_function("test", other)),
        }
    }

    const MODULES: [Module; 1] = [Module {
        name: "test",
        evaluate: square,
    }];

    fn session(lines: &str) -> Vec<Value> {
        let mut out = Vec::new();
        serve(lines.as_bytes(), &mut out, &MODULES).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_session_answers_every_message_with_its_id() {
        let responses = session(concat!(
            r#"{"id":0,"kind":"start","eval":"test"}"#,
            "\n",
            r#"{"id":1,"kind":"define","module":"test"}"#,
            "\n",
            r#"{"id":2,"kind":"evaluate","module":"test","function":"square","input":3.0}"#,
            "\n",
            r#"{"id":3,"kind":"analysis","of":2,"valid":true}"#,
            "\n",
        ));
        assert_eq!(responses[0], json!({ "id": 0, "tool": "matcalc" }));
        assert_eq!(responses[1], json!({ "id": 1, "success": true }));
        assert_eq!(responses[2]["id"], json!(2));
        assert_eq!(responses[2]["success"], json!(true));
        assert_eq!(responses[2]["output"], json!(9.0));
        assert_eq!(responses[2]["timings"].as_array().unwrap().len(), 1);
        assert_eq!(responses[3], json!({ "id": 3 }));
    }

    #[test]
    fn an_unknown_module_or_function_is_a_failure_with_a_reason() {
        let responses = session(concat!(
            r#"{"id":0,"kind":"define","module":"nope"}"#,
            "\n",
            r#"{"id":1,"kind":"evaluate","module":"test","function":"cube","input":3.0}"#,
            "\n",
        ));
        assert_eq!(responses[0]["success"], json!(false));
        assert!(responses[0]["error"].as_str().unwrap().contains("nope"));
        assert_eq!(responses[1]["success"], json!(false));
        assert!(responses[1]["error"].as_str().unwrap().contains("cube"));
    }

    #[test]
    fn measure_runs_at_least_min_runs_times() {
        let mut calls = 0;
        let evaluation = measure(
            Runs {
                min_runs: 5,
                min_seconds: 0.0,
            },
            || {
                calls += 1;
                calls
            },
        );
        assert_eq!(calls, 5);
        assert_eq!(evaluation.timings.len(), 5);
        assert_eq!(evaluation.output, json!(5));
        assert!(evaluation.timings.iter().all(|t| t.name == "evaluate"));
    }

    #[test]
    fn measure_runs_for_at_least_min_seconds() {
        let evaluation = measure(
            Runs {
                min_runs: 1,
                min_seconds: 0.02,
            },
            || std::thread::sleep(std::time::Duration::from_millis(5)),
        );
        let total: u64 = evaluation.timings.iter().map(|t| t.nanoseconds).sum();
        assert!(total >= 20_000_000, "ran for {total} ns");
    }

    #[test]
    fn runs_are_read_from_the_input_and_default_to_one() {
        assert_eq!(
            Runs::of(&json!({ "x": [1.0], "min_runs": 3, "min_seconds": 1 })),
            Runs {
                min_runs: 3,
                min_seconds: 1.0
            }
        );
        assert_eq!(
            Runs::of(&json!(2.0)),
            Runs {
                min_runs: 1,
                min_seconds: 0.0
            }
        );
    }
}
