//! The benchmark table: every case of the benchmarks, measured in one process on the same
//! inputs, as ratios — t(derivative)/t(primal) and t(matcalc)/t(baseline) — with the machine and
//! the command line printed beside it.
//!
//! ```text
//! cargo run --release -p matcalc-bench --bin bench_table               # every case (minutes)
//! cargo run --release -p matcalc-bench --bin bench_table -- --quick    # fewer repetitions
//! cargo run --release -p matcalc-bench --bin bench_table -- --only gmm # the cases named *gmm*
//! ```
//!
//! How it measures: within a group (one case at one size), every method is first calibrated to a
//! batch of calls lasting at least a few milliseconds; then the batches run in interleaved
//! rounds (each round times every method once, starting at a different one), and each method's
//! figure is the median over the rounds of its time per call. Interleaving spreads a burst of
//! load from other processes over all methods alike, and the median discards the rounds it hit.
//! A baseline whose estimated cost per call exceeds the budget (n dual-number passes at large n,
//! 2n evaluations for finite differences) is skipped and says so. Before timing, each group
//! checks that the derivatives it times agree.
//!
//! The problems themselves, with their baselines, are in `benches/problems/`, shared with the
//! criterion benches (`benches/criterion/`) and with the ADBench test (`benches/tests/adbench.rs`).

mod export;
mod measure;
mod report;

use export::{Exported, chunked, rows_of};
use measure::{Group, Options, Row};
use nalgebra::DMatrix;
use problems::num::{
    gradient_dual, gradient_dual_batched, gradient_tape, matrix_gradient_dual,
    matrix_gradient_dual_batched,
};
use problems::{ba, checkpointing, det, eig, fd, gmm, logdet_trace, logsumexp, rk4, rosenbrock};
use report::{load_average, print_case, print_machine, print_targets};
use serde_json::json;
use std::hint::black_box;
use std::time::Instant;

// ============================================================================ checks

/// Panics unless `got` and `want` agree to `tol` relative to the larger of 1 and ‖want‖∞: a
/// benchmark of a wrong derivative would be meaningless.
fn agree(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let err = got
        .iter()
        .zip(want)
        .fold(0.0f64, |m, (g, w)| m.max((g - w).abs()));
    assert!(
        err <= tol * scale,
        "{what}: disagrees by {err:e} (scale {scale:e})"
    );
}

const EXACT: f64 = 1e-9;
const FD: f64 = 1e-5;

// ============================================================================ the cases

/// The names of the matcalc methods that baselines are compared with.
const GRAD: &str = "matcalc gradient (reverse)";
const JVP: &str = "matcalc JVP (forward)";
const HVP: &str = "matcalc HVP (reverse over forward)";
/// The forward sweep of reverse mode alone (`f_vjp` without calling the pullback): the cost of
/// recording, apart from the backward sweep.
const SWEEP: &str = "matcalc f_vjp alone (recording sweep, pullback not called)";
const CHUNKED: &str = "matcalc gradient, sum over chunks of points";
/// The gradient of the same function with its loop under `#[checkpoint]`.
const CHECKPOINTED: &str = "matcalc gradient, loop under #[checkpoint]";
const PARALLEL: &str = "matcalc gradient, the same chunks in parallel (rayon)";

fn case_rosenbrock(options: &Options, rows: &mut Vec<Row>) {
    for n in rosenbrock::SIZES {
        let x = rosenbrock::point(n);
        let v = rosenbrock::direction(n);
        let (value, g) = rosenbrock::rosenbrock_grad(&x);
        let (_, g_hand) = rosenbrock::rosenbrock_by_hand(&x);
        agree("rosenbrock gradient", &g, &g_hand, EXACT);
        agree(
            "rosenbrock tape",
            &gradient_tape(|x| rosenbrock::rosenbrock_generic(x), &x).1,
            &g_hand,
            EXACT,
        );
        let (_, jv) = rosenbrock::rosenbrock_jvp(&x, &v);
        agree(
            "rosenbrock jvp",
            &[jv],
            &[rosenbrock::rosenbrock_jvp_by_hand(&x, &v).1],
            EXACT,
        );
        let (_, _, hv) = rosenbrock::rosenbrock_hvp(&x, &v);
        agree(
            "rosenbrock hvp",
            &hv,
            &rosenbrock::rosenbrock_hvp_by_hand(&x, &v).2,
            EXACT,
        );

        let nf = n as f64;
        let mut group = Group::new("1 Rosenbrock (gradient, JVP, HVP)", format!("n = {n}"));
        group
            .primal("primal", || rosenbrock::rosenbrock(black_box(&x)))
            .matcalc(GRAD, || rosenbrock::rosenbrock_grad(black_box(&x)))
            .matcalc(SWEEP, || rosenbrock::rosenbrock_vjp(black_box(&x)).0)
            .matcalc(JVP, || {
                rosenbrock::rosenbrock_jvp(black_box(&x), black_box(&v))
            })
            .matcalc(HVP, || {
                rosenbrock::rosenbrock_hvp(black_box(&x), black_box(&v))
            })
            .baseline("gradient by hand", GRAD, 1.0, || {
                rosenbrock::rosenbrock_by_hand(black_box(&x))
            })
            .baseline("num-dual Dual64 (n passes)", GRAD, 3.0 * nf, || {
                gradient_dual(rosenbrock::rosenbrock_generic, black_box(&x))
            })
            .baseline(
                "num-dual DualSVec64<8> (n/8 passes)",
                GRAD,
                2.0 * nf,
                || gradient_dual_batched::<8>(rosenbrock::rosenbrock_generic, black_box(&x)),
            )
            .baseline("RustQuant_autodiff tape", GRAD, 30.0, || {
                gradient_tape(|x| rosenbrock::rosenbrock_generic(x), black_box(&x))
            })
            .baseline("central differences (2n calls)", GRAD, 2.0 * nf, || {
                fd::gradient(rosenbrock::rosenbrock, black_box(&x))
            })
            .baseline("JVP by hand", JVP, 1.0, || {
                rosenbrock::rosenbrock_jvp_by_hand(black_box(&x), black_box(&v))
            })
            .baseline("num-dual Dual64 JVP (1 pass)", JVP, 3.0, || {
                let xd: Vec<_> = x
                    .iter()
                    .zip(&v)
                    .map(|(&x, &v)| num_dual::Dual64::new(x, v))
                    .collect();
                rosenbrock::rosenbrock_generic(black_box(&xd))
            })
            .baseline("central difference JVP (2 calls)", JVP, 2.0, || {
                fd::directional(rosenbrock::rosenbrock, black_box(&x), &v)
            })
            .baseline("HVP by hand", HVP, 1.0, || {
                rosenbrock::rosenbrock_hvp_by_hand(black_box(&x), black_box(&v))
            })
            .baseline("central difference of hand gradients", HVP, 2.0, || {
                let h = f64::EPSILON.cbrt();
                let up = rosenbrock::rosenbrock_by_hand(&axpy(black_box(&x), h, &v)).1;
                let down = rosenbrock::rosenbrock_by_hand(&axpy(&x, -h, &v)).1;
                up.iter()
                    .zip(&down)
                    .map(|(u, d)| (u - d) / (2.0 * h))
                    .collect::<Vec<_>>()
            });
        group.run(options, rows);
        export::write(options, rows, "rosenbrock", &format!("n{n}"), || Exported {
            inputs: json!({ "x": x }),
            value,
            gradient: json!({ "x": g }),
        });
    }
}

fn axpy(x: &[f64], a: f64, v: &[f64]) -> Vec<f64> {
    x.iter().zip(v).map(|(x, v)| x + a * v).collect()
}

fn case_logsumexp(options: &Options, rows: &mut Vec<Row>) {
    for n in logsumexp::SIZES {
        let x = logsumexp::point(n);
        let (value, g) = logsumexp::logsumexp_grad(&x);
        agree(
            "logsumexp gradient",
            &g,
            &logsumexp::logsumexp_by_hand(&x).1,
            EXACT,
        );
        let nf = n as f64;
        let mut group = Group::new("2 log-sum-exp (gradient)", format!("n = {n}"));
        group
            .primal("primal", || logsumexp::logsumexp(black_box(&x)))
            .matcalc(GRAD, || logsumexp::logsumexp_grad(black_box(&x)))
            .matcalc(SWEEP, || logsumexp::logsumexp_vjp(black_box(&x)).0)
            .baseline("gradient by hand", GRAD, 1.0, || {
                logsumexp::logsumexp_by_hand(black_box(&x))
            })
            .baseline("num-dual Dual64 (n passes)", GRAD, 2.0 * nf, || {
                gradient_dual(logsumexp::logsumexp_generic, black_box(&x))
            })
            .baseline(
                "num-dual DualSVec64<8> (n/8 passes)",
                GRAD,
                1.0 * nf,
                || gradient_dual_batched::<8>(logsumexp::logsumexp_generic, black_box(&x)),
            )
            .baseline("RustQuant_autodiff tape", GRAD, 20.0, || {
                gradient_tape(|x| logsumexp::logsumexp_generic(x), black_box(&x))
            })
            .baseline("central differences (2n calls)", GRAD, 2.0 * nf, || {
                fd::gradient(logsumexp::logsumexp, black_box(&x))
            });
        group.run(options, rows);
        export::write(options, rows, "logsumexp", &format!("n{n}"), || Exported {
            inputs: json!({ "x": x }),
            value,
            gradient: json!({ "x": g }),
        });
    }
}

fn case_rk4(options: &Options, rows: &mut Vec<Row>) {
    let (p, u0) = (rk4::P.to_vec(), rk4::U0.to_vec());
    let x: Vec<f64> = [&p[..], &u0].concat();
    for steps in rk4::STEPS {
        let (value, (gp, gu)) = rk4::rk4_loss_grad(&p, &u0, steps);
        let (_, (hp, hu)) = rk4::rk4_loss_by_hand(&p, &u0, steps);
        agree(
            "rk4 gradient",
            &[&gp[..], &gu].concat(),
            &[hp, hu].concat(),
            EXACT,
        );
        let mut group = Group::new(
            "3 RK4 Lotka-Volterra (gradient wrt p, u0)",
            format!("{steps} steps"),
        );
        group
            .primal("primal", || {
                rk4::rk4_loss(black_box(&p), black_box(&u0), steps)
            })
            .matcalc(GRAD, || {
                rk4::rk4_loss_grad(black_box(&p), black_box(&u0), steps)
            })
            .matcalc(SWEEP, || {
                rk4::rk4_loss_vjp(black_box(&p), black_box(&u0), steps).0
            })
            .baseline("discrete adjoint by hand", GRAD, 1.0, || {
                rk4::rk4_loss_by_hand(black_box(&p), black_box(&u0), steps)
            })
            .baseline("num-dual Dual64 (6 passes)", GRAD, 20.0, || {
                gradient_dual(|x| rk4::rk4_loss_generic(x, steps), black_box(&x))
            })
            .baseline("num-dual DualSVec64<6> (1 pass)", GRAD, 8.0, || {
                gradient_dual_batched::<6>(|x| rk4::rk4_loss_generic(x, steps), black_box(&x))
            })
            .baseline("RustQuant_autodiff tape", GRAD, 30.0, || {
                gradient_tape(|x| rk4::rk4_loss_generic(x, steps), black_box(&x))
            })
            .baseline("central differences (12 calls)", GRAD, 12.0, || {
                fd::gradient(|x| rk4::rk4_loss(&x[..4], &x[4..], steps), black_box(&x))
            });
        group.run(options, rows);
        export::write(options, rows, "rk4", &format!("steps{steps}"), || {
            Exported {
                inputs: json!({ "p": p, "u0": u0, "steps": steps }),
                value,
                gradient: json!({ "p": gp, "u0": gu }),
            }
        });
    }
}

fn case_det(options: &Options, rows: &mut Vec<Row>) {
    let mut rng = problems::Lcg::new(4);
    for n in det::SIZES {
        let a = rng.general(n);
        let (value, g) = det::det_lu_grad(&a);
        let cofactor = a.determinant() * a.clone().try_inverse().unwrap().transpose();
        agree("det gradient", g.as_slice(), cofactor.as_slice(), EXACT);
        let n2 = (n * n) as f64;
        let mut group = Group::new("4a determinant by LU (gradient)", format!("n = {n}"));
        group
            .primal("primal (determinant())", || det::det_lu(black_box(&a)))
            .matcalc(GRAD, || det::det_lu_grad(black_box(&a)))
            .matcalc(JVP, || det::det_lu_jvp(black_box(&a), black_box(&a)))
            .baseline("num-dual Dual64 (n² passes)", GRAD, 3.0 * n2, || {
                matrix_gradient_dual(|a| a.determinant(), black_box(&a))
            })
            .baseline(
                "num-dual DualSVec64<8> (n²/8 passes)",
                GRAD,
                8.0 * n2,
                || matrix_gradient_dual_batched::<8>(|a| a.determinant(), black_box(&a)),
            )
            .baseline("central differences (2n² calls)", GRAD, 4.0 * n2, || {
                fd::gradient(
                    |v| DMatrix::from_column_slice(n, n, v).determinant(),
                    black_box(a.as_slice()),
                )
            });
        group.run(options, rows);
        export::write(options, rows, "det", &format!("n{n}"), || Exported {
            inputs: json!({ "a": rows_of(&a) }),
            value,
            gradient: json!({ "a": rows_of(&g) }),
        });
    }
    for n in det::COFACTOR_SIZES {
        let a = rng.general(n);
        let (_, g) = det::det_cofactor_grad(a.as_slice(), n);
        let cofactor = a.determinant() * a.clone().try_inverse().unwrap().transpose();
        agree("cofactor gradient", &g, cofactor.as_slice(), 1e-8);
        let n2 = (n * n) as f64;
        let mut group = Group::new(
            "4b determinant by cofactor expansion (gradient)",
            format!("n = {n}"),
        );
        group
            .primal("primal", || det::det_cofactor(black_box(a.as_slice()), n))
            .matcalc(GRAD, || det::det_cofactor_grad(black_box(a.as_slice()), n))
            .baseline("num-dual Dual64 (n² passes)", GRAD, 3.0 * n2, || {
                gradient_dual(|a| det::det_cofactor_generic(a, n), black_box(a.as_slice()))
            })
            .baseline(
                "num-dual DualSVec64<8> (n²/8 passes)",
                GRAD,
                8.0 * n2,
                || {
                    gradient_dual_batched::<8>(
                        |a| det::det_cofactor_generic(a, n),
                        black_box(a.as_slice()),
                    )
                },
            )
            .baseline("RustQuant_autodiff tape", GRAD, 30.0, || {
                gradient_tape(|a| det::det_cofactor_generic(a, n), black_box(a.as_slice()))
            })
            .baseline("central differences (2n² calls)", GRAD, 2.0 * n2, || {
                fd::gradient(|v| det::det_cofactor(v, n), black_box(a.as_slice()))
            });
        group.run(options, rows);
    }
}

fn case_logdet_trace(options: &Options, rows: &mut Vec<Row>) {
    let mut rng = problems::Lcg::new(5);
    for n in logdet_trace::SIZES {
        let a = rng.spd(n);
        let b = DMatrix::from_fn(n, n, |_, _| rng.uniform());
        let (da, db) = (
            DMatrix::from_fn(n, n, |_, _| rng.uniform()),
            DMatrix::from_fn(n, n, |_, _| rng.uniform()),
        );
        let (value, (ga, gb)) = logdet_trace::logdet_trace_grad(&a, &b);
        let (_, (ha, hb)) = logdet_trace::logdet_trace_by_hand(&a, &b);
        agree(
            "logdet_trace gradient",
            &[ga.as_slice(), gb.as_slice()].concat(),
            &[ha.as_slice(), hb.as_slice()].concat(),
            EXACT,
        );
        let (_, jv) = logdet_trace::logdet_trace_jvp(&a, &b, &da, &db);
        agree(
            "logdet_trace jvp",
            &[jv],
            &[logdet_trace::logdet_trace_jvp_by_hand(&a, &b, &da, &db).1],
            EXACT,
        );
        let (_, _, (hva, hvb)) = logdet_trace::logdet_trace_hvp(&a, &b, &da, &db);
        let fd_hvp = hvp_by_differences(&a, &b, &da, &db);
        agree(
            "logdet_trace hvp",
            &[hva.as_slice(), hvb.as_slice()].concat(),
            &fd_hvp,
            FD,
        );

        let n2 = (2 * n * n) as f64;
        let mut group = Group::new(
            "5 logdet(A) + tr(A⁻¹B) (gradient, JVP, HVP)",
            format!("n = {n}"),
        );
        group
            .primal("primal", || {
                logdet_trace::logdet_trace(black_box(&a), black_box(&b))
            })
            .matcalc(GRAD, || {
                logdet_trace::logdet_trace_grad(black_box(&a), black_box(&b))
            })
            .matcalc(JVP, || {
                logdet_trace::logdet_trace_jvp(black_box(&a), black_box(&b), &da, &db)
            })
            .matcalc(HVP, || {
                logdet_trace::logdet_trace_hvp(black_box(&a), black_box(&b), &da, &db)
            })
            .baseline("gradient by hand", GRAD, 2.0, || {
                logdet_trace::logdet_trace_by_hand(black_box(&a), black_box(&b))
            })
            .baseline("num-dual Dual64 (2n² passes)", GRAD, 3.0 * n2, || {
                let bd = b.map(num_dual::Dual64::from_re);
                let ad = a.map(num_dual::Dual64::from_re);
                (
                    matrix_gradient_dual(
                        |a| logdet_trace::logdet_trace_generic(a, &bd),
                        black_box(&a),
                    ),
                    matrix_gradient_dual(
                        |b| logdet_trace::logdet_trace_generic(&ad, b),
                        black_box(&b),
                    ),
                )
            })
            .baseline("central differences (4n² calls)", GRAD, 2.0 * n2, || {
                let ab: Vec<f64> = [a.as_slice(), b.as_slice()].concat();
                fd::gradient(
                    |v| {
                        let (va, vb) = v.split_at(n * n);
                        logdet_trace::logdet_trace(
                            &DMatrix::from_column_slice(n, n, va),
                            &DMatrix::from_column_slice(n, n, vb),
                        )
                    },
                    black_box(&ab),
                )
            })
            .baseline("JVP by hand", JVP, 2.0, || {
                logdet_trace::logdet_trace_jvp_by_hand(black_box(&a), black_box(&b), &da, &db)
            })
            .baseline("num-dual Dual64 JVP (1 pass)", JVP, 3.0, || {
                let ad = a.zip_map(&da, num_dual::Dual64::new);
                let bd = b.zip_map(&db, num_dual::Dual64::new);
                logdet_trace::logdet_trace_generic(black_box(&ad), black_box(&bd))
            })
            .baseline("central difference JVP (2 calls)", JVP, 2.0, || {
                let h = f64::EPSILON.cbrt();
                let up = logdet_trace::logdet_trace(&(black_box(&a) + h * &da), &(&b + h * &db));
                let down = logdet_trace::logdet_trace(&(&a - h * &da), &(&b - h * &db));
                (up - down) / (2.0 * h)
            })
            .baseline("central difference of hand gradients", HVP, 4.0, || {
                hvp_by_differences(black_box(&a), &b, &da, &db)
            });
        group.run(options, rows);
        export::write(options, rows, "logdet", &format!("n{n}"), || Exported {
            inputs: json!({ "a": rows_of(&a), "b": rows_of(&b) }),
            value,
            gradient: json!({ "a": rows_of(&ga), "b": rows_of(&gb) }),
        });
    }
}

/// The Hessian-vector product of case 5 by a central difference of hand-written gradients.
fn hvp_by_differences(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    da: &DMatrix<f64>,
    db: &DMatrix<f64>,
) -> Vec<f64> {
    let h = 1e-5;
    let (_, (ua, ub)) = logdet_trace::logdet_trace_by_hand(&(a + h * da), &(b + h * db));
    let (_, (la, lb)) = logdet_trace::logdet_trace_by_hand(&(a - h * da), &(b - h * db));
    [
        ((ua - la) / (2.0 * h)).as_slice(),
        ((ub - lb) / (2.0 * h)).as_slice(),
    ]
    .concat()
}

fn case_eig(options: &Options, rows: &mut Vec<Row>) {
    let mut rng = problems::Lcg::new(6);
    for n in eig::SIZES {
        let a = rng.spd(n);
        let (value, g) = eig::eig_sum_squares_grad(&a);
        agree("eig gradient", g.as_slice(), (2.0 * &a).as_slice(), 1e-8);
        let n2 = (n * n) as f64;
        let mut group = Group::new(
            "6 Σλᵢ² of a symmetric eigenproblem (gradient)",
            format!("n = {n}"),
        );
        group
            .primal("primal (symmetric_eigenvalues())", || {
                eig::eig_sum_squares(black_box(&a))
            })
            .matcalc(GRAD, || eig::eig_sum_squares_grad(black_box(&a)))
            .baseline("num-dual Dual64 (n² passes)", GRAD, 3.0 * n2, || {
                matrix_gradient_dual(|a| a.symmetric_eigenvalues().norm_squared(), black_box(&a))
            })
            .baseline("central differences (2n² calls)", GRAD, 2.0 * n2, || {
                fd::gradient(
                    |v| eig::eig_sum_squares(&DMatrix::from_column_slice(n, n, v)),
                    black_box(a.as_slice()),
                )
            });
        group.run(options, rows);
        export::write(options, rows, "eig", &format!("n{n}"), || Exported {
            inputs: json!({ "a": rows_of(&a) }),
            value,
            gradient: json!({ "a": rows_of(&g) }),
        });
    }
}

fn case_gmm(options: &Options, rows: &mut Vec<Row>) {
    let Some(dir) = problems::adbench_dir() else {
        println!("(case 7 skipped: no ../shared/data/adbench/ nor MATCALC_ADBENCH_DIR)\n");
        return;
    };
    for name in gmm::INSTANCES {
        let g = gmm::Gmm::read(&dir.join(format!("gmm/{name}.txt")));
        let params = g.params();
        let (value, grad) = g.gradient();
        let (value_hand, grad_hand) = g.gradient_by_hand();
        assert!(problems::adbench_close(value, value_hand), "{name}: value");
        agree(name, &grad, &grad_hand, 1e-8);
        agree(name, &g.gradient_parallel().1, &grad_hand, 1e-8);
        agree(name, &g.gradient_chunked().1, &grad_hand, 1e-8);
        let golden = dir.join(format!("gmm/golden/{name}.txt"));
        if golden.exists() {
            let (_, want) = gmm::read_golden(&golden);
            agree(name, &grad, &want, 1e-8);
        }
        let p = params.len() as f64;
        let (k, d) = (g.k, g.d);
        let objective = |v: &[f64]| {
            let (alphas, rest) = v.split_at(k);
            let (means, icf) = rest.split_at(k * d);
            gmm::gmm_objective(alphas, means, icf, &g.x, d, k, g.gamma, g.m)
        };
        let mut group = Group::new(
            "7 ADBench GMM (gradient)",
            format!("{name} ({} params)", params.len()),
        );
        group
            .primal("objective", || black_box(&g).objective())
            .matcalc(GRAD, || black_box(&g).gradient())
            .matcalc(SWEEP, || black_box(&g).sweep())
            .matcalc(CHUNKED, || black_box(&g).gradient_chunked())
            .matcalc(PARALLEL, || black_box(&g).gradient_parallel())
            .baseline("gradient by hand", GRAD, 2.0, || {
                black_box(&g).gradient_by_hand()
            })
            .baseline(
                "num-dual Dual64 (one pass per param)",
                GRAD,
                3.0 * p,
                || gradient_dual(|x| g.objective_generic(x), black_box(&params)),
            )
            .baseline("num-dual DualSVec64<8>", GRAD, 1.5 * p, || {
                gradient_dual_batched::<8>(|x| g.objective_generic(x), black_box(&params))
            })
            .baseline("RustQuant_autodiff tape", GRAD, 30.0, || {
                gradient_tape(|x| g.objective_generic(x), black_box(&params))
            })
            .baseline(
                "central differences (2·params calls)",
                GRAD,
                2.0 * p,
                || fd::gradient(objective, black_box(&params)),
            );
        group.run(options, rows);
        export::write(options, rows, "gmm", name, || {
            let (alphas, rest) = grad.split_at(k);
            let (means, icf) = rest.split_at(k * d);
            let icf_sz = g.icf.len() / k;
            Exported {
                inputs: json!({
                    "alphas": g.alphas,
                    "means": chunked(&g.means, d),
                    "icf": chunked(&g.icf, icf_sz),
                    "x": chunked(&g.x, d),
                    "gamma": g.gamma,
                    "m": g.m,
                }),
                value,
                gradient: json!({
                    "alphas": alphas,
                    "means": chunked(means, d),
                    "icf": chunked(icf, icf_sz),
                }),
            }
        });
    }
}

fn case_ba(options: &Options, rows: &mut Vec<Row>) {
    let Some(dir) = problems::adbench_dir() else {
        println!("(case 8 skipped: no ../shared/data/adbench/ nor MATCALC_ADBENCH_DIR)\n");
        return;
    };
    for name in ba::INSTANCES {
        let b = ba::Ba::read(&dir.join(format!("ba/{name}.txt")));
        let reference = b.jacobian_dual_batched();
        agree(name, &b.jacobian_forward(), &reference, 1e-10);
        agree(name, &b.jacobian_reverse(), &reference, 1e-10);
        agree(name, &b.jacobian_generated(), &reference, 1e-10);
        const FWD: &str = "matcalc Jacobian, forward (15 JVPs per obs.)";
        let mut group = Group::new("8 ADBench BA (sparse Jacobian)", name.to_string());
        group
            .primal("objective (all residuals)", || black_box(&b).residuals())
            .matcalc(FWD, || black_box(&b).jacobian_forward())
            .matcalc(
                "matcalc Jacobian, reverse (1 VJP, 2 pullbacks per obs.)",
                || black_box(&b).jacobian_reverse(),
            )
            .matcalc("matcalc Jacobian, generated f_jacobian", || {
                black_box(&b).jacobian_generated()
            })
            .baseline(
                "num-dual DualSVec64<15> (1 pass per obs.)",
                FWD,
                10.0,
                || black_box(&b).jacobian_dual_batched(),
            )
            .baseline("num-dual Dual64 (15 passes per obs.)", FWD, 40.0, || {
                black_box(&b).jacobian_dual()
            })
            .baseline(
                "RustQuant_autodiff tape (2 sweeps per obs.)",
                FWD,
                40.0,
                || black_box(&b).jacobian_tape(),
            )
            .baseline("central differences (30 calls per obs.)", FWD, 30.0, || {
                black_box(&b).jacobian_fd()
            });
        group.run(options, rows);
    }
}

type Case = fn(&Options, &mut Vec<Row>);

/// Reverse mode through long loops, recorded in full and checkpointed: the time checkpointing
/// costs (its memory is in the tape table and in `tests/memory.rs`).
fn case_checkpointing(options: &Options, rows: &mut Vec<Row>) {
    use checkpointing::{
        heat, heat_checkpointed_grad, heat_grad, logistic, logistic_checkpointed_grad,
        logistic_grad,
    };
    for steps in checkpointing::LOGISTIC_STEPS {
        let recorded = logistic_grad(0.1, 2.0, steps);
        assert_eq!(logistic_checkpointed_grad(0.1, 2.0, steps), recorded);
        let mut group = Group::new(
            "9 checkpointing (gradient)",
            format!("logistic, {steps} steps"),
        );
        group
            .primal("primal", || logistic(black_box(0.1), 2.0, steps))
            .matcalc(GRAD, || logistic_grad(black_box(0.1), 2.0, steps))
            .matcalc(CHECKPOINTED, || {
                logistic_checkpointed_grad(black_box(0.1), 2.0, steps)
            });
        group.run(options, rows);
    }
    let (cells, steps) = checkpointing::HEAT;
    let u0 = checkpointing::rod(cells);
    let recorded = heat_grad(&u0, 0.25, steps);
    assert_eq!(heat_checkpointed_grad(&u0, 0.25, steps), recorded);
    let mut group = Group::new(
        "9 checkpointing (gradient)",
        format!("heat, {cells} cells, {steps} steps"),
    );
    group
        .primal("primal", || heat(black_box(&u0), 0.25, steps))
        .matcalc(GRAD, || heat_grad(black_box(&u0), 0.25, steps))
        .matcalc(CHECKPOINTED, || {
            heat_checkpointed_grad(black_box(&u0), 0.25, steps)
        });
    group.run(options, rows);
}

fn main() {
    let options = Options::from_args();
    print_machine(&options);
    let cases: [(&str, &str, Case); 9] = [
        (
            "rosenbrock",
            "1 Rosenbrock (gradient, JVP, HVP)",
            case_rosenbrock,
        ),
        ("logsumexp", "2 log-sum-exp (gradient)", case_logsumexp),
        ("rk4", "3 RK4 Lotka-Volterra (gradient wrt p, u0)", case_rk4),
        ("det", "4a determinant by LU (gradient)", case_det),
        (
            "logdet",
            "5 logdet(A) + tr(A⁻¹B) (gradient, JVP, HVP)",
            case_logdet_trace,
        ),
        (
            "eig",
            "6 Σλᵢ² of a symmetric eigenproblem (gradient)",
            case_eig,
        ),
        ("gmm", "7 ADBench GMM (gradient)", case_gmm),
        ("ba", "8 ADBench BA (sparse Jacobian)", case_ba),
        (
            "checkpointing",
            "9 checkpointing (gradient)",
            case_checkpointing,
        ),
    ];
    let mut rows = Vec::new();
    let start = Instant::now();
    for (key, title, run) in cases {
        if !options.wants(key) {
            continue;
        }
        run(&options, &mut rows);
        print_case(&rows, title);
        if key == "det" {
            print_case(&rows, "4b determinant by cofactor expansion (gradient)");
        }
    }
    print_tape_memory(&options);
    print_targets(&rows);
    println!(
        "- load average at end: {} (after {:.0} s)",
        load_average(),
        start.elapsed().as_secs_f64()
    );
}

/// The memory the tapes of one gradient take (their buffers' capacity), measured on a thread of
/// its own: its pool of tape buffers starts empty and holds the gradient's after it (see
/// `matcalc::__private::pooled_bytes`). A second gradient on the same thread reuses them and
/// allocates no tape. The pool keeps every buffer while it holds at most 64 MiB (eight per
/// record type beyond that): the tapes of the many calls of one annotated function (GMM's
/// log-sum-exp, once per point) count once per call up to that size, eight times beyond it.
fn tape_bytes<R>(gradient: impl FnOnce() -> R + Send) -> usize {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                black_box(gradient());
                matcalc::__private::pooled_bytes()
            })
            .join()
            .expect("the gradient panicked")
    })
}

/// The table of tape memory per gradient: Rosenbrock and ADBench GMM.
fn print_tape_memory(options: &Options) {
    let mut lines = Vec::new();
    if options.wants("rosenbrock") {
        for n in rosenbrock::SIZES {
            let x = rosenbrock::point(n);
            let bytes = tape_bytes(|| rosenbrock::rosenbrock_grad(&x));
            lines.push((
                "(1) Rosenbrock".to_string(),
                format!("n = {n}"),
                bytes,
                n,
                "entry",
            ));
        }
    }
    if options.wants("gmm")
        && let Some(dir) = problems::adbench_dir()
    {
        for name in gmm::INSTANCES {
            let g = gmm::Gmm::read(&dir.join(format!("gmm/{name}.txt")));
            let points = g.x.len() / g.d;
            let bytes = tape_bytes(|| g.gradient());
            lines.push((
                "(7) ADBench GMM".to_string(),
                name.to_string(),
                bytes,
                points,
                "point",
            ));
        }
    }
    if options.wants("checkpointing") {
        let steps = checkpointing::LOGISTIC_STEPS[1];
        for (how, bytes) in [
            (
                "recorded",
                tape_bytes(|| checkpointing::logistic_grad(0.1, 2.0, steps)),
            ),
            (
                "#[checkpoint]",
                tape_bytes(|| checkpointing::logistic_checkpointed_grad(0.1, 2.0, steps)),
            ),
        ] {
            lines.push((
                format!("(9) logistic, {how}"),
                format!("{steps} steps"),
                bytes,
                steps,
                "step",
            ));
        }
        let (cells, steps) = checkpointing::HEAT;
        let u0 = checkpointing::rod(cells);
        for (how, bytes) in [
            (
                "recorded",
                tape_bytes(|| checkpointing::heat_grad(&u0, 0.25, steps)),
            ),
            (
                "#[checkpoint]",
                tape_bytes(|| checkpointing::heat_checkpointed_grad(&u0, 0.25, steps)),
            ),
        ] {
            lines.push((
                format!("(9) heat, {how}"),
                format!("{cells} cells, {steps} steps"),
                bytes,
                steps,
                "step",
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    println!("### Tape memory of one gradient\n");
    println!("| case | size | tape buffers | per unit |");
    println!("|---|---|---:|---:|");
    for (case, size, bytes, units, unit) in lines {
        let per_unit = bytes as f64 / units as f64;
        println!(
            "| {case} | {size} | {} | {per_unit:.1} bytes per {unit} |",
            fmt_bytes(bytes)
        );
    }
    println!();
}

fn fmt_bytes(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}
