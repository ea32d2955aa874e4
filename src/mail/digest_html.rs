//! The HTML part of a digest: the same sections as the text part, as tables in a column at
//! most 600 px wide. Styles are inline only, since mail clients strip `<style>`; no text or
//! background colour is set but on the badges, so a client in dark mode keeps its own light
//! text on a dark ground, and the accents are mid-tones that read on either. The markup is
//! well-formed XML (every element closed, `<br />`), which the tests check, and every text
//! is escaped.

use super::digest::{
    groups, heading, overdue_left_out, overdue_note, period, recipients_note, subject, summary, title,
    DigestInput, DigestTask, OUTCOMES, PRIVACY_NOTE,
};
use crate::domain::policy::Priority;
use std::fmt::Write as _;

/// The column that holds the mail: the width mail clients and phones show whole.
const BODY: &str = "max-width:600px;margin:0 auto;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;";
const TABLE: &str = "width:100%;border-collapse:collapse;margin:0 0 8px 0;";
const TH: &str = "font-size:12px;text-transform:uppercase;letter-spacing:0.04em;padding:4px 8px 4px 0;border-bottom:2px solid #8a8a8a;";
const TD: &str = "padding:8px 8px 8px 0;border-bottom:1px solid #8a8a8a;vertical-align:top;";
/// The permit column: a long id breaks rather than widening the mail past 600 px.
const TD_PERMIT: &str = "width:32%;word-break:break-all;";
const TD_DUE: &str = "width:22%;text-align:right;white-space:nowrap;padding-right:0;";
const SMALL: &str = "font-size:13px;";
/// White on a red that reads the same in light and dark mode (contrast 5.6:1).
const BADGE: &str = "display:inline-block;background-color:#c62828;color:#ffffff;border-radius:3px;padding:0 6px;font-size:12px;white-space:nowrap;";
const FOOTER: &str = "margin-top:24px;padding-top:8px;border-top:1px solid #8a8a8a;font-size:13px;";
/// The accent of the Overdue section.
const OVERDUE_ACCENT: &str = "#c62828";

/// The whole HTML document. Writing to a `String` cannot fail, so results are dropped.
pub(super) fn html(input: &DigestInput, tasks: &[&DigestTask]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta name=\"color-scheme\" content=\"light dark\" />\n\
         <meta name=\"supported-color-schemes\" content=\"light dark\" />\n<title>{}</title>\n</head>\n\
         <body style=\"margin:0;padding:0;\">\n<div style=\"{BODY}\">\n\
         <h1 style=\"font-size:20px;line-height:1.3;margin:0 0 4px 0;\">{}</h1>\n<p style=\"margin:0 0 8px 0;\">{}</p>\n",
        escape(&subject(input)),
        escape(&title(input)),
        escape(&summary(input, tasks)),
    );
    for (priority, group) in groups(tasks) {
        section_heading(&mut out, &format!("{} ({})", heading(priority), group.len()), accent(priority));
        table_start(&mut out, "What and why");
        for task in group {
            let mut what = cause_and_reason(task);
            let _ = write!(
                what,
                "<br />\n<span style=\"{SMALL}\">Legal basis: {}</span>",
                escape(&task.legal_basis)
            );
            row(&mut out, input, task, &what);
        }
        out.push_str("</tbody>\n</table>\n");
    }
    overdue(&mut out, input);
    footer(&mut out, input);
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

/// The Overdue section, most overdue first, then how many more.
fn overdue(out: &mut String, input: &DigestInput) {
    section_heading(out, &format!("Overdue ({})", input.overdue_total), OVERDUE_ACCENT);
    if input.overdue_total == 0 {
        out.push_str(
            "<p style=\"margin:0;\">None: every open task of the unit is within its due date.</p>\n",
        );
        return;
    }
    table_start(out, "What and why");
    for task in input.overdue {
        let what = format!(
            "{}<br />\n<span style=\"{SMALL}\">{} priority</span>",
            cause_and_reason(task),
            task.priority
        );
        row(out, input, task, &what);
    }
    out.push_str("</tbody>\n</table>\n");
    let more = overdue_left_out(input);
    if more > 0 {
        let _ = writeln!(
            out,
            "<p style=\"margin:0;\">and {more} more; every open task of the unit is listed by <code>permit-followup tasks --unit {}</code></p>",
            escape(input.unit_key)
        );
    }
}

/// A heading for the task's cause, in bold, and its reason (as configured, whole) under it.
fn cause_and_reason(task: &DigestTask) -> String {
    let mut what = format!("<strong>{}</strong>", escape(&task.headline.cause));
    if let Some(reason) = &task.headline.reason {
        let _ = write!(what, "<br />\n{}", escape(reason));
    }
    what
}

/// One task's row: permit (a link when the unit has a template) and task id, what, due date.
fn row(out: &mut String, input: &DigestInput, task: &DigestTask, what: &str) {
    let permit = escape(task.permit_id.as_str());
    let permit = match input.case_url {
        Some(url) => format!("<a href=\"{}\">{permit}</a>", escape(&url.link(task.permit_id.as_str()))),
        None => permit,
    };
    let mut due = task.due_on.to_string();
    if let Some(note) = overdue_note(task, input.today) {
        let _ = write!(due, "<br />\n<span style=\"{BADGE}\">{note}</span>");
    }
    let _ = writeln!(
        out,
        "<tr>\n<td style=\"{TD}{TD_PERMIT}\"><strong>{permit}</strong><br />\n<span style=\"{SMALL}\">task {}</span></td>\n\
         <td style=\"{TD}\">{what}</td>\n<td style=\"{TD}{TD_DUE}\">{due}</td>\n</tr>",
        task.id
    );
}

fn section_heading(out: &mut String, text: &str, accent: &str) {
    let _ = writeln!(
        out,
        "<h2 style=\"font-size:16px;margin:24px 0 8px 0;padding-left:8px;border-left:4px solid {accent};\">{}</h2>",
        escape(text)
    );
}

fn table_start(out: &mut String, middle: &str) {
    let _ = write!(
        out,
        "<table style=\"{TABLE}\">\n<thead>\n<tr><th style=\"{TH}text-align:left;\">Permit</th><th style=\"{TH}text-align:left;\">{middle}</th>\
         <th style=\"{TH}text-align:right;padding-right:0;\">Due</th></tr>\n</thead>\n<tbody>\n"
    );
}

/// The footer: what the digest covers, how to look a task up and close it, who receives it.
fn footer(out: &mut String, input: &DigestInput) {
    let lookup = if input.case_url.is_some() {
        "Each permit id links to its case in the case system.".to_string()
    } else {
        "Look a task up in the case system by its permit id, or with <code>permit-followup tasks --permit PERMIT_ID</code>.".to_string()
    };
    let _ = write!(
        out,
        "<div style=\"{FOOTER}\">\n<p style=\"margin:0 0 6px 0;\">{}</p>\n<p style=\"margin:0 0 6px 0;\">{lookup} \
         Close a task, once handled, with <code>permit-followup tasks close TASK --outcome {OUTCOMES} --note TEXT</code>.</p>\n\
         <p style=\"margin:0 0 6px 0;\">{}</p>\n<p style=\"margin:0;\">{}</p>\n</div>\n",
        escape(&period(input)),
        escape(&recipients_note(input)),
        escape(PRIVACY_NOTE),
    );
}

/// The accent of a priority: mid-tones that read on a light and a dark ground.
fn accent(priority: Priority) -> &'static str {
    match priority {
        Priority::Urgent => "#c62828",
        Priority::High => "#e65100",
        Priority::Normal => "#1e88e5",
        Priority::Low => "#8a8a8a",
    }
}

/// Escapes text for HTML element content and attribute values (also the `plan` and `report`
/// pages').
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::digest::tests::{input, sample, task};
    use super::super::digest::{render, DigestInput};
    use crate::domain::case_url::CaseUrl;
    use crate::domain::policy::Priority;

    #[test]
    fn the_html_part_reads_as_the_snapshot() {
        let (new, overdue) = sample();
        let url = CaseUrl::parse("https://case.example/permits/{permit_id}").unwrap();
        insta::assert_snapshot!(render(&input(&new, &overdue, Some(&url))).html);
    }

    #[test]
    fn styles_are_inline_only_and_rows_keep_the_text_parts_order() {
        let (new, overdue) = sample();
        let html = render(&input(&new, &overdue, None)).html;
        assert!(!html.contains("<style") && !html.contains("<link") && !html.contains("<script"));
        assert!(!html.contains("<a "), "no links without a template");
        let at: Vec<usize> =
            ["task 109", "task 101", "task 102", "task 104", "task 103", "task 105", "task 7", "task 8"]
                .iter()
                .map(|t| html.find(&format!(">{t}<")).unwrap_or_else(|| panic!("{t} missing")))
                .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
        assert!(html.contains("and 1 more"));
    }

    #[test]
    fn each_permit_id_links_to_its_case_and_every_text_is_escaped() {
        let mut odd = task(5, "A/1", "<script>", Some("R&D \"x\""), "2026-12-01", Priority::High);
        odd.legal_basis = "<b>".into();
        let tasks = [odd];
        let url = CaseUrl::parse("https://case.example/p?id={permit_id}&x=1").unwrap();
        let i = DigestInput { unit_name: "R&D <unit>", ..input(&tasks, &[], Some(&url)) };
        let html = render(&i).html;
        assert!(html.contains("<a href=\"https://case.example/p?id=A%2F1&amp;x=1\">A/1</a>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;")
                && html.contains("R&amp;D &quot;x&quot;")
                && html.contains("&lt;b&gt;")
        );
        assert!(html.contains("R&amp;D &lt;unit&gt;"));
        assert!(!html.contains("<script>") && !html.contains("<unit>") && !html.contains("<b>"));
    }
}
