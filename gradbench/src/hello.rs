//! `hello`: f(x) = x² (`square`) and its derivative (`double`), to check the protocol.

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde_json::Value;

/// f(x) = x².
#[differentiate]
pub fn square(x: f64) -> f64 {
    x * x
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let x: f64 = parse(input)?;
    let runs = Runs::of(input);
    match function {
        "square" => Ok(measure(runs, || square(x))),
        "double" => Ok(measure(runs, || square_grad(x).1)),
        other => Err(unknown_function("hello", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_is_the_derivative_of_square() {
        assert_eq!(square(3.0), 9.0);
        assert_eq!(square_grad(3.0), (9.0, 6.0));
    }
}
