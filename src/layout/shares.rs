//! A chart of shares for the `report` page (`templates/shares.html`): a horizontal bar per row
//! (what each cause yielded), split into parts that together make 100 %, a percentage axis, a
//! legend, and beside each bar what it is a share of. Rows with nothing to share keep their
//! empty frame, so a cause that yielded nothing is seen to. This module only places things; the
//! template draws them and the stylesheet colours them.

use crate::i18n::Language;

/// A part every bar is split into (an outcome).
pub struct Part {
    /// Its name in the legend.
    pub name: String,
    /// Its colour, 1 to 4 (the stylesheet's `.s1` … `.s4`).
    pub colour: u8,
}

/// A bar: its label, each part's count (in the order of the parts), and the words beside it.
pub struct Shares {
    /// What the bar is of (a cause).
    pub label: String,
    /// Each part's count.
    pub counts: Vec<u64>,
    /// Beside the bar: what the shares are of.
    pub note: String,
}

/// A chart's width in SVG units (it scales to the page).
const WIDTH: f64 = 1000.0;
/// Room left of the bars for their labels.
const LEFT: f64 = 230.0;
/// Room right of the bars for their notes.
const RIGHT: f64 = 240.0;
/// Room above the bars for the title and the legend.
const TOP: f64 = 50.0;
/// Room below the bars for the percentage axis.
const BOTTOM: f64 = 26.0;
/// The height of a row, and of its bar within it.
const ROW: f64 = 28.0;
const BAR: f64 = 18.0;

/// A chart placed, for `templates/shares.html`. Coordinates are written with one decimal.
#[derive(Debug)]
pub struct ShareChart {
    /// Its title, also the picture's accessible name.
    pub title: String,
    /// The viewBox's width.
    pub width: String,
    /// The viewBox's height.
    pub height: String,
    /// Where the bars start.
    pub left: String,
    /// The axis's lines and labels: 0, 25, 50, 75 and 100 %.
    pub ticks: Vec<Tick>,
    /// A bar a row.
    pub rows: Vec<Row>,
    /// The legend, left-aligned under the title.
    pub legend: Vec<Key>,
}

/// A line of the percentage axis.
#[derive(Debug)]
pub struct Tick {
    /// Where.
    pub x: String,
    /// Its top and bottom.
    pub y1: String,
    /// Its top and bottom.
    pub y2: String,
    /// Where its label stands.
    pub label_y: String,
    /// The percentage, written in the page's language.
    pub label: String,
}

/// One row: a label, the bar's frame, its parts and a note.
#[derive(Debug)]
pub struct Row {
    /// What the bar is of.
    pub label: String,
    /// Where the label ends (right-aligned).
    pub label_x: String,
    /// The baseline of the label and the note.
    pub text_y: String,
    /// The frame's top.
    pub y: String,
    /// The frame's width (the whole plot).
    pub frame_width: String,
    /// The bar's height.
    pub height: String,
    /// Its parts with something in them.
    pub parts: Vec<Segment>,
    /// Beside the bar.
    pub note: String,
    /// Where the note starts.
    pub note_x: String,
}

/// A part of a bar.
#[derive(Debug)]
pub struct Segment {
    /// The part's colour class.
    pub class: String,
    /// Where it starts.
    pub x: String,
    /// How wide.
    pub width: String,
    /// The part, its count and share, shown on hover.
    pub tip: String,
}

/// A legend entry.
#[derive(Debug)]
pub struct Key {
    /// Its colour class.
    pub class: String,
    /// Where the square stands.
    pub x: String,
    /// Where the name starts.
    pub text_x: String,
    /// The part's name.
    pub name: String,
}

fn at(v: f64) -> String {
    format!("{v:.1}")
}

impl ShareChart {
    /// A chart of `bars` split into `parts`, titled `title`, its numbers in `lang`.
    pub fn new(lang: Language, title: String, parts: &[Part], bars: &[Shares]) -> ShareChart {
        let plot = WIDTH - LEFT - RIGHT;
        let bottom = TOP + ROW * bars.len() as f64;
        let ticks = (0..=4)
            .map(|q| {
                let share = f64::from(q) / 4.0;
                Tick {
                    x: at(LEFT + plot * share),
                    y1: at(TOP - 4.0),
                    y2: at(bottom),
                    label_y: at(bottom + 16.0),
                    label: lang.percent(share),
                }
            })
            .collect();
        let rows = bars
            .iter()
            .enumerate()
            .map(|(i, bar)| {
                let top = TOP + ROW * i as f64 + (ROW - BAR) / 2.0;
                let total: u64 = bar.counts.iter().sum();
                let mut x = LEFT;
                let mut segments = Vec::new();
                for (part, n) in parts.iter().zip(&bar.counts) {
                    if *n == 0 {
                        continue;
                    }
                    let share = *n as f64 / total as f64;
                    let width = plot * share;
                    segments.push(Segment {
                        class: format!("s{}", part.colour),
                        x: at(x),
                        width: at(width),
                        tip: format!(
                            "{}: {} {} ({})",
                            bar.label,
                            part.name,
                            lang.number(*n),
                            lang.percent(share)
                        ),
                    });
                    x += width;
                }
                Row {
                    label: bar.label.clone(),
                    label_x: at(LEFT - 8.0),
                    text_y: at(top + BAR / 2.0 + 4.0),
                    y: at(top),
                    frame_width: at(plot),
                    height: at(BAR),
                    parts: segments,
                    note: bar.note.clone(),
                    note_x: at(WIDTH - RIGHT + 8.0),
                }
            })
            .collect();
        ShareChart {
            title,
            width: at(WIDTH),
            height: at(bottom + BOTTOM),
            left: at(LEFT),
            ticks,
            rows,
            legend: legend(parts),
        }
    }
}

/// The legend, from the left edge of the bars rightwards, each entry as wide as its name.
fn legend(parts: &[Part]) -> Vec<Key> {
    let mut x = LEFT;
    parts
        .iter()
        .map(|p| {
            let key =
                Key { class: format!("s{}", p.colour), x: at(x), text_x: at(x + 16.0), name: p.name.clone() };
            x += 16.0 + 7.0 * p.name.chars().count() as f64 + 16.0;
            key
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> Vec<Part> {
        vec![Part { name: "yes".into(), colour: 2 }, Part { name: "no".into(), colour: 1 }]
    }

    #[test]
    fn a_bar_is_split_by_share_and_its_parts_fill_the_plot() {
        let bars = [
            Shares { label: "a".into(), counts: vec![1, 3], note: "4".into() },
            Shares { label: "b".into(), counts: vec![0, 0], note: "none".into() },
        ];
        let c = ShareChart::new(Language::En, "t".into(), &parts(), &bars);
        let a = &c.rows[0];
        let widths: Vec<&str> = a.parts.iter().map(|s| s.width.as_str()).collect();
        assert_eq!(widths, ["132.5", "397.5"], "a quarter and three quarters of 530");
        assert_eq!((a.parts[1].x.as_str(), a.parts[1].class.as_str()), ("362.5", "s1"));
        assert_eq!(a.parts[0].tip, "a: yes 1 (25%)");
        assert!(c.rows[1].parts.is_empty(), "nothing to share: the frame alone");
        assert_eq!(c.rows[1].frame_width, "530.0");
        assert_eq!(
            c.ticks.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
            ["0%", "25%", "50%", "75%", "100%"]
        );
        assert_eq!(c.height, at(TOP + 2.0 * ROW + BOTTOM));
    }

    #[test]
    fn a_part_with_nothing_in_it_is_not_drawn_and_the_legend_follows_the_parts() {
        let bars = [Shares { label: "a".into(), counts: vec![0, 2], note: String::new() }];
        let c = ShareChart::new(Language::Sv, "t".into(), &parts(), &bars);
        assert_eq!(c.rows[0].parts.len(), 1);
        assert_eq!(c.rows[0].parts[0].tip, "a: no 2 (100\u{a0}%)");
        assert_eq!(c.legend.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["yes", "no"]);
        assert_eq!(c.legend[1].x, at(LEFT + 16.0 + 21.0 + 16.0));
    }
}
