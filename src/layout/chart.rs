//! A weekly chart for the `plan` and `report` pages (`templates/chart.html`): bars and lines
//! over ISO weeks, a value axis from 0 to a round number, limits as dashed lines, a legend, and
//! the same figures as a table under it for readers who cannot see the picture. This module
//! only places things; the template draws them and the stylesheet colours them.

use crate::i18n::Language;

/// A series of a weekly chart.
pub struct Series<'a> {
    /// Its name in the legend.
    pub name: String,
    /// One value a week.
    pub values: &'a [u32],
    /// Bars, or a line.
    pub bars: bool,
    /// Its colour, 1 to 4 (the stylesheet's `.s1` … `.s4`).
    pub colour: u8,
    /// A proposal beside what is in force: lighter bars, a dashed line.
    pub proposed: bool,
}

/// A chart's width in SVG units (it scales to the page).
const WIDTH: f64 = 1000.0;
/// A chart's height in SVG units.
const HEIGHT: f64 = 230.0;
/// Room left of the plot for the value axis.
const LEFT: f64 = 64.0;
/// Room right of the plot.
const RIGHT: f64 = 34.0;
/// Room above the plot for the title and the legend.
const TOP: f64 = 28.0;
/// Room below the plot for the week labels.
const BOTTOM: f64 = 40.0;
/// At most this many week labels under the axis (every n-th week past it).
const WEEK_LABELS: usize = 13;

/// A chart placed, for `templates/chart.html`. Coordinates are written with one decimal.
#[derive(Debug)]
pub struct Chart {
    /// Its title, also the picture's accessible name.
    pub title: String,
    /// The viewBox's width.
    pub width: String,
    /// The viewBox's height.
    pub height: String,
    /// Where the plot starts.
    pub left: String,
    /// Where the plot ends.
    pub right: String,
    /// The value axis's lines and labels.
    pub ticks: Vec<Tick>,
    /// The labels under the plot.
    pub week_labels: Vec<Label>,
    /// Every bar of every bar series.
    pub bars: Vec<Bar>,
    /// Every line series.
    pub lines: Vec<Line>,
    /// Limits (a unit's weekly capacity).
    pub limits: Vec<Limit>,
    /// The legend, right-aligned above the plot.
    pub legend: Vec<Key>,
    /// The summary line of the table under the chart.
    pub table_summary: String,
    /// The table's first column.
    pub week_heading: String,
    /// The table's other columns.
    pub series_names: Vec<String>,
    /// A row a week.
    pub rows: Vec<Row>,
}

/// A line of the value axis.
#[derive(Debug)]
pub struct Tick {
    /// Its height.
    pub y: String,
    /// Its value, written in the page's language.
    pub label: String,
    /// Where the value stands.
    pub label_x: String,
    /// Where the value stands.
    pub label_y: String,
}

/// A text placed on the chart.
#[derive(Debug)]
pub struct Label {
    /// Where.
    pub x: String,
    /// Where.
    pub y: String,
    /// What.
    pub text: String,
}

/// One week's bar of a series.
#[derive(Debug)]
pub struct Bar {
    /// The series' colour class.
    pub class: String,
    /// Where and how big.
    pub x: String,
    /// Where and how big.
    pub y: String,
    /// Where and how big.
    pub width: String,
    /// Where and how big.
    pub height: String,
    /// A proposal's bar.
    pub faint: bool,
    /// The series, week and value, shown on hover.
    pub tip: String,
}

/// A line series.
#[derive(Debug)]
pub struct Line {
    /// Its classes.
    pub class: String,
    /// `x,y x,y …`.
    pub points: String,
}

/// A limit drawn across the plot.
#[derive(Debug)]
pub struct Limit {
    /// Its height.
    pub y: String,
    /// What it is and its value.
    pub label: String,
    /// Where its label stands.
    pub label_x: String,
    /// Where its label stands.
    pub label_y: String,
}

/// A legend entry.
#[derive(Debug)]
pub struct Key {
    /// A square (bars) or a stroke (a line).
    pub bar: bool,
    /// Its colour class.
    pub class: String,
    /// Where the mark starts.
    pub x: String,
    /// Where a line's mark ends.
    pub x_end: String,
    /// Where the name starts.
    pub text_x: String,
    /// The series' name.
    pub name: String,
}

/// A week of the table under the chart.
#[derive(Debug)]
pub struct Row {
    /// The week.
    pub week: String,
    /// Each series' value that week.
    pub values: Vec<String>,
}

fn at(v: f64) -> String {
    format!("{v:.1}")
}

impl Chart {
    /// A chart of `series` over the weeks `labels`, titled `title`, with `limits` (a name and a
    /// value) across it, its numbers and words in `lang`.
    pub fn new(
        lang: Language,
        title: String,
        labels: &[String],
        series: &[Series],
        limits: &[(String, u32)],
    ) -> Chart {
        let max = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .chain(limits.iter().map(|l| l.1))
            .max()
            .unwrap_or(0)
            .max(1);
        let top = nice_ceiling(max);
        let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        let n = labels.len().max(1) as f64;
        let x = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / n;
        let y = |v: u32| TOP + plot_h * (1.0 - f64::from(v) / f64::from(top));
        let ticks = (0..=4)
            .map(|step| {
                let v = top / 4 * step;
                Tick { y: at(y(v)), label: lang.number(v), label_x: at(LEFT - 6.0), label_y: at(y(v) + 4.0) }
            })
            .collect();
        let every = labels.len().div_ceil(WEEK_LABELS).max(1);
        let week_labels = labels
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, text)| Label { x: at(x(i)), y: at(HEIGHT - BOTTOM + 16.0), text: text.clone() })
            .collect();
        let bar_series: Vec<&Series> = series.iter().filter(|s| s.bars).collect();
        let slot = plot_w / n * 0.8 / bar_series.len().max(1) as f64;
        let mut bars = Vec::new();
        for (k, s) in bar_series.iter().enumerate() {
            for (i, v) in s.values.iter().enumerate() {
                bars.push(Bar {
                    class: format!("s{}", s.colour),
                    x: at(x(i) - plot_w / n * 0.4 + slot * k as f64),
                    y: at(y(*v)),
                    width: at(slot.max(0.5)),
                    height: at(y(0) - y(*v)),
                    faint: s.proposed,
                    tip: format!(
                        "{} {}: {}",
                        s.name,
                        labels.get(i).map_or("", String::as_str),
                        lang.number(*v)
                    ),
                });
            }
        }
        let lines = series
            .iter()
            .filter(|s| !s.bars)
            .map(|s| Line {
                class: format!("line s{}{}", s.colour, if s.proposed { " dashed" } else { "" }),
                points: s
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect();
        let limits = limits
            .iter()
            .map(|(name, v)| Limit {
                y: at(y(*v)),
                label: format!("{name}: {}", lang.number(*v)),
                label_x: at(LEFT + 4.0),
                // Above the line, unless that would run into the title: then under it.
                label_y: at(if y(*v) - 4.0 < TOP + 12.0 { y(*v) + 13.0 } else { y(*v) - 4.0 }),
            })
            .collect();
        let rows = labels
            .iter()
            .enumerate()
            .map(|(i, week)| Row {
                week: week.clone(),
                values: series
                    .iter()
                    .map(|s| s.values.get(i).map_or_else(String::new, |v| lang.number(*v)))
                    .collect(),
            })
            .collect();
        Chart {
            table_summary: lang.tr("chart-figures", &[("title", title.as_str().into())]),
            title,
            width: at(WIDTH),
            height: at(HEIGHT),
            left: at(LEFT),
            right: at(WIDTH - RIGHT),
            ticks,
            week_labels,
            bars,
            lines,
            limits,
            legend: legend(series),
            week_heading: lang.t("chart-week"),
            series_names: series.iter().map(|s| s.name.clone()).collect(),
            rows,
        }
    }
}

/// The legend, from the right edge leftwards, each entry as wide as its name.
fn legend(series: &[Series]) -> Vec<Key> {
    let mut at_x = WIDTH - RIGHT;
    let mut keys = Vec::new();
    for s in series.iter().rev() {
        at_x -= 16.0 + 7.0 * s.name.chars().count() as f64;
        let class = if s.bars {
            format!("s{}", s.colour)
        } else {
            format!("line s{}{}", s.colour, if s.proposed { " dashed" } else { "" })
        };
        keys.push(Key {
            bar: s.bars,
            class,
            x: at(at_x),
            x_end: at(at_x + 12.0),
            text_x: at(at_x + 16.0),
            name: s.name.clone(),
        });
        at_x -= 12.0;
    }
    keys.reverse();
    keys
}

/// The top of a value axis at or above `n`: four grid steps of 1, 2 or 5 times a power of ten.
fn nice_ceiling(n: u32) -> u32 {
    let mut power = 1u32;
    loop {
        for m in [1u32, 2, 5] {
            let step = m.saturating_mul(power);
            if step.saturating_mul(4) >= n {
                return step.saturating_mul(4);
            }
        }
        power = power.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_axis_ends_on_a_round_number() {
        assert_eq!(nice_ceiling(1), 4);
        assert_eq!(nice_ceiling(7), 8);
        assert_eq!(nice_ceiling(180), 200);
        assert_eq!(nice_ceiling(201), 400);
        assert_eq!(nice_ceiling(u32::MAX), u32::MAX);
    }

    #[test]
    fn a_year_of_weeks_shows_at_most_thirteen_labels_and_every_figure_in_the_table() {
        let labels: Vec<String> = (1..=52).map(|w| format!("2027-W{w:02}")).collect();
        let values: Vec<u32> = (0..52).map(|w| w * 100).collect();
        let series =
            [Series { name: "created".into(), values: &values, bars: true, colour: 1, proposed: false }];
        let chart = Chart::new(Language::Sv, "t".into(), &labels, &series, &[("cap".into(), 4000)]);
        assert!(chart.week_labels.len() <= WEEK_LABELS, "{}", chart.week_labels.len());
        assert_eq!(chart.rows.len(), 52);
        assert_eq!(chart.rows[51].values, ["5\u{a0}100"]);
        assert_eq!(chart.limits[0].label, "cap: 4\u{a0}000");
        assert_eq!(chart.ticks.last().map(|t| t.label.as_str()), Some("8\u{a0}000"));
    }
}
