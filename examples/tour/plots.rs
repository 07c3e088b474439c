//! The tour's figures: SVG line charts drawn with plotters (its SVG backend alone, so no system
//! fonts or libraries are needed), written to `tour/` in the target directory the tour was
//! built in ([`folder`]).
//!
//! A topic draws a figure with [`Figure`] and [`Figure::save`]; the last topic, [`figures`],
//! adds the finite-difference figure of lecture 3.2 and names the folder and every file.

mod legend;

use super::Checks;
use legend::Rect;
use matcalc::{check, differentiate};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The figures saved so far, and how many could not be written.
static SAVED: Mutex<(Vec<PathBuf>, usize)> = Mutex::new((Vec::new(), 0));

/// Where the figures go: `tour/` in the target directory cargo built the tour in, which is
/// `target/` in the workspace unless `CARGO_TARGET_DIR` (or `--target-dir`, or `build.target-dir`)
/// says otherwise. The tour runs as `<target>/<profile>/examples/tour`, so that directory is two
/// levels above the program (a build for an explicit `--target` puts it one level lower).
pub(crate) fn folder() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|program| Some(program.parent()?.parent()?.parent()?.to_path_buf()));
    target
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("tour")
}

/// The size of a figure in pixels, without a legend strip below it.
const SIZE: (u32, u32) = (800, 500);

/// How a series is drawn.
#[derive(Clone, Copy)]
pub(crate) enum Style {
    Line,
    Dashed,
    Points,
}

/// A line chart: series of (x, y) points on linear or logarithmic axes.
pub(crate) struct Figure {
    file: &'static str,
    title: String,
    x_label: String,
    y_label: String,
    log_x: bool,
    log_y: bool,
    series: Vec<Series>,
}

/// A labeled series of points and how to draw it.
type Series = (String, Style, Vec<(f64, f64)>);

/// Colors of the series, in order (the "tab10" palette).
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(127, 127, 127),
];

impl Figure {
    /// A figure saved as `file` in [`folder`].
    pub(crate) fn new(file: &'static str, title: &str) -> Self {
        Figure {
            file,
            title: title.to_string(),
            x_label: String::new(),
            y_label: String::new(),
            log_x: false,
            log_y: false,
            series: Vec::new(),
        }
    }

    pub(crate) fn labels(mut self, x: &str, y: &str) -> Self {
        self.x_label = x.to_string();
        self.y_label = y.to_string();
        self
    }

    /// Logarithmic axes; points with a coordinate that is not positive are left out.
    pub(crate) fn log(mut self, x: bool, y: bool) -> Self {
        self.log_x = x;
        self.log_y = y;
        self
    }

    pub(crate) fn series(
        mut self,
        label: &str,
        style: Style,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> Self {
        let points = points
            .into_iter()
            .filter(|&(x, y)| {
                x.is_finite()
                    && y.is_finite()
                    && (!self.log_x || x > 0.0)
                    && (!self.log_y || y > 0.0)
            })
            .collect();
        self.series.push((label.to_string(), style, points));
        self
    }

    /// Writes the SVG and notes where (or why not) under the topic.
    pub(crate) fn save(self, checks: &Checks) {
        let path = folder().join(self.file);
        let written = std::fs::create_dir_all(folder())
            .map_err(Into::into)
            .and_then(|()| self.draw(&path));
        let mut saved = SAVED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match written {
            Ok(()) => {
                checks.note(&format!("figure: {}", path.display()));
                saved.0.push(path);
            }
            Err(error) => {
                checks.note(&format!("could not write {}: {error}", path.display()));
                saved.1 += 1;
            }
        }
    }

    /// The range of the x (or y) coordinates, widened a little (to whole decades on a log axis).
    fn range(&self, y: bool) -> (f64, f64) {
        let values = self
            .series
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(move |p| if y { p.1 } else { p.0 }));
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !low.is_finite() {
            return (1.0, 10.0);
        }
        if (y && self.log_y) || (!y && self.log_x) {
            (
                10f64.powf(low.log10().floor()),
                10f64.powf(high.log10().ceil()),
            )
        } else {
            let pad = 0.05 * (high - low).max(1e-12);
            (low - pad, high + pad)
        }
    }

    /// Draws the figure with its legend inside the plotting area where it hides no data, or
    /// else below the chart, and writes the SVG.
    fn draw(&self, path: &Path) -> Result<(), Box<dyn Error>> {
        let svg = match self.render(Legend::Inside)? {
            Some(svg) => svg,
            None => self
                .render(Legend::Below)?
                .ok_or("no place for the legend")?,
        };
        std::fs::write(path, svg)?;
        Ok(())
    }

    /// The SVG with the legend placed as asked, `None` if there is no room for it there.
    fn render(&self, legend: Legend) -> Result<Option<String>, Box<dyn Error>> {
        let ((x0, x1), (y0, y1)) = (self.range(false), self.range(true));
        match (self.log_x, self.log_y) {
            (false, false) => self.render_on(legend, x0..x1, y0..y1),
            (true, false) => self.render_on(legend, (x0..x1).log_scale(), y0..y1),
            (false, true) => self.render_on(legend, x0..x1, (y0..y1).log_scale()),
            (true, true) => self.render_on(legend, (x0..x1).log_scale(), (y0..y1).log_scale()),
        }
    }

    fn render_on<X, Y>(&self, legend: Legend, x: X, y: Y) -> Result<Option<String>, Box<dyn Error>>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let strip = match legend {
            Legend::Inside => 0,
            Legend::Below => legend::strip_height(&self.series, SIZE.0),
        };
        let mut svg = String::new();
        {
            let root =
                SVGBackend::with_string(&mut svg, (SIZE.0, SIZE.1 + strip)).into_drawing_area();
            root.fill(&WHITE)?;
            let (top, bottom) = root.split_vertically(SIZE.1);
            let mut chart = ChartBuilder::on(&top)
                .caption(&self.title, ("sans-serif", 22))
                .margin(16)
                .x_label_area_size(44)
                .y_label_area_size(72)
                .build_cartesian_2d(x, y)?;
            let (x_format, y_format) = (tick_format(self.log_x), tick_format(self.log_y));
            chart
                .configure_mesh()
                .x_label_formatter(&x_format)
                .y_label_formatter(&y_format)
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 16))
                .light_line_style(RGBColor(235, 235, 235))
                .bold_line_style(RGBColor(215, 215, 215))
                .draw()?;
            for (i, (_, style, points)) in self.series.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let points = points.iter().copied();
                match style {
                    Style::Line => {
                        chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?;
                    }
                    Style::Dashed => {
                        chart.draw_series(DashedLineSeries::new(
                            points,
                            legend::DASH.0,
                            legend::DASH.1,
                            color.stroke_width(2),
                        ))?;
                    }
                    Style::Points => {
                        chart.draw_series(
                            points.map(|p| Circle::new(p, legend::DOT, color.filled())),
                        )?;
                    }
                }
            }
            match legend {
                Legend::Inside => {
                    let (xs, ys) = chart.plotting_area().get_pixel_range();
                    let area = Rect {
                        left: xs.start,
                        top: ys.start,
                        right: xs.end,
                        bottom: ys.end,
                    };
                    let to_pixel = |p: (f64, f64)| chart.backend_coord(&p);
                    let Some(frame) = legend::free_spot(&self.series, to_pixel, area) else {
                        return Ok(None);
                    };
                    legend::draw(&root, &self.series, frame, 1)?;
                }
                Legend::Below => legend::draw_below(&bottom, &self.series)?,
            }
            root.present()?;
        }
        Ok(Some(svg))
    }
}

/// Where a figure's legend goes.
#[derive(Clone, Copy)]
enum Legend {
    /// In the plotting area, at a spot where it hides no data.
    Inside,
    /// In a strip below the chart.
    Below,
}

/// Tick labels: 1e-5 for the decades of a log axis, the shortest of up to six decimals otherwise.
fn tick_format(log: bool) -> impl Fn(&f64) -> String {
    move |&v| {
        let decade = v.log10().round();
        if log && (v.log10() - decade).abs() < 1e-9 {
            return format!("1e{}", decade as i32);
        }
        let text = format!("{v:.6}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" { "0" } else { text }.to_string()
    }
}

/// f(x) = sin(x)·eˣ, the function of lecture 3.2.
#[differentiate]
fn sin_exp(x: f64) -> f64 {
    x.sin() * x.exp()
}

/// The least-squares slope of log₁₀ e against log₁₀ h over the steps in [from, to].
fn slope(steps: &[f64], errors: &[f64], from: f64, to: f64) -> f64 {
    let points: Vec<(f64, f64)> = steps
        .iter()
        .zip(errors)
        .filter(|&(&h, &e)| h >= from && h <= to && e > 0.0)
        .map(|(h, e)| (h.log10(), e.log10()))
        .collect();
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), p| (sx + p.0 / n, sy + p.1 / n));
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}

/// The figures: the error of forward and central differences against the step (lecture 3.2),
/// with the slopes of its two regimes checked, then the folder and every figure of the tour.
pub(crate) fn figures(checks: &mut Checks) {
    let x = 1.0;
    let (_, exact) = sin_exp_grad(x);
    let steps: Vec<f64> = (0..=60).map(|k| 10f64.powf(-k as f64 / 4.0)).collect();
    let error = |d: f64| ((d - exact) / exact).abs();
    let forward: Vec<f64> = steps
        .iter()
        .map(|&h| {
            error(check::forward_difference(
                |x: &f64| sin_exp(*x),
                &x,
                &1.0,
                h,
            ))
        })
        .collect();
    let central: Vec<f64> = steps
        .iter()
        .map(|&h| {
            error(check::central_difference(
                |x: &f64| sin_exp(*x),
                &x,
                &1.0,
                h,
            ))
        })
        .collect();

    checks.close(
        "forward difference: slope of log error, h ∈ [1e-5, 1e-2]",
        &slope(&steps, &forward, 1e-5, 1e-2),
        &1.0,
        0.02,
    );
    checks.close(
        "central difference: slope of log error, h ∈ [1e-3, 1e-1]",
        &slope(&steps, &central, 1e-3, 1e-1),
        &2.0,
        0.02,
    );
    checks.close(
        "both: slope of log error (roundoff), h ∈ [1e-15, 1e-11]",
        &slope(
            &[steps.as_slice(), steps.as_slice()].concat(),
            &[forward.as_slice(), central.as_slice()].concat(),
            1e-15,
            1e-11,
        ),
        &-1.0,
        0.25,
    );

    // Guides of slope 1, 2 and −1, drawn where they meet the errors' range.
    let guide = |g: fn(f64) -> f64| {
        steps
            .iter()
            .map(move |&h| (h, g(h)))
            .filter(|&(_, e)| (1e-17..=10.0).contains(&e))
    };
    Figure::new(
        "finite_differences.svg",
        "Finite differences of sin(x)·eˣ at x = 1: relative error",
    )
    .labels("step h", "relative error")
    .log(true, true)
    .series(
        "forward (f(x+h) − f(x))/h",
        Style::Line,
        steps.iter().copied().zip(forward),
    )
    .series(
        "central (f(x+h) − f(x−h))/2h",
        Style::Line,
        steps.iter().copied().zip(central),
    )
    .series("guide: h", Style::Dashed, guide(|h| h))
    .series("guide: h²", Style::Dashed, guide(|h| h * h))
    .series("guide: ε/h", Style::Dashed, guide(|h| f64::EPSILON / h))
    .save(checks);

    let saved = SAVED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (written, failed) = (saved.0.len(), saved.1);
    checks.close(
        "SVG figures written vs requested",
        &(written as f64),
        &((written + failed) as f64),
        0.0,
    );
    checks.note(&format!(
        "the tour's figures are in {}/: {}",
        folder().display(),
        saved
            .0
            .iter()
            .filter_map(|path| path.file_name()?.to_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
}
