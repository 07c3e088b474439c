//! `lstm`: ADBench's LSTM: l layers of b cells read a sequence of c characters (b bits each);
//! the loss is the mean cross-entropy of each next character against the prediction from the
//! ones before. `jacobian` is its gradient with respect to the main parameters (per layer, the
//! weights then the biases of the forget, input, output and change gates) and the extra ones
//! (input weights, output weights, output biases), by reverse mode.

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    main_params: Vec<Vec<f64>>,
    extra_params: Vec<Vec<f64>>,
    state: Vec<Vec<f64>>,
    sequence: Vec<Vec<f64>>,
}

/// The loss of `l` layers of `b` cells from `state` (per layer its hidden values, then its
/// cells) over `sequence`, c characters of b bits. The parameters are row-major: row 2i of
/// `main_params` holds the 4b weights of layer i, row 2i + 1 its biases.
// `copy_from_slice` has no derivative rule: the copy into `input` is a loop.
#[allow(clippy::manual_memcpy)]
#[differentiate(wrt(main_params, extra_params))]
pub fn lstm_objective(
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
    l: usize,
    b: usize,
) -> f64 {
    let c = sequence.len() / b;
    let mut state = state.to_vec();
    let mut input = vec![0.0; b];
    let mut prediction = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..c - 1 {
        for i in 0..b {
            input[i] = sequence[t * b + i] * extra_params[i];
        }
        for layer in 0..l {
            let (weight, bias) = (8 * b * layer, 8 * b * layer + 4 * b);
            let (hidden, cell) = (2 * b * layer, 2 * b * layer + b);
            for i in 0..b {
                let forget = 1.0
                    / (1.0 + (-(input[i] * main_params[weight + i] + main_params[bias + i])).exp());
                let ingate = 1.0
                    / (1.0
                        + (-(state[hidden + i] * main_params[weight + b + i]
                            + main_params[bias + b + i]))
                            .exp());
                let outgate = 1.0
                    / (1.0
                        + (-(input[i] * main_params[weight + 2 * b + i]
                            + main_params[bias + 2 * b + i]))
                            .exp());
                let change = (state[hidden + i] * main_params[weight + 3 * b + i]
                    + main_params[bias + 3 * b + i])
                    .tanh();
                state[cell + i] = state[cell + i] * forget + ingate * change;
                state[hidden + i] = outgate * state[cell + i].tanh();
            }
            // the next layer reads this one's hidden values
            for i in 0..b {
                input[i] = state[hidden + i];
            }
        }
        // log Σ exp(prediction) + 2, ADBench's normalization
        let mut sum = 0.0;
        for i in 0..b {
            prediction[i] = input[i] * extra_params[b + i] + extra_params[2 * b + i];
            sum += prediction[i].exp();
        }
        let lse = (sum + 2.0).ln();
        for i in 0..b {
            total += sequence[(t + 1) * b + i] * (prediction[i] - lse);
        }
    }
    -total / ((c - 1) * b) as f64
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input {
        main_params,
        extra_params,
        state,
        sequence,
    } = parse(input)?;
    let b = sequence.first().map_or(0, Vec::len);
    let l = main_params.len() / 2;
    if b == 0 || sequence.len() < 2 || main_params.iter().any(|r| r.len() != 4 * b) {
        return Err("the parameters do not match the sequence's b bits per character".to_string());
    }
    let (main, extra, state, sequence) = (
        main_params.concat(),
        extra_params.concat(),
        state.concat(),
        sequence.concat(),
    );
    let runs = Runs::of(input);
    match function {
        "objective" => Ok(measure(runs, || {
            lstm_objective(&main, &extra, &state, &sequence, l, b)
        })),
        "jacobian" => Ok(measure(runs, || {
            let (_, (main, extra)) = lstm_objective_grad(&main, &extra, &state, &sequence, l, b);
            [main, extra].concat()
        })),
        other => Err(unknown_function("lstm", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, central_differences, uniform};

    #[test]
    fn the_gradient_matches_central_differences() {
        let (l, b, c) = (2, 3, 5);
        let main = uniform(1, 8 * l * b);
        let extra = uniform(2, 3 * b);
        let state = uniform(3, 2 * l * b);
        let sequence: Vec<f64> = uniform(4, c * b).iter().map(|v| v.round()).collect();
        let (_, (main_bar, extra_bar)) =
            lstm_objective_grad(&main, &extra, &state, &sequence, l, b);
        let by_main = central_differences(
            |m| lstm_objective(m, &extra, &state, &sequence, l, b),
            &main,
            1e-6,
        );
        let by_extra = central_differences(
            |e| lstm_objective(&main, e, &state, &sequence, l, b),
            &extra,
            1e-6,
        );
        assert_close("main parameters", &main_bar, &by_main, 1e-8);
        assert_close("extra parameters", &extra_bar, &by_extra, 1e-8);
    }
}
