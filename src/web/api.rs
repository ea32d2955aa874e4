//! The task API's routes (docs/REFERENCE.md §10). Each handler is thin: it reads the request,
//! hands the caller and the values to a use case in `jobs::tasks` or `jobs::close_task` (which
//! asks the one authorization rule), and turns its answer or its error's kind into HTTP. No
//! SQL and no rule here.

use super::auth::Authed;
use super::json::{self, answer, body};
use super::problem::{Problem, Refusal};
use super::WebState;
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::keys::UnitKey;
use crate::domain::task::{Cause, Outcome, TaskState};
use crate::jobs::close_task::{close_task, CloseError};
use crate::jobs::tasks::list::{list_tasks, Assignee, TaskQuery, MAX_LIMIT};
use crate::jobs::tasks::view::{view_history, view_task, HistoryError};
use crate::jobs::tasks::{hold, note, TaskError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

/// The routes under `/api/v1`.
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/tasks", get(tasks))
        .route("/api/v1/tasks/{id}", get(task))
        .route("/api/v1/tasks/{id}/claim", post(claim))
        .route("/api/v1/tasks/{id}/release", post(release))
        .route("/api/v1/tasks/{id}/assign", post(assign))
        .route("/api/v1/tasks/{id}/notes", post(add_note))
        .route("/api/v1/tasks/{id}/close", post(close))
        .route("/api/v1/permits/{permit_id}/history", get(history))
        .route("/api/v1/openapi.json", get(openapi))
}

/// The OpenAPI 3.1 document of these routes, the one request that needs no token.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    let mut response = OPENAPI.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    response
}

type Answer = Result<Response, Problem>;

async fn me(Authed(caller): Authed) -> Answer {
    Ok(answer(StatusCode::OK, &json::me(&caller), None))
}

async fn tasks(State(state): State<WebState>, Authed(caller): Authed, RawQuery(query): RawQuery) -> Answer {
    let query = task_query(query.as_deref().unwrap_or(""), state.today())?;
    let store = state.store();
    let page = store
        .blocking(move |s| list_tasks(s, &caller, &query))
        .await
        .map_err(|e| Problem::of(e.kind(), e.to_string()))?;
    let body = json::page(&page.tasks, state.linker(), page.next_cursor.as_deref());
    Ok(answer(StatusCode::OK, &body, None))
}

async fn task(State(state): State<WebState>, Authed(caller): Authed, Path(id): Path<String>) -> Answer {
    let id = task_id(&id)?;
    let at = state.stamp();
    let (task, events) =
        state.store().blocking(move |s| view_task(s, &caller, id, at)).await.map_err(task_problem)?;
    let body = json::task_with_events(&task, state.links(&task), &events);
    Ok(answer(StatusCode::OK, &body, Some(task.version)))
}

async fn claim(State(state): State<WebState>, Authed(caller): Authed, Path(id): Path<String>) -> Answer {
    let id = task_id(&id)?;
    let at = state.stamp();
    let task =
        state.store().blocking(move |s| hold::claim(s, &caller, id, at)).await.map_err(task_problem)?;
    Ok(answer(StatusCode::OK, &json::task(&task, state.links(&task)), Some(task.version)))
}

async fn release(State(state): State<WebState>, Authed(caller): Authed, Path(id): Path<String>) -> Answer {
    let id = task_id(&id)?;
    let at = state.stamp();
    let task =
        state.store().blocking(move |s| hold::release(s, &caller, id, at)).await.map_err(task_problem)?;
    Ok(answer(StatusCode::OK, &json::task(&task, state.links(&task)), Some(task.version)))
}

/// `{"assignee"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    assignee: String,
}

async fn assign(
    State(state): State<WebState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Answer {
    let id = task_id(&id)?;
    let AssignBody { assignee } = body(bytes)?;
    let at = state.stamp();
    let task = state
        .store()
        .blocking(move |s| hold::assign(s, &caller, id, &assignee, at))
        .await
        .map_err(task_problem)?;
    Ok(answer(StatusCode::OK, &json::task(&task, state.links(&task)), Some(task.version)))
}

/// `{"note"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    note: String,
}

async fn add_note(
    State(state): State<WebState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Answer {
    let id = task_id(&id)?;
    let NoteBody { note } = body(bytes)?;
    let at = state.stamp();
    let key = state.key();
    let event = state
        .store()
        .blocking(move |s| {
            note::add_note(
                s,
                &caller,
                id,
                &crate::jobs::close_task::Note { text: &note, key: &key, today: at.today },
                at,
            )
        })
        .await
        .map_err(task_problem)?;
    Ok(answer(StatusCode::CREATED, &json::event(&event), None))
}

/// `{"outcome", "note"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    outcome: String,
    note: String,
}

async fn close(
    State(state): State<WebState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Answer {
    let id = task_id(&id)?;
    let CloseBody { outcome, note } = body(bytes)?;
    let outcome: Outcome =
        outcome.parse().map_err(|e: String| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    let version = if_match(&headers)?;
    let now = chrono::Utc::now();
    let (today, key) = (state.today(), state.key());
    let task = state
        .store()
        .blocking(move |s| {
            let note = crate::jobs::close_task::Note { text: &note, key: &key, today };
            close_task(s, &caller, (id, version), (outcome, &note), now)
        })
        .await
        .map_err(|e| {
            let p = Problem::of(e.kind(), e.to_string());
            if matches!(e, CloseError::Hidden(_)) {
                p.refused(Refusal::Hidden)
            } else {
                p
            }
        })?;
    Ok(answer(StatusCode::OK, &json::task(&task, state.links(&task)), Some(task.version)))
}

async fn history(
    State(state): State<WebState>,
    Authed(caller): Authed,
    Path(permit): Path<String>,
) -> Answer {
    let permit = PermitId::parse(&permit)
        .map_err(|e| Problem::new(StatusCode::NOT_FOUND, format!("no permit: {e}")))?;
    let at = state.stamp();
    let policy = state.policy();
    let events = {
        let permit = permit.clone();
        state.store().blocking(move |s| view_history(s, &policy, &caller, &permit, at)).await
    }
    .map_err(|e| {
        let p = Problem::of(e.kind(), e.to_string());
        if matches!(e, HistoryError::Hidden(_)) {
            p.refused(Refusal::Hidden)
        } else {
            p
        }
    })?;
    Ok(answer(StatusCode::OK, &json::history(permit.as_str(), &events), None))
}

/// A task's problem: another unit's task counted as refused, worded as a missing one.
fn task_problem(e: TaskError) -> Problem {
    let p = Problem::of(e.kind(), e.to_string());
    if matches!(e, TaskError::Hidden(_)) {
        p.refused(Refusal::Hidden)
    } else {
        p
    }
}

/// A task id in a path: a positive number.
fn task_id(text: &str) -> Result<TaskId, Problem> {
    match text.parse::<i64>() {
        Ok(id) if id > 0 => Ok(TaskId(id)),
        _ => Err(Problem::new(StatusCode::BAD_REQUEST, "a task id is a positive whole number")),
    }
}

/// The version `If-Match` names: `"N"` (or `W/"N"`); `*` or no header names none. A value that
/// names no version the task can have is stale at once.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" || text.is_empty() {
        return Ok(None);
    }
    let tag = text.trim_start_matches("W/").trim_matches('"');
    tag.parse::<i64>().map(Some).map_err(|_| {
        Problem::new(
            StatusCode::PRECONDITION_FAILED,
            format!("If-Match {text:?} names no version of this task"),
        )
    })
}

/// The query of `GET /api/v1/tasks`, read strictly: an unknown or repeated parameter, or a
/// value that does not read, is 400 naming it.
fn task_query(raw: &str, today: chrono::NaiveDate) -> Result<TaskQuery, Problem> {
    let bad = |name: &str, why: &str| Problem::new(StatusCode::BAD_REQUEST, format!("{name}: {why}"));
    let mut q = TaskQuery {
        state: Some(TaskState::Open),
        unit: None,
        cause: None,
        priority: None,
        assignee: None,
        overdue_on: None,
        permit: None,
        limit: 100,
        cursor: None,
    };
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        if !seen.insert(name.to_string()) {
            return Err(bad(&name, "given twice"));
        }
        let v = value.as_ref();
        match name.as_ref() {
            "state" => {
                q.state = match v {
                    "open" => Some(TaskState::Open),
                    "closed" => Some(TaskState::Closed),
                    "all" => None,
                    _ => return Err(bad("state", "open, closed or all")),
                }
            }
            "unit" => q.unit = Some(UnitKey::parse(v).map_err(|e| bad("unit", &e.0))?),
            "cause" => q.cause = Some(Cause::parse(v).map_err(|e| bad("cause", &e))?),
            "priority" => q.priority = Some(v.parse().map_err(|e: String| bad("priority", &e))?),
            "assignee" => {
                q.assignee = Some(match v {
                    "me" => Assignee::Me,
                    "none" => Assignee::Nobody,
                    "" => return Err(bad("assignee", "a subject, me or none")),
                    who => Assignee::Is(who.to_string()),
                })
            }
            "overdue" => {
                q.overdue_on = match v {
                    "true" => Some(today),
                    "false" => None,
                    _ => return Err(bad("overdue", "true or false")),
                }
            }
            "permit_id" => q.permit = Some(PermitId::parse(v).map_err(|e| bad("permit_id", &e.0))?),
            "limit" => {
                q.limit = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| bad("limit", &format!("a whole number from 1 to {MAX_LIMIT}")))?
            }
            "cursor" => q.cursor = Some(v.to_string()).filter(|c| !c.is_empty()),
            other => return Err(bad(other, "no such parameter")),
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_is_json_of_every_route() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/v1/me",
            "/api/v1/tasks",
            "/api/v1/tasks/{id}",
            "/api/v1/tasks/{id}/close",
            "/api/v1/permits/{permit_id}/history",
            "/api/v1/openapi.json",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
    }

    #[test]
    fn a_query_is_read_strictly() {
        let today = "2026-09-02".parse().unwrap();
        let q = task_query("unit=study&limit=5&overdue=true&assignee=me", today).unwrap();
        assert_eq!(
            (q.unit.unwrap().as_str(), q.limit, q.overdue_on, q.assignee),
            ("study", 5, Some(today), Some(Assignee::Me))
        );
        for bad in [
            "limit=0",
            "limit=501",
            "limit=x",
            "state=x",
            "nosuch=1",
            "unit=a&unit=b",
            "overdue=yes",
            "priority=x",
        ] {
            assert_eq!(task_query(bad, today).unwrap_err().status, StatusCode::BAD_REQUEST, "{bad}");
        }
        assert_eq!(task_query("", today).unwrap().state, Some(TaskState::Open));
    }

    #[test]
    fn if_match_names_a_version() {
        let mut h = HeaderMap::new();
        assert_eq!(if_match(&h).unwrap(), None);
        h.insert(header::IF_MATCH, "\"3\"".parse().unwrap());
        assert_eq!(if_match(&h).unwrap(), Some(3));
        h.insert(header::IF_MATCH, "W/\"4\"".parse().unwrap());
        assert_eq!(if_match(&h).unwrap(), Some(4));
        h.insert(header::IF_MATCH, "\"abc\"".parse().unwrap());
        assert_eq!(if_match(&h).unwrap_err().status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(task_id("x").unwrap_err().status, StatusCode::BAD_REQUEST);
        assert_eq!(task_id("0").unwrap_err().status, StatusCode::BAD_REQUEST);
    }
}
