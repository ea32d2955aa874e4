//! What the `plan` and `report` pages share: one self-contained HTML page (inline styles and
//! SVG, no script, nothing fetched), a weekly chart, and CSV cells a spreadsheet never runs.

use std::fmt::Write;

/// Escapes text for HTML, as the digest does.
pub use crate::mail::escape_html as escape;

/// One CSV cell: quoted when it holds a comma, quote or line break, and neutralised with a
/// leading `'` when it starts like a formula (`=`, `+`, `-`, `@`, tab or carriage return), so
/// that a spreadsheet shows it instead of running it.
pub fn csv_cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A CSV line of cells, ended by CRLF as RFC 4180 has it.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells.iter().map(|c| csv_cell(c.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The page around `body`: a title, a line under it, and styles that read on screen at 1280 px
/// and print on A4.
pub fn page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n<header><h1>{t}</h1>\n<p class=\"sub\">{s}</p></header>\n{body}</body>\n</html>\n",
        t = escape(title),
        s = escape(subtitle),
    )
}

/// The pages' styles: system fonts only, tables and charts that keep together on paper.
const STYLE: &str = "body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; color: #1f2328; \
margin: 24px auto; max-width: 1180px; padding: 0 16px; line-height: 1.4; }\n\
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }\n\
h3 { font-size: 16px; margin: 18px 0 6px; } .sub { color: #57606a; margin: 0 0 16px; }\n\
.note { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }\n\
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; } th, td { padding: 4px 10px; border-bottom: 1px solid #d8dee4; text-align: right; }\n\
th:first-child, td:first-child, td.text, th.text { text-align: left; } th { background: #f6f8fa; }\n\
.unit { break-inside: avoid; page-break-inside: avoid; margin-bottom: 24px; } svg { width: 100%; height: auto; }\n\
dl { font-size: 14px; } dt { font-weight: 600; margin-top: 8px; } dd { margin: 2px 0 0 16px; color: #424a53; }\n\
@media print { body { margin: 0; max-width: none; font-size: 11pt; } h2 { break-after: avoid; } @page { size: A4; margin: 14mm; } }\n";

/// A series of a weekly chart.
pub struct Series<'a> {
    /// Its name in the legend.
    pub name: &'a str,
    /// One value a week.
    pub values: &'a [u32],
    /// Bars, or a line.
    pub bars: bool,
    /// Its colour.
    pub color: &'a str,
    /// Drawn dashed (a proposal beside what is in force).
    pub dashed: bool,
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

/// A weekly chart of `series` over the weeks `labels`, with a title, a value axis from 0, and
/// `limits` drawn as grey dashed lines (a unit's weekly capacity).
pub fn chart(title: &str, labels: &[String], series: &[Series], limits: &[(&str, u32)]) -> String {
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
    let mut svg = format!(
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
         <text x=\"{LEFT}\" y=\"16\" font-size=\"14\" font-weight=\"600\" fill=\"#1f2328\">{t}</text>\n",
        t = escape(title)
    );
    for step in 0..=4 {
        let v = top * step / 4;
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d8dee4\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">{v}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            y = y(v)
        );
    }
    let every = (labels.len() / 13).max(1);
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">{}</text>",
            x(i),
            HEIGHT - BOTTOM + 16.0,
            escape(label)
        );
    }
    let bar_series: Vec<&Series> = series.iter().filter(|s| s.bars).collect();
    let slot = plot_w / n * 0.8 / bar_series.len().max(1) as f64;
    for (k, s) in bar_series.iter().enumerate() {
        for (i, v) in s.values.iter().enumerate() {
            let left = x(i) - plot_w / n * 0.4 + slot * k as f64;
            let _ = writeln!(
                svg,
                "<rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"{}><title>{}: {v}</title></rect>",
                y(*v),
                slot.max(0.5),
                y(0) - y(*v),
                s.color,
                if s.dashed { " fill-opacity=\"0.55\"" } else { "" },
                escape(&format!("{} {}", s.name, labels.get(i).map_or("", String::as_str)))
            );
        }
    }
    for s in series.iter().filter(|s| !s.bars) {
        let points: Vec<String> =
            s.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\"{}/>",
            points.join(" "),
            s.color,
            if s.dashed { " stroke-dasharray=\"7 5\"" } else { "" }
        );
    }
    for (label, v) in limits {
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#6e7781\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#57606a\">{}</text>",
            WIDTH - RIGHT,
            LEFT + 4.0,
            y(*v) - 4.0,
            escape(label),
            y = y(*v)
        );
    }
    legend(&mut svg, series);
    svg.push_str("</svg>\n");
    svg
}

fn legend(svg: &mut String, series: &[Series]) {
    let mut at = WIDTH - RIGHT;
    for s in series.iter().rev() {
        at -= 16.0 + 7.0 * s.name.chars().count() as f64;
        let mark = if s.bars {
            format!("<rect x=\"{at:.1}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/>", s.color)
        } else {
            format!(
                "<line x1=\"{at:.1}\" x2=\"{:.1}\" y1=\"12\" y2=\"12\" stroke=\"{}\" stroke-width=\"2.5\"{}/>",
                at + 12.0,
                s.color,
                if s.dashed { " stroke-dasharray=\"4 3\"" } else { "" }
            )
        };
        let _ = writeln!(
            svg,
            "{mark}<text x=\"{:.1}\" y=\"16\" font-size=\"12\" fill=\"#1f2328\">{}</text>",
            at + 16.0,
            escape(s.name)
        );
        at -= 12.0;
    }
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
    fn csv_cells_that_look_like_formulas_are_neutralised_and_quoted_when_needed() {
        assert_eq!(csv_cell("study"), "study");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+46"), "'+46");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_line(&["a", "b"]), "a,b\r\n");
    }

    #[test]
    fn the_value_axis_ends_on_a_round_number() {
        assert_eq!(nice_ceiling(1), 4);
        assert_eq!(nice_ceiling(7), 8);
        assert_eq!(nice_ceiling(180), 200);
        assert_eq!(nice_ceiling(201), 400);
        assert_eq!(nice_ceiling(u32::MAX), u32::MAX);
    }
}
