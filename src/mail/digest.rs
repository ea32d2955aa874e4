//! The digest a unit receives (docs/REFERENCE.md §6.2): its new follow-up tasks grouped by
//! priority, its open overdue tasks, and a footer, as a subject, a `text/plain` part
//! (`digest_text`) and an HTML part (`digest_html`) that say the same. Rendering is a pure
//! function of [`DigestInput`], so both parts are snapshot-tested. Each task's reason is shown
//! as stored — its rule's `reason` as configured, often in Swedish — beside a short heading for
//! its cause, in both parts. The input carries task and permit ids, causes, reasons, dates,
//! priorities and legal bases only — never a name, person
//! id or personal number — and nothing here adds any.

use crate::domain::case_url::CaseUrl;
use crate::domain::headline::Headline;
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::policy::Priority;
use crate::i18n::Language;
use chrono::NaiveDate;

/// One task, as a digest shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTask {
    /// The task's id, which `tasks close` takes.
    pub id: TaskId,
    /// The permit the task concerns.
    pub permit_id: PermitId,
    /// A heading for the cause, and the task's reason.
    pub headline: Headline,
    /// When the task is due.
    pub due_on: NaiveDate,
    /// How urgent the task is.
    pub priority: Priority,
    /// The legal provision the task rests on.
    pub legal_basis: String,
    /// The local date the task was created on.
    pub created_on: NaiveDate,
}

/// Everything one unit's digest says.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// The unit's display name (`[units.U].name`).
    pub unit_name: &'a str,
    /// The unit's key (`U` of `[units.U]`), as `tasks --unit` takes it.
    pub unit_key: &'a str,
    /// The tasks no digest listed yet, in any order.
    pub tasks: &'a [DigestTask],
    /// The first of the unit's open overdue tasks, as many as the Overdue section lists.
    pub overdue: &'a [DigestTask],
    /// How many open overdue tasks the unit has in all.
    pub overdue_total: u64,
    /// The unit's link template, if it has one.
    pub case_url: Option<&'a CaseUrl>,
    /// The day the digest is written: "overdue" means due before it.
    pub today: NaiveDate,
    /// The language of the words the digest adds (`mail.language`).
    pub language: Language,
    /// The inbox's address (`[web] base_url`, no trailing `/`): each task then links to
    /// `BASE/tasks/ID`, and the footer says to open it there.
    pub inbox: Option<&'a str>,
}

/// A digest ready to be put in a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDigest {
    /// `N new follow-up tasks for UNIT-NAME`, and how many are urgent or overdue.
    pub subject: String,
    /// The `text/plain` part, in columns for a fixed-width font.
    pub text: String,
    /// The `text/html` part: the same, styled by the stylesheet in its head.
    pub html: String,
}

/// Priorities in the order a digest lists them.
pub(super) const PRIORITY_ORDER: [Priority; 4] =
    [Priority::Urgent, Priority::High, Priority::Normal, Priority::Low];

/// The outcomes a caseworker may close a task with, as `tasks close` takes them.
pub(super) const OUTCOMES: &str = "no_action|revocation_initiated|referred";

/// Renders a unit's digest.
pub fn render(input: &DigestInput) -> RenderedDigest {
    let tasks = sorted(input.tasks);
    RenderedDigest {
        subject: subject(input),
        text: super::digest_text::text(input, &tasks),
        html: super::digest_html::html(input, &tasks),
    }
}

/// `1 new follow-up task for UNIT-NAME`, `3 new follow-up tasks for UNIT-NAME (1 urgent, 4
/// overdue)`: the count of new tasks, then how many of them are urgent and how many of the
/// unit's open tasks are overdue, each only when there are any. A mail filter written against
/// the first part keeps matching.
pub(super) fn subject(input: &DigestInput) -> String {
    let lang = input.language;
    let urgent = input.tasks.iter().filter(|t| t.priority == Priority::Urgent).count();
    let mut notes = Vec::new();
    if urgent > 0 {
        notes.push(lang.tr("digest-subject-urgent", &[("count", urgent.into())]));
    }
    if input.overdue_total > 0 {
        notes.push(lang.tr("digest-subject-overdue", &[("count", input.overdue_total.into())]));
    }
    if notes.is_empty() {
        return title(input);
    }
    lang.tr("digest-subject-notes", &[("title", title(input).into()), ("notes", notes.join(", ").into())])
}

/// The summary under the title, in both parts: the day, how many new tasks of each priority,
/// how many of the unit's open tasks are overdue.
pub(super) fn summary(input: &DigestInput, tasks: &[&DigestTask]) -> String {
    let lang = input.language;
    let counts: Vec<String> = groups(tasks)
        .iter()
        .map(|(p, g)| {
            lang.tr(
                "digest-summary-count",
                &[("count", g.len().into()), ("priority", priority(lang, *p).into())],
            )
        })
        .collect();
    let new = if counts.is_empty() {
        lang.t("digest-summary-none-new")
    } else {
        lang.tr("digest-summary-by-priority", &[("counts", counts.join(", ").into())])
    };
    let overdue = lang.tr("digest-summary-overdue", &[("count", input.overdue_total.into())]);
    lang.tr(
        "digest-summary",
        &[("date", lang.date(input.today).into()), ("new", new.into()), ("overdue", overdue.into())],
    )
}

/// The title of both parts: the subject without its notes in brackets.
pub(super) fn title(input: &DigestInput) -> String {
    input
        .language
        .tr("digest-title", &[("count", input.tasks.len().into()), ("unit", input.unit_name.into())])
}

/// The tasks by priority (urgent first), then due date — so overdue ones first — then permit
/// and task id.
pub(super) fn sorted(tasks: &[DigestTask]) -> Vec<&DigestTask> {
    let mut tasks: Vec<&DigestTask> = tasks.iter().collect();
    tasks.sort_by(|a, b| {
        (a.priority, a.due_on, &a.permit_id, a.id).cmp(&(b.priority, b.due_on, &b.permit_id, b.id))
    });
    tasks
}

/// The non-empty priority groups of sorted tasks, in [`PRIORITY_ORDER`].
pub(super) fn groups<'t>(tasks: &[&'t DigestTask]) -> Vec<(Priority, Vec<&'t DigestTask>)> {
    PRIORITY_ORDER
        .into_iter()
        .map(|p| (p, tasks.iter().copied().filter(|t| t.priority == p).collect::<Vec<_>>()))
        .filter(|(_, g)| !g.is_empty())
        .collect()
}

/// A priority group's heading with its count: `High priority (2)`, `Prioritet: hög (2)`.
pub(super) fn heading(lang: Language, priority: Priority, count: usize) -> String {
    let heading = lang.t(&format!("digest-group-{}", priority.as_str()));
    lang.tr("digest-group-count", &[("heading", heading.into()), ("count", count.into())])
}

/// A priority in a word: `high`, `hög`.
pub(super) fn priority(lang: Language, priority: Priority) -> String {
    lang.t(&format!("priority-{}", priority.as_str()))
}

/// `3 days overdue` when the task is due before `today`.
pub(super) fn overdue_note(lang: Language, task: &DigestTask, today: NaiveDate) -> Option<String> {
    let days = (today - task.due_on).num_days();
    (days > 0).then(|| lang.tr("digest-days-overdue", &[("days", days.into())]))
}

/// The heading of a task's cause, and its reason unless the reason says no more than it.
pub(super) fn cause_and_reason(lang: Language, task: &DigestTask) -> (String, Option<String>) {
    let cause = lang.cause(&task.headline.cause);
    let reason = task.headline.reason.clone().filter(|r| *r != cause);
    (cause, reason)
}

/// How many overdue tasks the Overdue section leaves out.
pub(super) fn overdue_left_out(input: &DigestInput) -> u64 {
    input.overdue_total.saturating_sub(u64::try_from(input.overdue.len()).unwrap_or(u64::MAX))
}

/// The link to a task in the inbox, when there is an inbox.
pub(super) fn task_link(input: &DigestInput, task: &DigestTask) -> Option<String> {
    input.inbox.map(|base| format!("{base}/tasks/{}", task.id))
}

/// The inbox's own page, when there is an inbox.
pub(super) fn inbox_link(input: &DigestInput) -> Option<String> {
    input.inbox.map(|base| format!("{base}/"))
}

/// The footer's sentence on what the digest covers: the unit, and the days the new tasks were
/// created on.
pub(super) fn period(input: &DigestInput) -> String {
    let lang = input.language;
    let first = input.tasks.iter().map(|t| t.created_on).min();
    let last = input.tasks.iter().map(|t| t.created_on).max();
    let (unit, today) = (input.unit_name.into(), lang.date(input.today).into());
    match (first, last) {
        (Some(a), Some(b)) if a == b => lang
            .tr("digest-period-one-day", &[("unit", unit), ("day", lang.date(a).into()), ("today", today)]),
        (Some(a), Some(b)) => lang.tr(
            "digest-period-days",
            &[("unit", unit), ("from", lang.date(a).into()), ("to", lang.date(b).into()), ("today", today)],
        ),
        _ => lang.tr("digest-period-overdue-only", &[("unit", unit), ("today", today)]),
    }
}

/// The footer's sentence on who receives the mail.
pub(super) fn recipients_note(input: &DigestInput) -> String {
    input.language.tr("digest-recipients", &[("unit", input.unit_key.into())])
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub fn task(
        id: i64,
        permit: &str,
        cause: &str,
        reason: Option<&str>,
        due_on: &str,
        priority: Priority,
    ) -> DigestTask {
        DigestTask {
            id: TaskId(id),
            permit_id: PermitId::parse(permit).unwrap(),
            headline: Headline { cause: cause.into(), reason: reason.map(str::to_string) },
            due_on: date(due_on),
            priority,
            legal_basis: "UtlL 7 kap. 7 §".into(),
            created_on: date("2026-11-20"),
        }
    }

    /// The reason a rule's task carries in the samples, in Swedish as policy staff write it.
    pub const EMIGRATED: &str = "Innehavaren är avregistrerad från folkbokföringen på grund av utflyttning";

    /// Six new tasks of four priorities (one overdue), each signal task with its rule's reason,
    /// and three of the unit's four overdue tasks.
    pub fn sample() -> (Vec<DigestTask>, Vec<DigestTask>) {
        let income = Some(
            "Reported income below the work-permit threshold or from another employer: 24350 SEK \
             reported for 2026-10, below the threshold of 28480 SEK",
        );
        let deceased = Some("Holder registered as deceased");
        let mut new = vec![
            task(103, "UT-2026-0003", "periodic_review", None, "2026-12-07", Priority::Normal),
            task(101, "UT-2026-0001", "emigrated", Some(EMIGRATED), "2026-12-04", Priority::High),
            task(102, "UT-2026-0002", "periodic_review", None, "2026-11-21", Priority::Normal),
            task(109, "UT-2026-0009", "deceased", deceased, "2026-11-30", Priority::Urgent),
            task(104, "UT-2026-0004", "periodic_review", None, "2026-12-01", Priority::Normal),
            task(105, "UT-2026-0005", "income-below-threshold", income, "2026-12-20", Priority::Low),
        ];
        new[5].created_on = date("2026-11-23");
        let citizenship = Some("Holder's citizenship changed in the population register");
        let overdue = vec![
            task(7, "UT-2025-0700", "periodic_review", None, "2025-12-02", Priority::Normal),
            task(8, "UT-2025-0800", "citizenship_changed", citizenship, "2026-01-15", Priority::High),
            task(102, "UT-2026-0002", "periodic_review", None, "2026-11-21", Priority::Normal),
        ];
        (new, overdue)
    }

    pub fn input<'a>(
        tasks: &'a [DigestTask],
        overdue: &'a [DigestTask],
        url: Option<&'a CaseUrl>,
    ) -> DigestInput<'a> {
        DigestInput {
            unit_name: "Study permits unit",
            unit_key: "study",
            tasks,
            overdue,
            overdue_total: 4,
            case_url: url,
            today: date("2026-11-23"),
            language: Language::En,
            inbox: None,
        }
    }

    /// The same in Swedish.
    pub fn swedish<'a>(input: DigestInput<'a>) -> DigestInput<'a> {
        DigestInput { language: Language::Sv, ..input }
    }

    #[test]
    fn the_subject_pluralises_and_says_how_many_are_urgent_or_overdue() {
        let (new, overdue) = sample();
        assert_eq!(
            subject(&input(&new, &overdue, None)),
            "6 new follow-up tasks for Study permits unit (1 urgent, 4 overdue)"
        );
        let one = input(&new[..1], &[], None);
        assert_eq!(
            subject(&DigestInput { overdue_total: 0, ..one }),
            "1 new follow-up task for Study permits unit"
        );
        assert_eq!(
            subject(&input(&new[3..4], &[], None)),
            "1 new follow-up task for Study permits unit (1 urgent, 4 overdue)"
        );
        assert_eq!(
            subject(&DigestInput { overdue_total: 1, ..input(&new[..2], &[], None) }),
            "2 new follow-up tasks for Study permits unit (1 overdue)"
        );
        assert_eq!(
            subject(&swedish(input(&new, &overdue, None))),
            "6 nya uppföljningsärenden för Study permits unit (1 brådskande, 4 försenade)"
        );
        assert_eq!(
            subject(&swedish(DigestInput { overdue_total: 0, ..one })),
            "1 nytt uppföljningsärende för Study permits unit"
        );
        let many = DigestInput { overdue_total: 12345, ..input(&new[..2], &[], None) };
        assert!(subject(&many).ends_with("(12,345 overdue)"), "{}", subject(&many));
        assert!(subject(&swedish(many)).ends_with("(12\u{a0}345 försenade)"), "{}", subject(&swedish(many)));
    }

    #[test]
    fn tasks_go_by_priority_then_due_date_so_overdue_ones_lead_their_group() {
        let (new, _) = sample();
        let ids: Vec<i64> = sorted(&new).iter().map(|t| t.id.0).collect();
        assert_eq!(ids, [109, 101, 102, 104, 103, 105]);
        let (today, en, sv) = (date("2026-11-23"), Language::En, Language::Sv);
        assert_eq!(overdue_note(en, &new[2], today).as_deref(), Some("2 days overdue"));
        assert_eq!(overdue_note(sv, &new[2], today).as_deref(), Some("försenat 2 dagar"));
        assert_eq!(
            overdue_note(en, &task(1, "A", "x", None, "2026-11-22", Priority::Low), today).as_deref(),
            Some("1 day overdue")
        );
        assert_eq!(overdue_note(en, &new[0], today), None);
        assert_eq!(
            overdue_note(en, &task(1, "A", "x", None, "2026-11-23", Priority::Low), today),
            None,
            "due today is not overdue"
        );
    }

    #[test]
    fn the_summary_and_footer_say_what_the_digest_covers() {
        let (new, overdue) = sample();
        let i = input(&new, &overdue, None);
        assert_eq!(
            summary(&i, &sorted(&new)),
            "23 November 2026. By priority: 1 urgent, 1 high, 3 normal, 1 low. 4 open tasks of the unit are overdue."
        );
        assert_eq!(
            summary(&swedish(i), &sorted(&new)),
            "23 november 2026. Per prioritet: 1 brådskande, 1 hög, 3 normal, 1 låg. 4 av enhetens öppna ärenden är försenade."
        );
        assert_eq!(title(&i), "6 new follow-up tasks for Study permits unit");
        assert!(
            period(&i).contains("created for Study permits unit from 20 November 2026 to 23 November 2026"),
            "{}",
            period(&i)
        );
        assert_eq!(overdue_left_out(&i), 1);
        let none = DigestInput { overdue_total: 0, ..input(&[], &[], None) };
        assert_eq!(
            summary(&none, &[]),
            "23 November 2026. No new tasks. No open task of the unit is overdue."
        );
        assert!(period(&none).contains("overdue tasks of Study permits unit on 23 November 2026"));
        assert!(
            period(&swedish(none)).contains("försenade ärendena för Study permits unit den 23 november 2026")
        );
    }

    #[test]
    fn a_reason_is_shown_beside_its_heading_unless_it_only_repeats_it() {
        let mut t = task(1, "A", "employment_ended", Some("Employment ended"), "2026-11-23", Priority::High);
        assert_eq!(cause_and_reason(Language::En, &t), ("Employment ended".into(), None));
        assert_eq!(
            cause_and_reason(Language::Sv, &t),
            ("Anställningen har upphört".into(), Some("Employment ended".into()))
        );
        t.headline.cause = "study_leave".into();
        assert_eq!(cause_and_reason(Language::Sv, &t).0, "Study leave", "a configured kind by its key");
    }
}
