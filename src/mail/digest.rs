//! The digest a unit receives: its new follow-up tasks as a subject, a `text/plain` body and
//! an HTML body. Rendering is a pure function of its input, so the text is snapshot-tested;
//! the input carries permit ids, causes, dates and priorities only, never a name, person id
//! or personal number, and nothing here adds any.

use crate::domain::policy::Priority;
use chrono::NaiveDate;
use std::fmt::Write as _;

/// One new task, as a digest shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTask {
    /// The permit the task concerns.
    pub permit_id: String,
    /// `periodic_review` or the signal kind.
    pub cause: String,
    /// When the task is due.
    pub due_on: NaiveDate,
    /// How urgent the task is.
    pub priority: Priority,
}

/// Everything one unit's digest says.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// The unit's display name (`[units.U].name`).
    pub unit_name: &'a str,
    /// The unit's key (`U` of `[units.U]`), as `tasks --unit` takes it.
    pub unit_key: &'a str,
    /// The tasks not yet notified, in any order.
    pub tasks: &'a [DigestTask],
    /// How many of the unit's open tasks are past their due date.
    pub open_overdue: u64,
    /// The day the digest is written.
    pub today: NaiveDate,
}

/// A digest ready to be put in a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDigest {
    /// `N new follow-up tasks for UNIT-NAME`.
    pub subject: String,
    /// The `text/plain` part: one line a task, highest priority first.
    pub text: String,
    /// The `text/html` part: the same as a table.
    pub html: String,
}

/// Priorities in the order a digest lists them.
const PRIORITY_ORDER: [Priority; 4] = [Priority::Urgent, Priority::High, Priority::Normal, Priority::Low];

/// What the footer says, in both parts.
const PRIVACY_NOTE: &str = "This mail lists permit ids only, never names, person ids or personal numbers.";

/// Renders a unit's digest.
pub fn render(input: &DigestInput) -> RenderedDigest {
    let tasks = sorted(input.tasks);
    RenderedDigest { subject: subject(input), text: text(input, &tasks), html: html(input, &tasks) }
}

/// The subject, worded as docs/REFERENCE.md §6 has it, whatever the count, so that mail filters
/// written against the contract match.
fn subject(input: &DigestInput) -> String {
    format!("{} new follow-up tasks for {}", input.tasks.len(), input.unit_name)
}

/// The tasks by priority (highest first), then due date, then permit id.
fn sorted(tasks: &[DigestTask]) -> Vec<&DigestTask> {
    let mut tasks: Vec<&DigestTask> = tasks.iter().collect();
    tasks.sort_by(|a, b| {
        (a.priority, a.due_on, &a.permit_id, &a.cause).cmp(&(b.priority, b.due_on, &b.permit_id, &b.cause))
    });
    tasks
}

/// The tasks of one priority, in order.
fn group<'t>(tasks: &[&'t DigestTask], priority: Priority) -> Vec<&'t DigestTask> {
    tasks.iter().copied().filter(|t| t.priority == priority).collect()
}

/// A priority's heading, e.g. `High priority`.
fn heading(priority: Priority) -> &'static str {
    match priority {
        Priority::Urgent => "Urgent priority",
        Priority::High => "High priority",
        Priority::Normal => "Normal priority",
        Priority::Low => "Low priority",
    }
}

/// The greeting line of both parts.
fn greeting(input: &DigestInput) -> String {
    format!(
        "New follow-up tasks for {} on {}, highest priority first.",
        input.unit_name,
        input.today.format("%Y-%m-%d")
    )
}

/// The overdue line of both parts.
fn overdue_line(input: &DigestInput) -> String {
    format!("Open overdue tasks in this unit: {}", input.open_overdue)
}

/// The `text/plain` body. A task line is exactly `PERMIT_ID  CAUSE  due DUE_DATE  PRIORITY`,
/// unpadded, so that scripts can split it on two spaces.
fn text(input: &DigestInput, tasks: &[&DigestTask]) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "Hello,\n\n{}", greeting(input));
    if tasks.is_empty() {
        out.push_str("\nNo new tasks.\n");
    }
    for priority in PRIORITY_ORDER {
        let group = group(tasks, priority);
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({})", heading(priority), group.len());
        for t in group {
            let _ = writeln!(
                out,
                "{}  {}  due {}  {}",
                t.permit_id,
                t.cause,
                t.due_on.format("%Y-%m-%d"),
                t.priority
            );
        }
    }
    let _ = writeln!(out, "\n{}", overdue_line(input));
    let _ = write!(
        out,
        "\n{PRIVACY_NOTE}\nLook a task up in the case system, or with\n    \
         permit-followup tasks --permit PERMIT_ID\nand all of this unit's open tasks with\n    \
         permit-followup tasks --unit {} --state open\n",
        input.unit_key
    );
    out
}

/// The `text/html` body: the same content as a table, every text escaped.
fn html(input: &DigestInput, tasks: &[&DigestTask]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n</head>\n\
         <body>\n<p>{}</p>\n",
        escape(&subject(input)),
        escape(&greeting(input))
    );
    if tasks.is_empty() {
        out.push_str("<p>No new tasks.</p>\n");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th>Permit</th><th>Cause</th><th>Due</th><th>Priority</th></tr></thead>\n<tbody>\n",
        );
        for t in tasks {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&t.permit_id),
                escape(&t.cause),
                t.due_on.format("%Y-%m-%d"),
                t.priority
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let _ = write!(
        out,
        "<p>{}</p>\n<p>{}<br>\nLook a task up in the case system, or with \
         <code>permit-followup tasks --permit PERMIT_ID</code>; all of this unit's open tasks with \
         <code>permit-followup tasks --unit {} --state open</code>.</p>\n</body>\n</html>\n",
        escape(&overdue_line(input)),
        escape(PRIVACY_NOTE),
        escape(input.unit_key)
    );
    out
}

/// Escapes text for HTML element content and attribute values.
fn escape(s: &str) -> String {
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
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn task(permit_id: &str, cause: &str, due_on: &str, priority: Priority) -> DigestTask {
        DigestTask { permit_id: permit_id.into(), cause: cause.into(), due_on: date(due_on), priority }
    }

    fn sample() -> Vec<DigestTask> {
        vec![
            task("UT-2026-0003", "periodic_review", "2026-12-07", Priority::Normal),
            task("UT-2026-0001", "emigrated", "2026-12-04", Priority::High),
            task("UT-2026-0002", "periodic_review", "2026-12-01", Priority::Normal),
            task("UT-2026-0009", "deceased", "2026-11-30", Priority::Urgent),
            task("UT-2026-0004", "periodic_review", "2026-12-01", Priority::Normal),
            task("UT-2026-0005", "income_reported", "2026-12-20", Priority::Low),
        ]
    }

    fn input<'a>(unit_name: &'a str, tasks: &'a [DigestTask]) -> DigestInput<'a> {
        DigestInput { unit_name, unit_key: "study", tasks, open_overdue: 3, today: date("2026-11-23") }
    }

    #[test]
    fn the_text_body_reads_as_the_snapshot() {
        let tasks = sample();
        insta::assert_snapshot!(render(&input("Study permits unit", &tasks)).text);
    }

    #[test]
    fn the_subject_counts_the_tasks_and_names_the_unit() {
        let tasks = sample();
        assert_eq!(
            render(&input("Study permits unit", &tasks)).subject,
            "6 new follow-up tasks for Study permits unit"
        );
        assert_eq!(
            render(&input("Work permits unit", &tasks[..1])).subject,
            "1 new follow-up tasks for Work permits unit"
        );
    }

    #[test]
    fn tasks_are_listed_by_priority_then_due_date_then_permit_id() {
        let tasks = sample();
        let text = render(&input("Study permits unit", &tasks)).text;
        let ids: Vec<&str> =
            text.lines().filter(|l| l.contains("  due ")).filter_map(|l| l.split("  ").next()).collect();
        assert_eq!(
            ids,
            ["UT-2026-0009", "UT-2026-0001", "UT-2026-0002", "UT-2026-0004", "UT-2026-0003", "UT-2026-0005"]
        );
        let html = render(&input("Study permits unit", &tasks)).html;
        let positions: Vec<usize> =
            ids.iter().filter_map(|id| html.find(&format!("<td>{id}</td>"))).collect();
        assert_eq!(positions.len(), 6);
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "HTML rows out of order: {positions:?}");
    }

    #[test]
    fn each_task_line_reads_permit_cause_due_date_priority_with_two_spaces() {
        let tasks = sample();
        let text = render(&input("Study permits unit", &tasks)).text;
        assert!(text.lines().any(|l| l == "UT-2026-0001  emigrated  due 2026-12-04  high"));
        assert!(text.lines().any(|l| l == "Open overdue tasks in this unit: 3"));
    }

    #[test]
    fn html_escapes_every_text() {
        let tasks = [task("A<1>&\"'", "<script>", "2026-12-01", Priority::High)];
        let rendered = render(&input("R&D <unit>", &tasks));
        let html = rendered.html;
        assert!(html.contains("<td>A&lt;1&gt;&amp;&quot;&#39;</td>"), "{html}");
        assert!(html.contains("<td>&lt;script&gt;</td>"));
        assert!(html.contains("R&amp;D &lt;unit&gt;"));
        assert!(!html.contains("<script>") && !html.contains("<unit>"));
        // The text part is not HTML: it keeps the characters as they are.
        assert!(rendered.text.contains("A<1>&\"'  <script>  due 2026-12-01  high"));
    }

    #[test]
    fn an_empty_digest_still_renders() {
        let rendered = render(&input("Study permits unit", &[]));
        assert_eq!(rendered.subject, "0 new follow-up tasks for Study permits unit");
        assert!(rendered.text.contains("No new tasks."));
        assert!(rendered.html.contains("No new tasks."));
    }
}
