//! How the table measures: the methods of a group (one case at one size), calibrated to batches
//! of calls, timed in interleaved rounds, each method's figure the median over the rounds.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a method is, for the ratios printed beside it.
#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    /// The function itself: the unit of the ×primal column.
    Primal,
    /// A derivative by matcalc.
    Matcalc,
    /// A baseline, compared with the matcalc method of that name.
    Baseline(&'static str),
}

/// One method of a group: a closure that computes its result once per call.
struct Method<'a> {
    name: &'static str,
    kind: Kind,
    /// The estimated cost of one call in primal calls, to skip what would exceed the budget.
    cost: f64,
    run: Box<dyn FnMut() + 'a>,
}

/// One row of the table.
pub struct Row {
    pub case: &'static str,
    pub size: String,
    pub method: &'static str,
    pub kind: Kind,
    /// The median time per call, or why there is none.
    pub time: Result<Duration, String>,
}

/// The options of the run.
pub struct Options {
    /// Rounds per group (fewer for methods slower than the per-method budget).
    pub rounds: usize,
    /// The shortest batch of calls timed at once.
    pub batch: Duration,
    /// The time one method may take per group, over all its rounds.
    pub method_budget: Duration,
    /// The longest single call a baseline may take (estimated from the primal).
    pub call_budget: Duration,
    pub only: Vec<String>,
    /// Where `--export DIR` writes each problem's inputs, matcalc's value and gradient and the
    /// medians, for the comparison with other frameworks (`benches/frameworks/`).
    pub export: Option<PathBuf>,
}

impl Options {
    pub fn from_args() -> Options {
        let mut options = Options {
            rounds: 15,
            batch: Duration::from_millis(5),
            method_budget: Duration::from_secs(2),
            call_budget: Duration::from_millis(800),
            only: Vec::new(),
            export: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => {
                    options.rounds = 5;
                    options.batch = Duration::from_millis(2);
                    options.method_budget = Duration::from_millis(500);
                    options.call_budget = Duration::from_millis(200);
                }
                "--rounds" => {
                    options.rounds = args
                        .next()
                        .and_then(|v| v.parse().ok())
                        .expect("--rounds N");
                }
                "--only" => options.only.push(args.next().expect("--only NAME")),
                "--export" => {
                    options.export = Some(args.next().expect("--export DIR").into());
                }
                other => panic!(
                    "unknown argument `{other}`: use --quick, --rounds N, --only NAME, --export DIR"
                ),
            }
        }
        options
    }

    pub fn wants(&self, case: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| case.contains(o.as_str()))
    }
}

/// The methods of one case at one size, measured together.
pub struct Group<'a> {
    case: &'static str,
    size: String,
    methods: Vec<Method<'a>>,
}

impl<'a> Group<'a> {
    pub fn new(case: &'static str, size: impl ToString) -> Self {
        Group {
            case,
            size: size.to_string(),
            methods: Vec::new(),
        }
    }

    fn add<R>(&mut self, name: &'static str, kind: Kind, cost: f64, mut f: impl FnMut() -> R + 'a) {
        self.methods.push(Method {
            name,
            kind,
            cost,
            run: Box::new(move || drop(black_box(f()))),
        });
    }

    pub fn primal<R>(&mut self, name: &'static str, f: impl FnMut() -> R + 'a) -> &mut Self {
        self.add(name, Kind::Primal, 1.0, f);
        self
    }

    pub fn matcalc<R>(&mut self, name: &'static str, f: impl FnMut() -> R + 'a) -> &mut Self {
        self.add(name, Kind::Matcalc, 1.0, f);
        self
    }

    /// A baseline of the matcalc method `vs`, estimated to cost `cost` primal calls.
    pub fn baseline<R>(
        &mut self,
        name: &'static str,
        vs: &'static str,
        cost: f64,
        f: impl FnMut() -> R + 'a,
    ) -> &mut Self {
        self.add(name, Kind::Baseline(vs), cost, f);
        self
    }

    /// Calibrates, then times every method in interleaved rounds; appends a row per method.
    pub fn run(mut self, options: &Options, rows: &mut Vec<Row>) {
        let count = self.methods.len();
        // calibration: a warm-up call of each method, the primal first for the estimates
        let mut per_call = vec![None; count];
        let mut notes = vec![None; count];
        let primal = self
            .methods
            .iter()
            .position(|m| m.kind == Kind::Primal)
            .expect("a primal");
        per_call[primal] = Some(time_calls(&mut self.methods[primal].run, 1));
        let t_primal = per_call[primal].unwrap().as_secs_f64();
        for (i, method) in self.methods.iter_mut().enumerate() {
            if i == primal {
                continue;
            }
            let estimate = method.cost * t_primal;
            if estimate > options.call_budget.as_secs_f64() {
                notes[i] = Some(format!("skipped: ~{} per call", fmt_secs(estimate)));
                continue;
            }
            per_call[i] = Some(time_calls(&mut method.run, 1));
        }
        // batch sizes and rounds per method
        let mut plan = vec![(0usize, 0usize); count];
        for i in 0..count {
            if let Some(t) = per_call[i] {
                let t = t.as_secs_f64().max(1e-9);
                let batch = (options.batch.as_secs_f64() / t).ceil().max(1.0) as usize;
                let rounds = (options.method_budget.as_secs_f64() / (t * batch as f64)) as usize;
                plan[i] = (batch, rounds.clamp(3, options.rounds));
            }
        }
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); count];
        let most = plan.iter().map(|p| p.1).max().unwrap_or(0);
        for round in 0..most {
            for offset in 0..count {
                let i = (round + offset) % count;
                let (batch, rounds) = plan[i];
                if round < rounds {
                    let t = time_calls(&mut self.methods[i].run, batch);
                    samples[i].push(t.as_secs_f64());
                }
            }
        }
        for (i, method) in self.methods.iter().enumerate() {
            let time = match notes[i].take() {
                Some(note) => Err(note),
                None => Ok(Duration::from_secs_f64(median(&mut samples[i]))),
            };
            rows.push(Row {
                case: self.case,
                size: self.size.clone(),
                method: method.name,
                kind: method.kind,
                time,
            });
        }
    }
}

/// The time per call of `batch` calls in a row.
fn time_calls(run: &mut Box<dyn FnMut() + '_>, batch: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        run();
    }
    start.elapsed() / batch as u32
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

pub fn fmt_secs(s: f64) -> String {
    match s {
        s if s < 1e-6 => format!("{:.1} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.2} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}
