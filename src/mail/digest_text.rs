//! The `text/plain` part of a digest: one table per priority and one of overdue tasks, padded
//! with spaces so that the columns line up in a fixed-width font, a heading for each task's
//! cause in its row and its reason (as configured, whole), legal basis and link on the lines
//! under it. Every line is kept to [`WIDTH`] bytes, the last cell
//! of a row wrapping under itself, so that lettre can send the part as it is (8bit, which it
//! allows for lines under 76 bytes) and no line is ever broken inside a word; a line that
//! cannot be wrapped (a very long permit id or link) makes the part base64 instead.

use super::digest::{
    groups, heading, overdue_left_out, overdue_note, period, recipients_note, summary, title, DigestInput,
    DigestTask, OUTCOMES, PRIVACY_NOTE,
};
use std::fmt::Write as _;

/// The longest line, in bytes: what a fixed-width mail client shows without scrolling, and
/// the most lettre sends unencoded (it wants each line, with its CRLF, under 76 bytes).
const WIDTH: usize = 73;

/// Left margin of the tables.
const MARGIN: &str = "  ";

/// Between two columns.
const GAP: &str = "  ";

/// The width of a `YYYY-MM-DD` date.
const DATE_WIDTH: usize = 10;

/// The whole part. Writing to a `String` cannot fail, so `writeln!`'s result is dropped.
pub(super) fn text(input: &DigestInput, tasks: &[&DigestTask]) -> String {
    let cols = Columns::of(tasks.iter().copied().chain(input.overdue));
    let mut out = String::new();
    let title = wrap(&title(input), "", WIDTH);
    let rule = title.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let _ = writeln!(out, "{title}\n{}\n", "=".repeat(rule));
    let _ = writeln!(out, "{}", wrap(&summary(input, tasks), "", WIDTH));
    for (priority, group) in groups(tasks) {
        let _ = writeln!(out, "\n{} ({})", heading(priority).to_uppercase(), group.len());
        out.push_str(&cols.row(["TASK", "PERMIT", "DUE"], "", "CAUSE"));
        for task in group {
            new_task(&mut out, input, &cols, task);
        }
    }
    overdue(&mut out, input, &cols);
    footer(&mut out, input);
    out
}

/// A new task: its row, then its reason, legal basis and link under the permit column.
fn new_task(out: &mut String, input: &DigestInput, cols: &Columns, task: &DigestTask) {
    let mut cause = task.headline.cause.clone();
    if let Some(note) = overdue_note(task, input.today) {
        let _ = write!(cause, " ({note})");
    }
    let (id, due) = (task.id.to_string(), task.due_on.to_string());
    out.push_str(&cols.row([&id, task.permit_id.as_str(), &due], "", &cause));
    let under = cols.under_permit();
    reason(out, task, &under);
    let _ = writeln!(out, "{}", wrap(&format!("Legal basis: {}", task.legal_basis), &under, WIDTH));
    if let Some(url) = input.case_url {
        let _ = writeln!(out, "{under}Case: {}", url.link(task.permit_id.as_str()));
    }
}

/// The Overdue section: the unit's open overdue tasks, most overdue first, up to the limit.
fn overdue(out: &mut String, input: &DigestInput, cols: &Columns) {
    let _ = writeln!(out, "\nOVERDUE ({})", input.overdue_total);
    if input.overdue_total == 0 {
        let _ = writeln!(out, "{MARGIN}None: every open task of the unit is within its due date.");
        return;
    }
    let days = |t: &DigestTask| {
        let n = (input.today - t.due_on).num_days();
        format!("{n} {}", if n == 1 { "day" } else { "days" })
    };
    let width = input.overdue.iter().map(|t| days(t).len()).max().unwrap_or(0).max("OVERDUE".len());
    let columns = |overdue: &str, priority: &str| format!("{overdue:<width$}{GAP}{priority:<8}{GAP}");
    out.push_str(&cols.row(["TASK", "PERMIT", "DUE"], &columns("OVERDUE", "PRIORITY"), "CAUSE"));
    for task in input.overdue {
        let (id, due) = (task.id.to_string(), task.due_on.to_string());
        let fixed = columns(&days(task), task.priority.as_str());
        out.push_str(&cols.row([&id, task.permit_id.as_str(), &due], &fixed, &task.headline.cause));
        reason(out, task, &cols.under_permit());
        if let Some(url) = input.case_url {
            let _ = writeln!(out, "{}Case: {}", cols.under_permit(), url.link(task.permit_id.as_str()));
        }
    }
    let more = overdue_left_out(input);
    if more > 0 {
        let _ = writeln!(out, "{MARGIN}and {more} more; every open task of the unit is listed by");
        let _ = writeln!(out, "{MARGIN}{MARGIN}permit-followup tasks --unit {}", input.unit_key);
    }
}

/// A task's reason, whole, wrapped under `indent`.
fn reason(out: &mut String, task: &DigestTask, indent: &str) {
    if let Some(reason) = &task.headline.reason {
        let _ = writeln!(out, "{}", wrap(reason, indent, WIDTH));
    }
}

/// The footer: what the digest covers, how to look a task up and close it, who receives it.
fn footer(out: &mut String, input: &DigestInput) {
    out.push_str("\n-- \n");
    let _ = writeln!(out, "{}", wrap(&period(input), "", WIDTH));
    if input.case_url.is_some() {
        let _ = writeln!(out, "Each \"Case:\" line opens the permit in the case system.");
    } else {
        let _ = writeln!(out, "Look a task up in the case system by its permit id, or with");
        let _ = writeln!(out, "{MARGIN}permit-followup tasks --permit PERMIT_ID");
    }
    let _ = writeln!(out, "Close a task, once handled, with");
    let _ = writeln!(
        out,
        "{MARGIN}permit-followup tasks close TASK --note TEXT \\\n{MARGIN}{MARGIN}--outcome {OUTCOMES}"
    );
    let _ = writeln!(out, "{}", wrap(&recipients_note(input), "", WIDTH));
    let _ = writeln!(out, "{}", wrap(PRIVACY_NOTE, "", WIDTH));
}

/// The widths of the columns every table of one digest shares: task id, permit id, due date.
struct Columns {
    id: usize,
    permit: usize,
}

impl Columns {
    fn of<'t>(tasks: impl Iterator<Item = &'t DigestTask>) -> Columns {
        let (mut id, mut permit) = ("TASK".len(), "PERMIT".len());
        for t in tasks {
            id = id.max(t.id.to_string().len());
            permit = permit.max(t.permit_id.as_str().chars().count());
        }
        Columns { id, permit }
    }

    /// A row, ending in a newline: margin, padded id, permit and date, the `fixed` cells as
    /// they are, then the last cell, wrapped under itself when the row would be wider than
    /// [`WIDTH`].
    fn row(&self, [id, permit, due]: [&str; 3], fixed: &str, last: &str) -> String {
        let (w1, w2) = (self.id, self.permit);
        let start = format!("{MARGIN}{id:<w1$}{GAP}{permit:<w2$}{GAP}{due:<DATE_WIDTH$}{GAP}{fixed}");
        let hanging = " ".repeat(start.chars().count());
        let wrapped = wrap(last, &hanging, WIDTH);
        format!("{start}{}\n", wrapped.trim_start())
    }

    /// The indent of the lines under a row, which start under its permit id.
    fn under_permit(&self) -> String {
        " ".repeat(MARGIN.len() + self.id + GAP.len())
    }
}

/// `text` in lines of at most `width` bytes, each starting with `indent` (a word longer than
/// a line gets a line of its own). Runs of spaces inside the text are kept, so padded columns
/// in it survive.
fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = indent.to_string();
    for word in text.split(' ') {
        let fresh = line.len() == indent.len();
        if !fresh && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            line = indent.to_string();
        } else if !fresh || (word.is_empty() && !lines.is_empty()) {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::super::digest::render;
    use super::super::digest::tests::{input, sample};
    use super::*;
    use crate::domain::case_url::CaseUrl;

    #[test]
    fn the_text_part_reads_as_the_snapshot() {
        let (new, overdue) = sample();
        insta::assert_snapshot!(render(&input(&new, &overdue, None)).text);
    }

    #[test]
    fn the_text_part_with_case_links_reads_as_the_snapshot() {
        let (new, overdue) = sample();
        let url = CaseUrl::parse("https://case.example/permits/{permit_id}").unwrap();
        insta::assert_snapshot!(render(&input(&new, &overdue, Some(&url))).text);
    }

    #[test]
    fn every_task_row_starts_its_columns_at_the_same_place() {
        let (new, overdue) = sample();
        let text = render(&input(&new, &overdue, None)).text;
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  1") || l.starts_with("  7 ") || l.starts_with("  8 "))
            .collect();
        assert_eq!(rows.len(), 9, "{text}");
        for column in ["UT-", "20"] {
            let at: Vec<usize> = rows.iter().filter_map(|r| r.find(column)).collect();
            assert!(at.windows(2).all(|w| w[0] == w[1]), "{column} at {at:?}:\n{text}");
        }
        assert!(text.lines().all(|l| l.len() <= WIDTH), "{text}");
    }

    #[test]
    fn an_overdue_list_longer_than_the_limit_says_how_many_more_and_where_to_see_them() {
        let (new, overdue) = sample();
        let text = render(&input(&new, &overdue, None)).text;
        assert!(text.contains("\n  and 1 more; every open task of the unit is listed by\n    permit-followup tasks --unit study\n"), "{text}");
        let none = super::super::digest::DigestInput { overdue_total: 0, ..input(&new, &[], None) };
        assert!(render(&none).text.contains("OVERDUE (0)\n  None: every open task"));
    }

    #[test]
    fn an_overdue_row_wraps_its_cause_under_the_cause_column() {
        let (new, mut overdue) = sample();
        overdue[0].permit_id = crate::domain::ids::PermitId::parse("UT-2022-112202/2-ext").unwrap();
        let text = render(&input(&new, &overdue, None)).text;
        assert!(text.lines().all(|l| l.len() <= WIDTH), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let head = lines.iter().position(|l| l.contains("PRIORITY  CAUSE")).unwrap();
        let at = lines[head].find("CAUSE").unwrap();
        assert_eq!(lines[head + 1].find("Periodic"), Some(at), "{text}");
        assert_eq!(lines[head + 2].find("review"), Some(at), "{text}");
    }

    #[test]
    fn prose_wraps_between_words_under_its_indent() {
        assert_eq!(wrap("aa bb cc", "", 5), "aa bb\ncc");
        assert_eq!(wrap("a verylongword b", "", 4), "a\nverylongword\nb");
        assert_eq!(wrap("aa bb cc", "  ", 7), "  aa bb\n  cc");
        assert_eq!(wrap("12 days   normal", "", 40), "12 days   normal", "padding inside is kept");
    }

    #[test]
    fn a_long_cause_wraps_under_its_own_column() {
        let (mut new, overdue) = sample();
        new[0].headline.cause = "A cause of many words that cannot fit beside the other columns".into();
        let text = render(&input(&new, &overdue, None)).text;
        assert!(text.lines().all(|l| l.len() <= WIDTH), "{text}");
        let row = text.lines().position(|l| l.contains("A cause of many")).unwrap();
        let next = text.lines().nth(row + 1).unwrap();
        let at = text.lines().nth(row).unwrap().find("A cause").unwrap();
        assert_eq!(next.find(|c: char| c != ' '), Some(at), "{text}");
    }
}
