//! What the API answers in JSON: TASK (the keys of `tasks --format json` and those of the API),
//! an event of the audit trail, the caller; and how a request's JSON body is read, strictly.

use super::problem::Problem;
use crate::domain::access::Caller;
use crate::domain::audit::AuditEvent;
use crate::domain::task::Task;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// An instant as the API writes it: RFC 3339 in UTC, to the second.
fn instant(at: chrono::NaiveDateTime) -> String {
    format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S"))
}

/// TASK: its listed keys, then who holds and closed it, when, its note, version and links.
pub fn task(t: &Task, links: (String, Option<String>)) -> Value {
    let mut map = t.listed();
    map.insert("assignee".into(), t.assignee.clone().into());
    map.insert("closed_by".into(), t.closed_by.clone().into());
    map.insert("closed_at".into(), t.closed_at.map(instant).into());
    map.insert("note".into(), t.note.clone().into());
    map.insert("version".into(), t.version.into());
    map.insert("links".into(), json!({ "self": links.0, "case": links.1 }));
    Value::Object(map)
}

/// One event of the trail.
pub fn event(e: &AuditEvent) -> Value {
    json!({
        "at": instant(e.at),
        "event": e.kind.as_str(),
        "actor": e.actor,
        "task_id": e.task_id.map(|t| t.0),
        "detail": e.detail,
    })
}

/// `GET /api/v1/me`.
pub fn me(c: &Caller) -> Value {
    let grants: Vec<Value> =
        c.grants.iter().map(|g| json!({ "role": g.role.as_str(), "units": g.units.words() })).collect();
    json!({ "subject": c.subject, "name": c.name, "grants": grants })
}

/// A JSON answer of `status`, with an `ETag` when given.
pub fn answer(status: StatusCode, body: &Value, etag: Option<i64>) -> Response {
    let mut response = (status, body.to_string()).into_response();
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
