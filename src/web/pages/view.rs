//! What the inbox's pages show, made from the use cases' answers for their templates
//! (`templates/inbox.html`, `templates/task.html`, `templates/notice.html`): every word from the
//! page's language, every value escaped by the template engine. No SQL and no rule here: what
//! a person may do is the one rule's answer, asked per action.

use crate::domain::access::{decide, Action, Caller, Decision};
use crate::domain::audit::{AuditEvent, Said, Source};
use crate::domain::headline::shown_reason;
use crate::domain::policy::Priority;
use crate::domain::task::{Evidence, Outcome, Task, TaskState};
use crate::i18n::Language;
use crate::layout::{Frame, Kind, StyleSheet, STYLESHEET_PATH};
use askama::Template;
use chrono::NaiveDate;

/// The frame of an inbox page titled `title`.
pub fn frame(lang: Language, title: String, subtitle: String) -> Frame {
    Frame { lang, title, subtitle, style: StyleSheet::Linked(STYLESHEET_PATH), kind: Kind::Page }
}

/// The bar above every page of a signed-in person: who, and the way out.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The person's name.
    pub name: String,
    /// The session's form token.
    pub form_token: String,
}

/// An option of a filter.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// The words shown.
    pub label: String,
    /// Chosen now.
    pub selected: bool,
}

/// The open and overdue tasks of one of the person's units.
#[derive(Debug, Clone)]
pub struct UnitCount {
    /// The unit's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Open tasks, written in the page's language.
    pub open: String,
    /// Of them overdue.
    pub overdue: String,
}

/// A row of the inbox.
#[derive(Debug, Clone)]
pub struct Row {
    /// The task's id.
    pub id: i64,
    /// The permit's id.
    pub permit: String,
    /// The permit's case in the case system, when its unit has a link.
    pub case: Option<String>,
    /// The cause in words.
    pub cause: String,
    /// The rule's reason.
    pub reason: String,
    /// The due date (ISO 8601 in a column of dates).
    pub due: String,
    /// Days past due, when overdue.
    pub overdue_days: Option<i64>,
    /// The priority in words.
    pub priority: String,
    /// The priority's key (the stylesheet's class).
    pub priority_key: &'static str,
    /// Who holds it, if anyone.
    pub assignee: Option<String>,
}

/// `/`: the open tasks of the person's units.
#[derive(Template)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    /// The layout's frame.
    pub frame: Frame,
    /// The language.
    pub lang: Language,
    /// Who is signed in.
    pub bar: Bar,
    /// Open and overdue tasks per unit.
    pub counts: Vec<UnitCount>,
    /// The unit filter.
    pub units: Vec<Choice>,
    /// The cause filter.
    pub causes: Vec<Choice>,
    /// The priority filter.
    pub priorities: Vec<Choice>,
    /// The assignment filter.
    pub assigned: Vec<Choice>,
    /// The tasks of this page.
    pub rows: Vec<Row>,
    /// The next page's address, when there is one.
    pub next: Option<String>,
}

/// A line of a task's facts.
#[derive(Debug, Clone)]
pub struct Fact {
    /// What.
    pub label: String,
    /// Its value.
    pub value: String,
}

/// An event of a task, as its page lists it.
#[derive(Debug, Clone)]
pub struct EventLine {
    /// When (UTC, `YYYY-MM-DD HH:MM`).
    pub at: String,
    /// What, in words.
    pub what: String,
    /// Who.
    pub actor: String,
    /// The event's sentence in the page's language.
    pub detail: String,
    /// The language of `detail` when it is not the page's: a sentence of a shape the page
    /// cannot read back is shown as it was recorded, in English, and marked so.
    pub detail_lang: Option<&'static str>,
}

/// What a page says happened, or why not.
#[derive(Debug, Clone)]
pub struct Notice {
    /// `ok` or `problem` (the stylesheet's class; a problem is announced as an alert).
    pub class: &'static str,
    /// The words.
    pub text: String,
}

/// What the person had typed into the forms of a task's page, given back after a refusal.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// The note form's text.
    pub note: String,
    /// The close form's note.
    pub close_note: String,
    /// The close form's outcome.
    pub outcome: String,
    /// The assign form's assignee.
    pub assignee: String,
}

/// What the person may do with the task now.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actions {
    /// Take it.
    pub claim: bool,
    /// Give it back (their own, or anyone's for a manager).
    pub release: bool,
    /// Hand it to someone.
    pub assign: bool,
    /// Add a note.
    pub note: bool,
    /// Close it.
    pub close: bool,
}

impl Actions {
    /// What the one rule lets `caller` do with `task` as it stands.
    pub fn of(caller: &Caller, task: &Task) -> Actions {
        let may = |action| decide(caller, &task.unit, action) == Decision::Allowed;
        if task.state != TaskState::Open {
            return Actions::default();
        }
        let held_by_me = task.assignee.as_deref() == Some(caller.subject.as_str());
        Actions {
            claim: task.assignee.is_none() && may(Action::Claim),
            release: match &task.assignee {
                None => false,
                Some(_) if held_by_me => may(Action::ReleaseOwn),
                Some(_) => may(Action::ReleaseAny),
            },
            assign: may(Action::Assign),
            note: may(Action::Note),
            close: may(Action::Close),
        }
    }
}

/// `/tasks/{id}`: one task, its evidence and events, and the forms of what the person may do.
#[derive(Template)]
#[template(path = "task.html")]
pub struct TaskPage {
    /// The layout's frame.
    pub frame: Frame,
    /// The language.
    pub lang: Language,
    /// Who is signed in.
    pub bar: Bar,
    /// The task's id.
    pub id: i64,
    /// What happened, or why not.
    pub notice: Option<Notice>,
    /// The task's facts.
    pub facts: Vec<Fact>,
    /// Its evidence, a line each.
    pub evidence: Vec<String>,
    /// Its events, oldest first.
    pub events: Vec<EventLine>,
    /// What the person may do.
    pub actions: Actions,
    /// Whom the task may be handed to, offered in the assign form.
    pub people: Vec<Choice>,
    /// The outcomes to close with.
    pub outcomes: Vec<Choice>,
    /// What was typed, given back.
    pub typed: Typed,
}

/// A page that only says something: signed out, sign-in failed, no such task, refused.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    /// The layout's frame.
    pub frame: Frame,
    /// The language.
    pub lang: Language,
    /// What it says.
    pub text: String,
    /// Where to go on: its address and words.
    pub link: (String, String),
}

/// Days `due` lies before `today`, when it does.
pub fn overdue_days(due: NaiveDate, today: NaiveDate) -> Option<i64> {
    let days = (today - due).num_days();
    (days > 0).then_some(days)
}

/// A row of the inbox for `task`.
pub fn row(lang: Language, task: &Task, case: Option<String>, today: NaiveDate) -> Row {
    Row {
        id: task.id.0,
        permit: task.permit_id.as_str().to_string(),
        case,
        cause: lang.cause(task.cause.as_str()),
        reason: shown_reason(&task.cause, &task.reason).unwrap_or_default().to_string(),
        due: task.due_on.to_string(),
        overdue_days: overdue_days(task.due_on, today),
        priority: priority(lang, task.priority),
        priority_key: task.priority.as_str(),
        assignee: task.assignee.clone(),
    }
}

/// A priority in words.
pub fn priority(lang: Language, p: Priority) -> String {
    lang.t(&format!("priority-{}", p.as_str()))
}

/// The facts of `task` on its page.
pub fn facts(
    lang: Language,
    task: &Task,
    (unit, case): (String, Option<String>),
    today: NaiveDate,
) -> Vec<Fact> {
    let fact = |id: &str, value: String| Fact { label: lang.t(id), value };
    let mut out = vec![
        fact("task-permit", task.permit_id.as_str().to_string()),
        fact("col-unit", unit),
        fact("col-cause", lang.cause(task.cause.as_str())),
    ];
    if let Some(reason) = shown_reason(&task.cause, &task.reason) {
        out.push(fact("task-reason", reason.to_string()));
    }
    out.extend([
        fact("task-legal-basis", task.legal_basis.clone()),
        fact("task-priority", priority(lang, task.priority)),
        fact("task-created", lang.date(task.created_on)),
        fact("task-due", lang.date(task.due_on)),
    ]);
    if let Some(days) = overdue_days(task.due_on, today).filter(|_| task.state == TaskState::Open) {
        out.push(fact("task-overdue", lang.tr("inbox-days", &[("days", days.into())])));
    }
    out.push(fact("task-state", lang.t(&format!("task-state-{}", task.state.as_str()))));
    out.push(fact("task-assignee", task.assignee.clone().unwrap_or_else(|| lang.t("inbox-nobody"))));
    if let Some(outcome) = task.outcome {
        out.push(fact("task-outcome", lang.t(&format!("outcome-{}", outcome.as_str()))));
    }
    if let Some(by) = &task.closed_by {
        out.push(fact("task-closed-by", by.clone()));
    }
    if let Some(at) = task.closed_at {
        out.push(fact("task-closed-at", format!("{} UTC", at.format("%Y-%m-%d %H:%M"))));
    }
    if let Some(note) = &task.note {
        out.push(fact("task-note", note.clone()));
    }
    if let Some(case) = case {
        out.push(fact("task-case", case));
    }
    out.push(fact("task-version", task.version.to_string()));
    out
}

/// A line of evidence.
pub fn evidence(lang: Language, e: &Evidence) -> String {
    match e {
        Evidence::Occasion { occasion } => {
            lang.tr("evidence-occasion", &[("date", lang.date(*occasion).into())])
        }
        Evidence::Signal { data, kind, occurred_on, reason, signal } => {
            let data: Vec<String> = data.iter().map(|(k, v)| datum(lang, k, v)).collect();
            let mut line = lang.tr(
                "evidence-signal",
                &[
                    ("kind", lang.cause(kind).into()),
                    ("signal", signal.as_str().into()),
                    ("date", lang.date(*occurred_on).into()),
                ],
            );
            if !reason.is_empty() {
                line += &format!(" — {reason}");
            }
            if !data.is_empty() {
                line += &format!(" ({})", data.join(", "));
            }
            line
        }
        Evidence::Missed { missed, kind, from, to } => lang.tr(
            "evidence-missed",
            &[
                ("kind", lang.cause(kind).into()),
                ("period", missed.as_str().into()),
                ("from", lang.date(*from).into()),
                ("to", lang.date(*to).into()),
            ],
        ),
    }
}

/// A field of a signal's data as a person reads it: the field's name in the page's language
/// where the program knows the field (a feed's own fields are shown by their key), numbers with
/// the language's separators, amounts in kronor, strings without JSON's quotes.
fn datum(lang: Language, key: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    let name = lang.try_t(&format!("data-{key}")).unwrap_or_else(|| key.to_string());
    let value = match value {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(whole), _) => lang.number(whole),
            (None, Some(x)) => lang.decimal(x, 2),
            (None, None) => n.to_string(),
        },
        Value::Bool(yes) => lang.t(if *yes { "data-yes" } else { "data-no" }),
        Value::String(s) if s == "[linked]" => lang.t("data-linked"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match key {
        "amount_sek" => lang.tr("data-kronor", &[("name", name.into()), ("amount", value.into())]),
        _ => format!("{name}: {value}"),
    }
}

/// An event on a task's page, its sentence said in the page's language; `unit_name` names a
/// unit by its key.
pub fn event(lang: Language, e: &AuditEvent, unit_name: &dyn Fn(&str) -> String) -> EventLine {
    let (detail, detail_lang) = match said(lang, e, unit_name) {
        Some(text) => (text, None),
        None => (e.detail.clone(), (lang != Language::En).then_some(Language::En.code())),
    };
    EventLine {
        at: e.at.format("%Y-%m-%d %H:%M").to_string(),
        what: lang
            .try_t(&format!("event-{}", e.kind.as_str()))
            .unwrap_or_else(|| e.kind.as_str().to_string()),
        actor: e.actor.clone(),
        detail,
        detail_lang,
    }
}

/// What the sentence of `e` says, in `lang`; `None` for a sentence shown as it was recorded.
fn said(lang: Language, e: &AuditEvent, unit_name: &dyn Fn(&str) -> String) -> Option<String> {
    let day = |iso: &str| iso.parse().map_or_else(|_| iso.to_string(), |d| lang.date(d));
    let source = |from: &Source| match from {
        Source::Occasion(occasion) => lang.tr("said-occasion", &[("occasion", day(occasion).into())]),
        Source::Signal { id, navet: None } => lang.tr("said-signal", &[("signal", (*id).into())]),
        Source::Signal { id, navet: Some(navet) } => {
            let (file, record) = navet.split_once(", record ").unwrap_or((navet, ""));
            let args = [("signal", (*id).into()), ("file", file.into()), ("record", record.into())];
            lang.tr("said-signal-navet", &args)
        }
        Source::Missed { kind, periods } => {
            let kind = kind.map_or_else(String::new, |k| lang.cause(k));
            lang.tr("said-missed", &[("kind", kind.into()), ("periods", (*periods).into())])
        }
    };
    Some(match e.said() {
        Said::Created { cause, from, unit, due } => lang.tr(
            "said-created",
            &[
                ("cause", lang.cause(cause).into()),
                ("from", source(&from).into()),
                ("unit", unit_name(unit).into()),
                ("due", day(due).into()),
            ],
        ),
        Said::Attached(from) => lang.tr("said-attached", &[("from", source(&from).into())]),
        Said::Closed { outcome, note } => {
            let outcome = lang.try_t(&format!("outcome-{outcome}")).unwrap_or_else(|| outcome.to_string());
            match note {
                Some(note) => {
                    lang.tr("said-closed-note", &[("outcome", outcome.into()), ("note", note.into())])
                }
                None => lang.tr("said-closed", &[("outcome", outcome.into())]),
            }
        }
        Said::Claimed => lang.t("said-claimed"),
        Said::Assigned { to } => lang.tr("said-assigned", &[("to", to.into())]),
        Said::Released { from: None } => lang.t("said-released"),
        Said::Released { from: Some(from) } if from == e.actor => lang.t("said-released"),
        Said::Released { from: Some(from) } => lang.tr("said-released-from", &[("from", from.into())]),
        Said::Noted { text } => text.to_string(),
        Said::Opened => lang.t("said-opened"),
        Said::Sent { unit, message_id } => {
            lang.tr("said-sent", &[("unit", unit_name(unit).into()), ("message", message_id.into())])
        }
        Said::Recorded(_) => return None,
    })
}

/// The outcomes a close may give, `chosen` selected.
pub fn outcomes(lang: Language, chosen: &str) -> Vec<Choice> {
    Outcome::ALL
        .iter()
        // The outcomes a person may give (`permit_inactive` is the follow-up's own).
        .filter(|o| o.as_str().parse::<Outcome>().is_ok())
        .map(|o| Choice {
            value: o.as_str().to_string(),
            label: lang.t(&format!("outcome-{}", o.as_str())),
            selected: o.as_str() == chosen,
        })
        .collect()
}
