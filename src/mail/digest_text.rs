//! The `text/plain` part of a digest (`templates/digest.txt`): one table per priority and one
//! of overdue tasks, padded with spaces so that the columns line up in a fixed-width font, a
//! heading for each task's cause in its row and its reason (as configured, whole), legal basis
//! and links on the lines under it. Every line is kept to [`WIDTH`] bytes, the last cell of a
//! row wrapping under itself, so that lettre can send the part as it is (8bit, which it allows
//! for lines under 76 bytes) and no line is ever broken inside a word; a line that cannot be
//! wrapped (a very long permit id or link) makes the part base64 instead. The padding and
//! wrapping are arithmetic, done here; the template arranges the blocks, and every word comes
//! from the language's messages.

use super::digest::{
    cause_and_reason, groups, heading, inbox_link, overdue_left_out, overdue_note, period, priority,
    recipients_note, summary, task_link, title, DigestInput, DigestTask, OUTCOMES,
};
use crate::i18n::Language;
use askama::Template;

/// The longest line, in bytes: what a fixed-width mail client shows without scrolling, and
/// the most lettre sends unencoded (it wants each line, with its CRLF, under 76 bytes).
const WIDTH: usize = 73;

/// Left margin of the tables.
const MARGIN: &str = "  ";

/// Between two columns.
const GAP: &str = "  ";

/// The width of a `YYYY-MM-DD` date.
const DATE_WIDTH: usize = 10;

/// `templates/digest.txt`: blocks of lines, each without its last newline.
#[derive(Template)]
#[template(path = "digest.txt")]
struct DigestText {
    title: String,
    rule: String,
    summary: String,
    groups: Vec<Block>,
    overdue: Block,
    footer: String,
}

/// A heading and the lines under it.
struct Block {
    heading: String,
    lines: String,
}

/// The whole part.
pub(super) fn text(input: &DigestInput, tasks: &[&DigestTask]) -> String {
    let lang = input.language;
    let cols = Columns::of(lang, tasks.iter().copied().chain(input.overdue));
    let title = wrap(&title(input), "", WIDTH);
    let rule = "=".repeat(title.lines().map(|l| l.chars().count()).max().unwrap_or(0));
    let groups = groups(tasks)
        .into_iter()
        .map(|(p, group)| {
            let mut lines = cols.header(None);
            for task in &group {
                new_task(&mut lines, input, &cols, task);
            }
            Block {
                heading: heading(lang, p, group.len()).to_uppercase(),
                lines: lines.trim_end().to_string(),
            }
        })
        .collect();
    let page = DigestText {
        title,
        rule,
        summary: wrap(&summary(input, tasks), "", WIDTH),
        groups,
        overdue: overdue(input, &cols),
        footer: footer(input),
    };
    page.render().unwrap_or_else(|e| {
        tracing::error!(unit = input.unit_key, "the digest's text part could not be rendered: {e}");
        String::new()
    })
}

/// A new task: its row, then its reason, legal basis and links under the permit column.
fn new_task(out: &mut String, input: &DigestInput, cols: &Columns, task: &DigestTask) {
    let lang = input.language;
    let (mut cause, reason) = cause_and_reason(lang, task);
    if let Some(note) = overdue_note(lang, task, input.today) {
        cause = format!("{cause} ({note})");
    }
    out.push_str(&cols.row(task, "", &cause));
    let under = cols.under_permit();
    if let Some(reason) = reason {
        push_line(out, &wrap(&reason, &under, WIDTH));
    }
    let basis = lang.tr("digest-legal-basis", &[("basis", task.legal_basis.as_str().into())]);
    push_line(out, &wrap(&basis, &under, WIDTH));
    links(out, input, task, &under);
}

/// A task's links, each on a line of its own: its case, its page in the inbox.
fn links(out: &mut String, input: &DigestInput, task: &DigestTask, under: &str) {
    let lang = input.language;
    if let Some(url) = input.case_url {
        push_line(out, &format!("{under}{} {}", lang.t("digest-case"), url.link(task.permit_id.as_str())));
    }
    if let Some(link) = task_link(input, task) {
        push_line(out, &format!("{under}{} {link}", lang.t("digest-open")));
    }
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

/// The Overdue section: the unit's open overdue tasks, most overdue first, up to the limit.
fn overdue(input: &DigestInput, cols: &Columns) -> Block {
    let lang = input.language;
    let heading = lang
        .tr(
            "digest-group-count",
            &[("heading", lang.t("digest-overdue").into()), ("count", input.overdue_total.into())],
        )
        .to_uppercase();
    if input.overdue_total == 0 {
        return Block { heading, lines: wrap(&lang.t("digest-overdue-none"), MARGIN, WIDTH) };
    }
    let days =
        |t: &DigestTask| lang.tr("digest-days", &[("days", (input.today - t.due_on).num_days().into())]);
    let late_header = lang.t("digest-col-overdue").to_uppercase();
    let priority_header = lang.t("digest-col-priority").to_uppercase();
    let width = |header: &str, cells: Vec<String>| {
        cells.iter().map(|c| c.chars().count()).chain([header.chars().count()]).max().unwrap_or(0)
    };
    let late_width = width(&late_header, input.overdue.iter().map(days).collect());
    let priority_width =
        width(&priority_header, input.overdue.iter().map(|t| priority(lang, t.priority)).collect());
    let fixed =
        |late: &str, priority: &str| format!("{late:<late_width$}{GAP}{priority:<priority_width$}{GAP}");
    let mut lines = cols.header(Some(&fixed(&late_header, &priority_header)));
    for task in input.overdue {
        let (cause, reason) = cause_and_reason(lang, task);
        lines.push_str(&cols.row(task, &fixed(&days(task), &priority(lang, task.priority)), &cause));
        if let Some(reason) = reason {
            push_line(&mut lines, &wrap(&reason, &cols.under_permit(), WIDTH));
        }
        links(&mut lines, input, task, &cols.under_permit());
    }
    let more = overdue_left_out(input);
    if more > 0 {
        let (words, place) = match inbox_link(input) {
            Some(link) => ("digest-overdue-more-inbox", link),
            None => ("digest-overdue-more", format!("permit-followup tasks --unit {}", input.unit_key)),
        };
        push_line(&mut lines, &wrap(&lang.tr(words, &[("count", more.into())]), MARGIN, WIDTH));
        push_line(&mut lines, &format!("{MARGIN}{MARGIN}{place}"));
    }
    Block { heading, lines: lines.trim_end().to_string() }
}

/// The footer: what the digest covers, where to open a task (the inbox) or how to look it up
/// and close it (the command line), who receives the mail.
fn footer(input: &DigestInput) -> String {
    let lang = input.language;
    let mut out = String::new();
    push_line(&mut out, &wrap(&period(input), "", WIDTH));
    if let Some(link) = inbox_link(input) {
        push_line(&mut out, &wrap(&lang.t("digest-inbox-text"), "", WIDTH));
        push_line(&mut out, &format!("{MARGIN}{link}"));
    }
    if input.case_url.is_some() {
        push_line(&mut out, &wrap(&lang.t("digest-lookup-case-text"), "", WIDTH));
    } else if input.inbox.is_none() {
        push_line(&mut out, &wrap(&lang.t("digest-lookup"), "", WIDTH));
        push_line(&mut out, &format!("{MARGIN}permit-followup tasks --permit PERMIT_ID"));
    }
    if input.inbox.is_none() {
        push_line(&mut out, &wrap(&lang.t("digest-close"), "", WIDTH));
        push_line(
            &mut out,
            &format!("{MARGIN}permit-followup tasks close TASK --note TEXT \\\n{MARGIN}{MARGIN}--outcome {OUTCOMES}"),
        );
    }
    push_line(&mut out, &wrap(&recipients_note(input), "", WIDTH));
    out.push_str(&wrap(&lang.t("digest-privacy"), "", WIDTH));
    out
}

/// The widths of the columns every table of one digest shares: task id, permit id, due date,
/// and the words of their headers in the digest's language.
struct Columns {
    id: usize,
    permit: usize,
    due: usize,
    names: [String; 4],
}

impl Columns {
    fn of<'t>(lang: Language, tasks: impl Iterator<Item = &'t DigestTask>) -> Columns {
        let names = ["digest-col-task", "digest-col-permit", "digest-col-due-text", "digest-col-cause"]
            .map(|id| lang.t(id).to_uppercase());
        let (mut id, mut permit) = (names[0].chars().count(), names[1].chars().count());
        for t in tasks {
            id = id.max(t.id.to_string().len());
            permit = permit.max(t.permit_id.as_str().chars().count());
        }
        let due = DATE_WIDTH.max(names[2].chars().count());
        Columns { id, permit, due, names }
    }

    /// The header row, with the headers of the `fixed` columns when there are any.
    fn header(&self, fixed: Option<&str>) -> String {
        let [task, permit, due, cause] = &self.names;
        self.line([task, permit, due], fixed.unwrap_or(""), cause)
    }

    /// A task's row.
    fn row(&self, task: &DigestTask, fixed: &str, last: &str) -> String {
        self.line([&task.id.to_string(), task.permit_id.as_str(), &task.due_on.to_string()], fixed, last)
    }

    /// A row, ending in a newline: margin, padded id, permit and date, the `fixed` cells as
    /// they are, then the last cell, wrapped under itself when the row would be wider than
    /// [`WIDTH`] bytes.
    fn line(&self, [id, permit, due]: [&str; 3], fixed: &str, last: &str) -> String {
        let (w1, w2, w3) = (self.id, self.permit, self.due);
        let start = format!("{MARGIN}{id:<w1$}{GAP}{permit:<w2$}{GAP}{due:<w3$}{GAP}{fixed}");
        let hanging = " ".repeat(start.chars().count());
        // Letters such as å take two bytes but one column: the first line must still fit.
        let wider = start.len() - hanging.len();
        let wrapped = wrap(last, &hanging, WIDTH - wider);
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
    use super::super::digest::tests::{input, sample, swedish};
    use super::super::digest::DigestInput;
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
    fn the_swedish_text_part_with_inbox_links_reads_as_the_snapshot() {
        let (new, overdue) = sample();
        let i =
            DigestInput { inbox: Some("https://followup.example"), ..swedish(input(&new, &overdue, None)) };
        let text = render(&i).text;
        assert!(text.lines().all(|l| l.len() <= WIDTH), "å, ä and ö take two bytes:\n{text}");
        assert!(!text.contains("permit-followup tasks"), "no shell command with an inbox");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn with_an_inbox_each_task_gives_its_page_in_both_languages() {
        let (new, overdue) = sample();
        let url = CaseUrl::parse("https://case.example/permits/{permit_id}").unwrap();
        for i in [input(&new, &overdue, Some(&url)), swedish(input(&new, &overdue, Some(&url)))] {
            let text = render(&DigestInput { inbox: Some("https://followup.example"), ..i }).text;
            for id in [109, 101, 102, 104, 103, 105, 7, 8] {
                assert!(
                    text.contains(&format!(" https://followup.example/tasks/{id}\n")),
                    "task {id}:\n{text}"
                );
            }
            assert!(text.contains("https://case.example/permits/UT-2026-0001"), "the case links stay");
            assert!(text.lines().all(|l| l.len() <= WIDTH), "{text}");
        }
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
