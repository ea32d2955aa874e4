//! The HTML part of a digest (`templates/digest.html` in the one layout): the same sections as
//! the text part, as tables in a column at most 600 px wide, styled by the one stylesheet in
//! the document's head (mail clients read styles only from the document), light or dark as the
//! reader's client is set. The markup is well-formed XML (every element closed, `<br />`),
//! which the tests check, and the template engine escapes every text.

use super::digest::{
    cause_and_reason, groups, heading, inbox_link, overdue_left_out, overdue_note, period, priority,
    recipients_note, summary, task_link, title, DigestInput, DigestTask, OUTCOMES,
};
use crate::i18n::Language;
use crate::layout::{Frame, Kind, StyleSheet};
use askama::Template;

/// `templates/digest.html`.
#[derive(Template)]
#[template(path = "digest.html")]
struct DigestPage {
    frame: Frame,
    lang: Language,
    groups: Vec<Group>,
    overdue_heading: String,
    overdue_rows: Vec<Row>,
    overdue_more: Option<More>,
    period: String,
    inbox: Option<String>,
    has_case_links: bool,
    lookup_command: String,
    close_command: String,
    recipients: String,
}

/// A priority's tasks.
struct Group {
    class: &'static str,
    heading: String,
    rows: Vec<Row>,
}

/// One task's row: permit and task id (links when there is where to), cause and reason, a note
/// (the legal basis, or an overdue task's priority), due date and how late it is.
struct Row {
    permit: String,
    case_link: Option<String>,
    task: String,
    task_link: Option<String>,
    cause: String,
    reason: Option<String>,
    note: String,
    due: String,
    overdue: Option<String>,
}

/// What the Overdue section says of the tasks it leaves out, and where they all are.
struct More {
    words: String,
    link: Option<String>,
    command: String,
}

/// The whole HTML document.
pub(super) fn html(input: &DigestInput, tasks: &[&DigestTask]) -> String {
    let lang = input.language;
    let groups = groups(tasks)
        .into_iter()
        .map(|(p, group)| Group {
            class: p.as_str(),
            heading: heading(lang, p, group.len()),
            rows: group
                .iter()
                .map(|t| {
                    row(input, t, lang.tr("digest-legal-basis", &[("basis", t.legal_basis.as_str().into())]))
                })
                .collect(),
        })
        .collect();
    let overdue_rows = input
        .overdue
        .iter()
        .map(|t| {
            row(input, t, lang.tr("digest-priority", &[("priority", priority(lang, t.priority).into())]))
        })
        .collect();
    let more = overdue_left_out(input);
    let overdue_more = (more > 0).then(|| More {
        words: lang.tr(
            if input.inbox.is_some() { "digest-overdue-more-inbox" } else { "digest-overdue-more" },
            &[("count", more.into())],
        ),
        link: inbox_link(input),
        command: format!("permit-followup tasks --unit {}", input.unit_key),
    });
    let page = DigestPage {
        frame: Frame {
            lang,
            title: title(input),
            subtitle: summary(input, tasks),
            style: StyleSheet::Embedded,
            kind: Kind::Mail,
        },
        lang,
        groups,
        overdue_heading: lang.tr(
            "digest-group-count",
            &[("heading", lang.t("digest-overdue").into()), ("count", input.overdue_total.into())],
        ),
        overdue_rows,
        overdue_more,
        period: period(input),
        inbox: inbox_link(input),
        has_case_links: input.case_url.is_some(),
        lookup_command: "permit-followup tasks --permit PERMIT_ID".into(),
        close_command: format!("permit-followup tasks close TASK --outcome {OUTCOMES} --note TEXT"),
        recipients: recipients_note(input),
    };
    // Rendering into a String fails only on a formatting error of a value, which none has.
    page.render().unwrap_or_else(|e| {
        tracing::error!(unit = input.unit_key, "the digest's HTML part could not be rendered: {e}");
        String::new()
    })
}

fn row(input: &DigestInput, task: &DigestTask, note: String) -> Row {
    let lang = input.language;
    let (cause, reason) = cause_and_reason(lang, task);
    Row {
        permit: task.permit_id.as_str().to_string(),
        case_link: input.case_url.map(|url| url.link(task.permit_id.as_str())),
        task: lang.tr("digest-task", &[("id", task.id.to_string().into())]),
        task_link: task_link(input, task),
        cause,
        reason,
        note,
        due: task.due_on.to_string(),
        overdue: overdue_note(lang, task, input.today),
    }
}

#[cfg(test)]
mod tests {
    use super::super::digest::tests::{input, sample, swedish, task};
    use super::super::digest::{render, DigestInput};
    use crate::domain::case_url::CaseUrl;
    use crate::domain::policy::Priority;

    #[test]
    fn the_html_part_reads_as_the_snapshot() {
        let (new, overdue) = sample();
        let url = CaseUrl::parse("https://case.example/permits/{permit_id}").unwrap();
        insta::assert_snapshot!(without_stylesheet(&render(&input(&new, &overdue, Some(&url))).html));
    }

    #[test]
    fn the_swedish_html_part_with_inbox_links_reads_as_the_snapshot() {
        let (new, overdue) = sample();
        let i =
            DigestInput { inbox: Some("https://followup.example"), ..swedish(input(&new, &overdue, None)) };
        insta::assert_snapshot!(without_stylesheet(&render(&i).html));
    }

    /// The document with its (long, unchanging) stylesheet left out of the snapshot.
    fn without_stylesheet(html: &str) -> String {
        let start = html.find("<style>").expect("a stylesheet in the head");
        let end = html.find("</style>").expect("the stylesheet ends");
        format!("{}<style>[templates/style.css]{}", &html[..start], &html[end..])
    }

    #[test]
    fn styles_come_from_the_one_stylesheet_and_rows_keep_the_text_parts_order() {
        let (new, overdue) = sample();
        let html = render(&input(&new, &overdue, None)).html;
        assert!(html.contains(crate::layout::STYLESHEET), "the stylesheet in the head");
        assert!(!html.contains("style=\"") && !html.contains("<link") && !html.contains("<script"));
        assert!(!html.contains("<a "), "no links without a template or an inbox");
        let at: Vec<usize> =
            ["task 109", "task 101", "task 102", "task 104", "task 103", "task 105", "task 7", "task 8"]
                .iter()
                .map(|t| html.find(&format!(">{t}<")).unwrap_or_else(|| panic!("{t} missing")))
                .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
        assert!(html.contains("and 1 more"));
        assert!(html.contains("permit-followup tasks close TASK"), "the footer's command without an inbox");
    }

    #[test]
    fn with_an_inbox_each_task_id_links_to_its_page_and_the_footer_names_no_command() {
        let (new, overdue) = sample();
        for i in [input(&new, &overdue, None), swedish(input(&new, &overdue, None))] {
            let html = render(&DigestInput { inbox: Some("https://followup.example"), ..i }).html;
            for id in [109, 101, 105, 7, 8] {
                assert!(
                    html.contains(&format!("<a href=\"https://followup.example/tasks/{id}\">")),
                    "task {id}"
                );
            }
            assert!(!html.contains("permit-followup tasks"), "no shell command with an inbox:\n{html}");
            assert!(html.contains("<a href=\"https://followup.example/\">https://followup.example/</a>"));
        }
    }

    #[test]
    fn each_permit_id_links_to_its_case_and_every_text_is_escaped() {
        let mut odd = task(5, "A/1", "<script>", Some("R&D \"x\""), "2026-12-01", Priority::High);
        odd.legal_basis = "<b>".into();
        let tasks = [odd];
        let url = CaseUrl::parse("https://case.example/p?id={permit_id}&x=1").unwrap();
        let i = DigestInput { unit_name: "R&D <unit>", ..input(&tasks, &[], Some(&url)) };
        let html = render(&i).html;
        assert!(html.contains("<a href=\"https://case.example/p?id=A%2F1&#38;x=1\">A/1</a>"), "{html}");
        assert!(
            html.contains("&#60;script&#62;")
                && html.contains("R&#38;D &#34;x&#34;")
                && html.contains("&#60;b&#62;")
        );
        assert!(html.contains("R&#38;D &#60;unit&#62;"));
        assert!(!html.contains("<script>") && !html.contains("<unit>") && !html.contains("<b>"));
    }
}
