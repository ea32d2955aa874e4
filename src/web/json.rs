//! What the API answers in JSON: TASK (the keys of `tasks --format json` and those of the API),
//! an event of the audit trail, the caller; and how a request's JSON body is read, strictly.

use super::problem::Problem;
use crate::domain::access::Caller;
use crate::domain::audit::AuditEvent;
use crate::domain::task::{Evidence, Occasion, Task};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

/// An instant as the API writes it: RFC 3339 in UTC, to the second.
#[derive(Debug, Clone, Copy)]
struct Instant(NaiveDateTime);

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

/// A value written as its `Display`, without a `String` of its own first.
struct Shown<'a, T: std::fmt::Display>(&'a T);

impl<T: std::fmt::Display> Serialize for Shown<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

/// A task's evidence, each item's keys in alphabetical order as in every other object the API
/// writes (the stored shape of a missed report keeps its own order).
struct SortedEvidence<'a>(&'a [Evidence]);

impl Serialize for SortedEvidence<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            match item {
                Evidence::Missed { missed, kind, from, to } => {
                    struct Missed<'a>(&'a str, &'a str, &'a NaiveDate, &'a NaiveDate);
                    impl Serialize for Missed<'_> {
                        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                            let mut map = s.serialize_map(Some(4))?;
                            map.serialize_entry("from", self.2)?;
                            map.serialize_entry("kind", self.1)?;
                            map.serialize_entry("missed", self.0)?;
                            map.serialize_entry("to", self.3)?;
                            map.end()
                        }
                    }
                    seq.serialize_element(&Missed(missed, kind, from, to))?;
                }
                // Their fields are declared in alphabetical order.
                Evidence::Occasion { .. } | Evidence::Signal { .. } => seq.serialize_element(item)?,
            }
        }
        seq.end()
    }
}

/// A task's links: itself, and its case in the case system.
#[derive(Serialize)]
struct Links {
    case: Option<String>,
    #[serde(rename = "self")]
    itself: String,
}

/// TASK: the keys of `tasks --format json` ([`Task::listed`]), then who holds and closed it,
/// when, its note, version and links; with its events when read alone. Written straight from
/// the task, its keys in alphabetical order (the order of a `serde_json::Value` map, which
/// `the_typed_bodies_keep_the_keys_in_alphabetical_order` holds it to).
#[derive(Serialize)]
pub struct TaskBody<'a> {
    assignee: Option<&'a str>,
    cause: &'a str,
    closed_at: Option<Instant>,
    closed_by: Option<&'a str>,
    created_on: NaiveDate,
    due_on: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventBody<'a>>>,
    evidence: SortedEvidence<'a>,
    id: i64,
    legal_basis: &'a str,
    links: Links,
    note: Option<&'a str>,
    notified: bool,
    occasion: Shown<'a, Occasion>,
    outcome: Option<&'static str>,
    permit_id: &'a str,
    priority: &'static str,
    reason: &'a str,
    state: &'static str,
    unit: &'a str,
    version: i64,
}

/// TASK of `t` with its `links` (itself, its case).
pub fn task(t: &Task, links: (String, Option<String>)) -> TaskBody<'_> {
    TaskBody {
        assignee: t.assignee.as_deref(),
        cause: t.cause.as_str(),
        closed_at: t.closed_at.map(Instant),
        closed_by: t.closed_by.as_deref(),
        created_on: t.created_on,
        due_on: t.due_on,
        events: None,
        evidence: SortedEvidence(&t.evidence),
        id: t.id.0,
        legal_basis: &t.legal_basis,
        links: Links { case: links.1, itself: links.0 },
        note: t.note.as_deref(),
        notified: t.notified_at.is_some(),
        occasion: Shown(&t.occasion),
        outcome: t.outcome.map(|o| o.as_str()),
        permit_id: t.permit_id.as_str(),
        priority: t.priority.as_str(),
        reason: &t.reason,
        state: t.state.as_str(),
        unit: t.unit.as_str(),
        version: t.version,
    }
}

/// TASK read alone: with its `events`.
pub fn task_with_events<'a>(
    t: &'a Task,
    links: (String, Option<String>),
    events: &'a [AuditEvent],
) -> TaskBody<'a> {
    TaskBody { events: Some(events.iter().map(event).collect()), ..task(t, links) }
}

/// A page of tasks: `GET /api/v1/tasks`.
#[derive(Serialize)]
pub struct PageBody<'a> {
    next_cursor: Option<&'a str>,
    tasks: Vec<TaskBody<'a>>,
}

/// The page of `tasks`, each with its links, and where the next begins.
pub fn page<'a>(
    tasks: &'a [Task],
    links: impl Fn(&Task) -> (String, Option<String>),
    next_cursor: Option<&'a str>,
) -> PageBody<'a> {
    PageBody { next_cursor, tasks: tasks.iter().map(|t| task(t, links(t))).collect() }
}

/// One event of the trail.
#[derive(Serialize)]
pub struct EventBody<'a> {
    actor: &'a str,
    at: Instant,
    detail: &'a str,
    event: &'static str,
    task_id: Option<i64>,
}

/// One event of the trail.
pub fn event(e: &AuditEvent) -> EventBody<'_> {
    EventBody {
        actor: &e.actor,
        at: Instant(e.at),
        detail: &e.detail,
        event: e.kind.as_str(),
        task_id: e.task_id.map(|t| t.0),
    }
}

/// A permit's history: `GET /api/v1/permits/ID/history`.
#[derive(Serialize)]
pub struct HistoryBody<'a> {
    events: Vec<EventBody<'a>>,
    permit_id: &'a str,
}

/// The history of `permit_id`.
pub fn history<'a>(permit_id: &'a str, events: &'a [AuditEvent]) -> HistoryBody<'a> {
    HistoryBody { events: events.iter().map(event).collect(), permit_id }
}

/// `GET /api/v1/me`.
pub fn me(c: &Caller) -> Value {
    let grants: Vec<Value> =
        c.grants.iter().map(|g| json!({ "role": g.role.as_str(), "units": g.units.words() })).collect();
    json!({ "subject": c.subject, "name": c.name, "grants": grants })
}

/// A JSON answer of `status`, with an `ETag` when given.
pub fn answer<T: Serialize + ?Sized>(status: StatusCode, body: &T, etag: Option<i64>) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "an answer could not be written as JSON");
            return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "the answer could not be written")
                .into_response();
        }
    };
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(version) = etag {
        if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
            headers.insert(header::ETAG, v);
        }
    }
    response
}

/// A request's body as `T`: 413 over the limit, 400 when it is not JSON, 422 when it is JSON
/// of the wrong shape (a missing or unknown field, a wrong type).
pub fn body<T: DeserializeOwned>(bytes: Result<Bytes, BytesRejection>) -> Result<T, Problem> {
    let bytes = bytes.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is over 64 KiB")
        }
        status => Problem::new(status, "the body could not be read"),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        use serde_json::error::Category;
        let status = match e.classify() {
            Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
            Category::Syntax | Category::Eof | Category::Io => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, format!("the body is not the JSON expected: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::AuditKind;
    use crate::domain::ids::{PermitId, TaskId};
    use crate::domain::keys::UnitKey;
    use crate::domain::policy::Priority;
    use crate::domain::task::{Cause, Outcome, TaskState};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn closed_task() -> Task {
        let data: serde_json::Map<String, Value> =
            serde_json::from_str(r#"{"b": 1, "a": "x\"y\u00e5", "c": [1, {"z": 1, "y": 2}]}"#).unwrap();
        Task {
            id: TaskId(42),
            permit_id: PermitId::parse("UT-2026-100009").unwrap(),
            cause: Cause::Signal("income_missing".into()),
            occasion: Occasion::parse(&Cause::Signal("income_missing".into()), "navet-7").unwrap(),
            unit: UnitKey::parse("work").unwrap(),
            priority: Priority::High,
            reason: "Reason with \"quotes\" and \u{e5}\u{e4}\u{f6}\n".into(),
            legal_basis: "UtlL 7 kap. 7 e \u{a7}".into(),
            evidence: vec![
                Evidence::Occasion { occasion: d("2027-03-02") },
                Evidence::Signal {
                    data,
                    kind: "income_reported".into(),
                    occurred_on: d("2026-11-01"),
                    reason: "Income".into(),
                    signal: "s-1".into(),
                },
                Evidence::Missed {
                    missed: "2026-11".into(),
                    kind: "income".into(),
                    from: d("2026-11-01"),
                    to: d("2026-11-30"),
                },
            ],
            created_on: d("2027-03-01"),
            due_on: d("2027-03-31"),
            state: TaskState::Closed,
            outcome: Some(Outcome::Referred),
            note: Some("a note".into()),
            notified_at: Some(d("2027-03-02").and_hms_opt(7, 0, 0).unwrap()),
            assignee: Some("token:case".into()),
            closed_by: Some("token:case".into()),
            closed_at: Some(d("2027-03-03").and_hms_micro_opt(9, 8, 7, 654_321).unwrap()),
            version: 4,
        }
    }

    /// What TASK was before it was written from a typed struct: a `Value` map built from
    /// [`Task::listed`] (its keys in alphabetical order).
    fn as_a_value_map(t: &Task, links: (String, Option<String>)) -> Value {
        let mut map = t.listed();
        map.insert("assignee".into(), t.assignee.clone().into());
        map.insert("closed_by".into(), t.closed_by.clone().into());
        map.insert(
            "closed_at".into(),
            t.closed_at.map(|at| format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S"))).into(),
        );
        map.insert("note".into(), t.note.clone().into());
        map.insert("version".into(), t.version.into());
        map.insert("links".into(), json!({ "self": links.0, "case": links.1 }));
        Value::Object(map)
    }

    #[test]
    fn the_typed_bodies_write_the_bytes_a_value_map_wrote() {
        let closed = closed_task();
        let open = Task {
            state: TaskState::Open,
            outcome: None,
            note: None,
            notified_at: None,
            assignee: None,
            closed_by: None,
            closed_at: None,
            cause: Cause::PeriodicReview,
            occasion: Occasion::Date(d("2027-03-02")),
            ..closed.clone()
        };
        for (t, case) in
            [(&closed, Some("https://case.example/p?id=UT-2026-100009".to_string())), (&open, None)]
        {
            let links = (format!("/api/v1/tasks/{}", t.id), case);
            let typed = serde_json::to_string(&task(t, links.clone())).unwrap();
            assert_eq!(typed, as_a_value_map(t, links.clone()).to_string());
            // A body whose keys are in alphabetical order reads back to a `Value` that writes
            // the same bytes.
            let reread: Value = serde_json::from_str(&typed).unwrap();
            assert_eq!(reread.to_string(), typed);
        }
        let events = [AuditEvent {
            permit_id: closed.permit_id.clone(),
            at: d("2027-03-03").and_hms_opt(9, 8, 7).unwrap(),
            kind: AuditKind::TaskClosed,
            task_id: Some(closed.id),
            detail: "task 42 closed".into(),
            actor: "token:case".into(),
        }];
        let links = (String::from("/api/v1/tasks/42"), None);
        let mut old = as_a_value_map(&closed, links.clone());
        old["events"] = events
            .iter()
            .map(|e| {
                json!({
                    "at": "2027-03-03T09:08:07Z",
                    "event": e.kind.as_str(),
                    "actor": e.actor,
                    "task_id": e.task_id.map(|t| t.0),
                    "detail": e.detail,
                })
            })
            .collect();
        assert_eq!(
            serde_json::to_string(&task_with_events(&closed, links.clone(), &events)).unwrap(),
            old.to_string()
        );
        let tasks = [closed.clone(), open];
        let body = serde_json::to_string(&page(
            &tasks,
            |t| (format!("/api/v1/tasks/{}", t.id), None),
            Some("2027-03-31.42"),
        ))
        .unwrap();
        let reread: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(reread.to_string(), body);
        assert_eq!(reread["next_cursor"], "2027-03-31.42");
        let history = serde_json::to_string(&history("UT-2026-100009", &events)).unwrap();
        let reread: Value = serde_json::from_str(&history).unwrap();
        assert_eq!(reread.to_string(), history);
    }
}
