//! The legend of a figure, drawn by hand so that it goes where it hides no data: inside the
//! plotting area, in the first of the usual spots (upper right, upper left, lower right, ...)
//! that no series comes near, or else in a strip below the chart. Each entry shows its series
//! as it is drawn: a line, a dashed line or a dot.

use super::{PALETTE, Series, Style};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::error::Error;

/// The font of the entries, its size in pixels.
const FONT: (&str, u32) = ("sans-serif", 15);
/// The height of an entry.
const ROW: i32 = 22;
/// The width of the sample of a series.
const SAMPLE: i32 = 24;
/// The space inside the frame and between the sample and the label.
const PAD: i32 = 8;
/// The least distance from the legend to any data, and to the edges of the plotting area.
const CLEARANCE: i32 = 8;
/// The radius of a point of a [`Style::Points`] series, in the chart and in the legend.
pub(super) const DOT: i32 = 3;
/// The dashes of a [`Style::Dashed`] series, in the chart and in the legend: length and gap.
pub(super) const DASH: (i32, i32) = (8, 5);

/// A rectangle in pixels, edges included.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rect {
    pub(super) left: i32,
    pub(super) top: i32,
    pub(super) right: i32,
    pub(super) bottom: i32,
}

impl Rect {
    fn grown(self, by: i32) -> Rect {
        Rect {
            left: self.left - by,
            top: self.top - by,
            right: self.right + by,
            bottom: self.bottom + by,
        }
    }

    fn contains(&self, (x, y): (f64, f64)) -> bool {
        (f64::from(self.left)..=f64::from(self.right)).contains(&x)
            && (f64::from(self.top)..=f64::from(self.bottom)).contains(&y)
    }

    /// Whether the segment from `a` to `b` meets the rectangle (Liang–Barsky: the part of the
    /// segment inside each of the four half-planes, intersected, is not empty).
    fn meets(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut enter, mut leave) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, a.0 - f64::from(self.left)),
            (dx, f64::from(self.right) - a.0),
            (-dy, a.1 - f64::from(self.top)),
            (dy, f64::from(self.bottom) - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false; // parallel to this edge and outside it
                }
            } else if p < 0.0 {
                enter = enter.max(q / p);
            } else {
                leave = leave.min(q / p);
            }
        }
        enter <= leave
    }
}

/// The width of a label as a renderer draws it, overestimated: plotters's SVG backend cannot
/// measure text, and the average character of a sans-serif font is narrower than 0.55 em.
fn label_width(label: &str) -> i32 {
    (label.chars().count() as f64 * 0.55 * f64::from(FONT.1)).ceil() as i32
}

/// The width of one entry: sample, label and the space around them.
fn entry_width(series: &[Series]) -> i32 {
    let widest = series.iter().map(|s| label_width(&s.0)).max().unwrap_or(0);
    PAD + SAMPLE + PAD + widest + PAD
}

/// The size of the frame of a legend with `columns` entries per row.
fn frame_size(series: &[Series], columns: usize) -> (i32, i32) {
    let rows = series.len().div_ceil(columns.max(1)) as i32;
    (columns as i32 * entry_width(series), 2 * PAD + rows * ROW)
}

/// The frame of the legend in the plotting area `area`, in the first of the usual spots where
/// it keeps its clearance from every series, whose points `to_pixel` maps to the backend's
/// pixels; `None` if there is no such spot.
pub(super) fn free_spot(
    series: &[Series],
    to_pixel: impl Fn((f64, f64)) -> (i32, i32),
    area: Rect,
) -> Option<Rect> {
    let (width, height) = frame_size(series, 1);
    let pixels: Vec<(Style, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(_, style, points)| {
            let pixels = points
                .iter()
                .map(|&p| {
                    let (x, y) = to_pixel(p);
                    (f64::from(x), f64::from(y))
                })
                .collect();
            (*style, pixels)
        })
        .collect();
    let (left, right) = (area.left + CLEARANCE, area.right - CLEARANCE - width);
    let (top, bottom) = (area.top + CLEARANCE, area.bottom - CLEARANCE - height);
    let (center, middle) = (
        (area.left + area.right - width) / 2,
        (area.top + area.bottom - height) / 2,
    );
    [
        (right, top),
        (left, top),
        (right, bottom),
        (left, bottom),
        (center, top),
        (center, bottom),
        (right, middle),
        (left, middle),
    ]
    .into_iter()
    .map(|(x, y)| Rect {
        left: x,
        top: y,
        right: x + width,
        bottom: y + height,
    })
    .find(|spot| {
        let keep_out = spot.grown(CLEARANCE);
        spot.left >= area.left
            && spot.top >= area.top
            && spot.right <= area.right
            && spot.bottom <= area.bottom
            && pixels.iter().all(|(style, points)| match style {
                Style::Points => !points.iter().any(|&p| keep_out.grown(DOT).contains(p)),
                Style::Line | Style::Dashed => {
                    !points
                        .windows(2)
                        .any(|pair| keep_out.meets(pair[0], pair[1]))
                        && !points.iter().any(|&p| keep_out.contains(p))
                }
            })
    })
}

/// The height of the strip below the chart that holds the legend, for a figure `width` wide.
pub(super) fn strip_height(series: &[Series], width: u32) -> u32 {
    let (_, height) = frame_size(series, strip_columns(series, width));
    (height + 2 * CLEARANCE) as u32
}

/// As many entries per row as fit across the figure.
fn strip_columns(series: &[Series], width: u32) -> usize {
    let fit = (width as i32 - 2 * CLEARANCE) / entry_width(series);
    (fit.max(1) as usize).min(series.len().max(1))
}

/// Draws the legend centered in `strip`, an area below the chart, with as many entries per row
/// as fit.
pub(super) fn draw_below<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    series: &[Series],
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let (width, _) = strip.dim_in_pixel();
    let columns = strip_columns(series, width);
    let (frame_width, frame_height) = frame_size(series, columns);
    let left = (width as i32 - frame_width) / 2;
    let frame = Rect {
        left,
        top: CLEARANCE,
        right: left + frame_width,
        bottom: CLEARANCE + frame_height,
    };
    draw(strip, series, frame, columns)
}

/// Draws the legend in `frame` of `area`, `columns` entries per row (one in a spot that
/// [`free_spot`] found).
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
    frame: Rect,
    columns: usize,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    area.draw(&Rectangle::new(
        [(frame.left, frame.top), (frame.right, frame.bottom)],
        WHITE.mix(0.9).filled(),
    ))?;
    area.draw(&Rectangle::new(
        [(frame.left, frame.top), (frame.right, frame.bottom)],
        RGBColor(180, 180, 180),
    ))?;
    let text = TextStyle::from(FONT.into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let entry = entry_width(series);
    for (i, (label, style, _)) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let x = frame.left + (i % columns) as i32 * entry + PAD;
        let y = frame.top + PAD + (i / columns) as i32 * ROW + ROW / 2;
        match style {
            Style::Line => area.draw(&PathElement::new(
                vec![(x, y), (x + SAMPLE, y)],
                color.stroke_width(3),
            ))?,
            Style::Dashed => {
                for start in (0..SAMPLE).step_by((DASH.0 + DASH.1) as usize) {
                    let end = (start + DASH.0).min(SAMPLE);
                    area.draw(&PathElement::new(
                        vec![(x + start, y), (x + end, y)],
                        color.stroke_width(2),
                    ))?;
                }
            }
            Style::Points => {
                area.draw(&Circle::new((x + SAMPLE / 2, y), DOT, color.filled()))?;
            }
        }
        area.draw(&Text::new(
            label.as_str(),
            (x + SAMPLE + PAD, y),
            text.clone(),
        ))?;
    }
    Ok(())
}
