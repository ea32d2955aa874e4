//! The inbox (docs/REFERENCE.md §11): pages for people, on the same listener, state and rule as
//! the task API. `/` lists the open tasks of the person's units; `/tasks/{id}` shows one with
//! the forms of what the person may do; each form posts to `/tasks/{id}/ACTION` with the
//! session's form token and is answered by a redirect to the task's page saying what happened,
//! or by the page again saying why not — who holds or closed the task, and when — with what
//! was typed kept. Everything works without JavaScript; the pages carry no script at all.
//!
//! The handlers are thin, as the API's are: the use cases in `jobs::tasks` and
//! `jobs::close_task` ask the one rule, and another unit's task is answered exactly as one that
//! does not exist.

pub mod counts;
pub mod view;
pub mod visitor;

use super::signin::SignInError;
use super::WebState;
use crate::domain::ids::TaskId;
use crate::domain::keys::UnitKey;
use crate::domain::policy::Priority;
use crate::domain::session::{return_path, PendingSignIn};
use crate::domain::task::{Cause, Outcome, TaskState};
use crate::i18n::Language;
use crate::jobs::close_task::{close_task, CloseError, Note};
use crate::jobs::sessions::{self, SessionError, SessionKey};
use crate::jobs::tasks::list::{all_open_counts, list_tasks, visible_counts, Assignee, TaskQuery};
use crate::jobs::tasks::view::view_task;
use crate::jobs::tasks::{hold, note, TaskError};
use crate::layout::{STYLESHEET, STYLESHEET_PATH};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use view::{Actions, Bar, Choice, InboxPage, Notice, NoticePage, TaskPage, Typed, UnitCount};
use visitor::{cookie, language, Visitor, COOKIE};

/// Tasks an inbox page lists; the rest follow page by page.
pub const PAGE: u32 = 100;

/// The Content-Security-Policy of every page: nothing but this site's own stylesheet and forms.
pub const CSP: &str = "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The inbox's routes.
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/", get(inbox))
        .route("/tasks/{id}", get(task_page))
        .route("/tasks/{id}/{action}", post(act))
        .route("/logout", post(logout))
        .route("/login", get(login))
        .route("/auth/callback", get(callback))
        .route(STYLESHEET_PATH, get(stylesheet))
        .layer(axum::middleware::from_fn(security_headers))
}

/// The headers of every page: no script from anywhere, no framing, no sniffing, no referrer,
/// and nothing kept in a cache (the stylesheet excepted, which says so itself).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        STYLESHEET,
    )
        .into_response()
}

/// A page as an HTML answer of `status`.
fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be made; it is logged").into_response()
        }
    }
}

/// A page that only says `text` (in `lang`), with a link on.
fn notice(lang: Language, status: StatusCode, title: &str, text: String, link: (&str, &str)) -> Response {
    let page = NoticePage {
        frame: view::frame(lang, lang.t(title), String::new()),
        lang,
        text,
        link: (link.0.to_string(), lang.t(link.1)),
    };
    html(status, &page)
}

/// The answer to a task that does not exist or is not the person's to see: the same words.
fn no_task(lang: Language, id: &str) -> Response {
    notice(
        lang,
        StatusCode::NOT_FOUND,
        "notice-not-found-title",
        lang.tr("notice-no-task", &[("id", id.into())]),
        ("/", "notice-to-inbox"),
    )
}

fn unavailable(lang: Language, what: impl std::fmt::Display) -> Response {
    tracing::error!(error = %what, "a page could not be answered");
    notice(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        "notice-failed-title",
        lang.t("notice-failed"),
        ("/", "notice-to-inbox"),
    )
}

fn bar(visitor: &Visitor) -> Bar {
    Bar { name: visitor.caller.name.clone(), form_token: visitor.session.form_token.clone() }
}

/// The inbox's filters, read from its query; a value that does not read is no filter.
#[derive(Debug, Default)]
struct Filters {
    unit: Option<UnitKey>,
    cause: Option<Cause>,
    priority: Option<Priority>,
    assigned: &'static str,
    cursor: Option<String>,
}

fn filters(raw: &str) -> Filters {
    let mut f = Filters { assigned: "any", ..Filters::default() };
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        let v = value.as_ref();
        match name.as_ref() {
            "unit" if !v.is_empty() => f.unit = UnitKey::parse(v).ok(),
            "cause" if !v.is_empty() => f.cause = Cause::parse(v).ok(),
            "priority" if !v.is_empty() => f.priority = v.parse().ok(),
            "assigned" => {
                f.assigned = match v {
                    "mine" => "mine",
                    "none" => "none",
                    _ => "any",
                }
            }
            "cursor" if !v.is_empty() => f.cursor = Some(v.to_string()),
            _ => {}
        }
    }
    f
}

async fn inbox(State(state): State<WebState>, visitor: Visitor, RawQuery(query): RawQuery) -> Response {
    let lang = visitor.lang;
    let f = filters(query.as_deref().unwrap_or(""));
    let today = state.today();
    let q = TaskQuery {
        state: Some(TaskState::Open),
        unit: f.unit.clone(),
        cause: f.cause.clone(),
        priority: f.priority,
        assignee: match f.assigned {
            "mine" => Some(Assignee::Me),
            "none" => Some(Assignee::Nobody),
            _ => None,
        },
        overdue_on: None,
        permit: None,
        limit: PAGE,
        cursor: f.cursor.clone(),
    };
    let caller = visitor.caller.clone();
    let recent = state.recent_counts().get(today, std::time::Instant::now());
    let found = state
        .store()
        .blocking(move |s| {
            let counts = match recent {
                counts::Recent::Fresh(all) => (all, None),
                counts::Recent::Stale(ticket) => (Arc::new(all_open_counts(s, today)?), Some(ticket)),
            };
            Ok::<_, crate::jobs::tasks::list::ListError>((list_tasks(s, &caller, &q)?, counts))
        })
        .await;
    let (page, counts) = match found {
        Ok((page, (all, read))) => {
            if let Some(ticket) = read {
                state.recent_counts().keep(ticket, all.clone());
            }
            (page, visible_counts(&visitor.caller, &all))
        }
        // A cursor that is not one a page gave: the first page.
        Err(crate::jobs::tasks::list::ListError::Cursor(_)) => return Redirect::to("/").into_response(),
        Err(e) => return unavailable(lang, e),
    };
    let policy = state.policy();
    let unit_name = |u: &UnitKey| policy.units.get(u).map_or_else(|| u.to_string(), |x| x.name.clone());
    let choice =
        |value: &str, label: String, selected: bool| Choice { value: value.to_string(), label, selected };
    let mut units = vec![choice("", lang.t("inbox-any-unit"), f.unit.is_none())];
    units.extend(counts.iter().map(|(u, _)| choice(u.as_str(), unit_name(u), f.unit.as_ref() == Some(u))));
    let mut causes = vec![choice("", lang.t("inbox-any-cause"), f.cause.is_none())];
    let cause_keys =
        std::iter::once(Cause::PERIODIC_REVIEW.to_string()).chain(policy.signals.keys().cloned());
    causes.extend(cause_keys.map(|k| {
        let selected = f.cause.as_ref().is_some_and(|c| c.as_str() == k);
        choice(&k, lang.cause(&k), selected)
    }));
    let mut priorities = vec![choice("", lang.t("inbox-any-priority"), f.priority.is_none())];
    priorities.extend(
        Priority::ALL.iter().map(|p| choice(p.as_str(), view::priority(lang, *p), f.priority == Some(*p))),
    );
    let assigned = ["any", "mine", "none"]
        .iter()
        .map(|a| choice(a, lang.t(&format!("inbox-assigned-{a}")), f.assigned == *a))
        .collect();
    let rows = page.tasks.iter().map(|t| view::row(lang, t, state.case_link(t), today)).collect();
    let next = page.next_cursor.map(|cursor| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(u) = &f.unit {
            q.append_pair("unit", u.as_str());
        }
        if let Some(c) = &f.cause {
            q.append_pair("cause", c.as_str());
        }
        if let Some(p) = f.priority {
            q.append_pair("priority", p.as_str());
        }
        q.append_pair("assigned", f.assigned);
        q.append_pair("cursor", &cursor);
        format!("/?{}", q.finish())
    });
    let counts = counts
        .iter()
        .map(|(u, n)| UnitCount {
            key: u.to_string(),
            name: unit_name(u),
            open: lang.number(n.open),
            overdue: lang.number(n.overdue),
        })
        .collect();
    let page = InboxPage {
        frame: view::frame(
            lang,
            lang.t("inbox-title"),
            lang.tr("inbox-signed-in-as", &[("name", visitor.caller.name.as_str().into())]),
        ),
        lang,
        bar: bar(&visitor),
        counts,
        units,
        causes,
        priorities,
        assigned,
        rows,
        next,
    };
    html(StatusCode::OK, &page)
}

/// A task id in a path: a positive whole number.
fn task_id(text: &str) -> Option<TaskId> {
    text.parse::<i64>().ok().filter(|id| *id > 0).map(TaskId)
}

/// What happened, by the word a redirect after a form carries.
fn done(lang: Language, raw: &str) -> Option<Notice> {
    let word =
        form_urlencoded::parse(raw.as_bytes()).find(|(k, _)| k == "done").map(|(_, v)| v.into_owned())?;
    let text = lang.try_t(&format!("done-{word}"))?;
    Some(Notice { class: "ok", text })
}

async fn task_page(
    State(state): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = visitor.lang;
    let Some(task_id) = task_id(&id) else { return no_task(lang, &id) };
    let notice = done(lang, query.as_deref().unwrap_or(""));
    show_task(&state, &visitor, task_id, (StatusCode::OK, notice), Typed::default()).await
}

/// The page of task `id` as `visitor` may see it now, answered with `status` and saying
/// `notice`, its forms holding `typed`.
async fn show_task(
    state: &WebState,
    visitor: &Visitor,
    id: TaskId,
    (status, notice): (StatusCode, Option<Notice>),
    typed: Typed,
) -> Response {
    let lang = visitor.lang;
    let caller = visitor.caller.clone();
    let at = state.stamp();
    let (task, events) = match state.store().blocking(move |s| view_task(s, &caller, id, at)).await {
        Ok(found) => found,
        Err(TaskError::NoTask(_) | TaskError::Hidden(_)) => return no_task(lang, &id.0.to_string()),
        Err(e) => return unavailable(lang, e),
    };
    let case = state.case_link(&task);
    let actions = Actions::of(&visitor.caller, &task);
    let people = if actions.assign { people(state, &task.unit).await } else { vec![] };
    let policy = state.policy();
    let unit_name = |key: &str| policy.units.get(key).map_or_else(|| key.to_string(), |u| u.name.clone());
    let page = TaskPage {
        frame: view::frame(
            lang,
            lang.tr("task-title", &[("id", id.0.into())]),
            format!("{} · {}", lang.cause(task.cause.as_str()), task.permit_id.as_str()),
        ),
        lang,
        bar: bar(visitor),
        id: id.0,
        notice,
        facts: view::facts(lang, &task, (unit_name(task.unit.as_str()), case), at.today),
        evidence: task.evidence.iter().map(|e| view::evidence(lang, e)).collect(),
        events: events.iter().map(|e| view::event(lang, e, &unit_name)).collect(),
        actions,
        people,
        outcomes: view::outcomes(lang, &typed.outcome),
        typed,
    };
    html(status, &page)
}

/// Whom a task of `unit` may be handed to, offered by name in the assign form; none when they
/// cannot be read (the form still takes a subject typed by hand).
async fn people(state: &WebState, unit: &UnitKey) -> Vec<Choice> {
    let (unit, access, now) = (unit.clone(), state.access(), chrono::Utc::now());
    match state.store().blocking(move |s| sessions::people_for(s, &unit, &access, now)).await {
        Ok(people) => {
            people.into_iter().map(|p| Choice { value: p.subject, label: p.name, selected: false }).collect()
        }
        Err(e) => {
            tracing::warn!("the people to assign a task to could not be read: {e}");
            vec![]
        }
    }
}

/// A form's fields.
fn form(body: &[u8]) -> std::collections::BTreeMap<String, String> {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The refusal of a form sent without its session's token (or with another's).
fn no_form_token(lang: Language) -> Response {
    tracing::warn!("a form was sent without its session's token");
    notice(
        lang,
        StatusCode::FORBIDDEN,
        "notice-refused-title",
        lang.t("notice-no-form-token"),
        ("/", "notice-to-inbox"),
    )
}

async fn act(
    State(state): State<WebState>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let lang = visitor.lang;
    let fields = form(&body);
    let token = fields.get("form_token").map_or("", String::as_str);
    if !sessions::form_token_matches(&visitor.session, token) {
        return no_form_token(lang);
    }
    let Some(task) = task_id(&id) else { return no_task(lang, &id) };
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let typed = Typed {
        note: field("note"),
        close_note: if action == "close" { field("note") } else { String::new() },
        outcome: field("outcome"),
        assignee: field("assignee"),
    };
    let typed = if action == "close" { Typed { note: String::new(), ..typed } } else { typed };
    let caller = visitor.caller.clone();
    let at = state.stamp();
    let key = state.key();
    let store = state.store();
    let result: Result<&'static str, Refused> = match action.as_str() {
        "claim" => store
            .blocking(move |s| hold::claim(s, &caller, task, at))
            .await
            .map(|_| "claimed")
            .map_err(Refused::Task),
        "release" => store
            .blocking(move |s| hold::release(s, &caller, task, at))
            .await
            .map(|_| "released")
            .map_err(Refused::Task),
        "assign" => {
            let who = typed.assignee.clone();
            store
                .blocking(move |s| hold::assign(s, &caller, task, &who, at))
                .await
                .map(|_| "assigned")
                .map_err(Refused::Task)
        }
        "notes" => {
            let text = typed.note.clone();
            store
                .blocking(move |s| {
                    note::add_note(s, &caller, task, &Note { text: &text, key: &key, today: at.today }, at)
                })
                .await
                .map(|_| "noted")
                .map_err(Refused::Task)
        }
        "close" => match typed.outcome.parse::<Outcome>() {
            Err(_) => Err(Refused::Outcome),
            Ok(outcome) => {
                let text = typed.close_note.clone();
                let now = chrono::Utc::now();
                store
                    .blocking(move |s| {
                        let note = Note { text: &text, key: &key, today: at.today };
                        close_task(s, &caller, (task, None), (outcome, &note), now)
                    })
                    .await
                    .map(|_| "closed")
                    .map_err(Refused::Close)
            }
        },
        _ => return no_task(lang, &id),
    };
    let why = match result {
        Ok(done) => return Redirect::to(&format!("/tasks/{}?done={done}", task.0)).into_response(),
        Err(why) => why,
    };
    let (status, text) = match why {
        Refused::Task(TaskError::NoTask(_) | TaskError::Hidden(_))
        | Refused::Close(CloseError::NoTask(_) | CloseError::Hidden(_)) => return no_task(lang, &id),
        Refused::Task(TaskError::Held { holder, .. }) => {
            (StatusCode::CONFLICT, lang.tr("refused-held", &[("holder", holder.into())]))
        }
        Refused::Task(TaskError::Closed(_)) => (StatusCode::CONFLICT, lang.t("refused-closed")),
        Refused::Close(CloseError::AlreadyClosed { outcome, .. }) => (
            StatusCode::CONFLICT,
            lang.tr("refused-closed-before", &[("outcome", lang.t(&format!("outcome-{outcome}")).into())]),
        ),
        Refused::Task(TaskError::Forbidden(_)) | Refused::Close(CloseError::Forbidden) => {
            (StatusCode::FORBIDDEN, lang.t("refused-forbidden"))
        }
        Refused::Task(TaskError::Invalid(_)) | Refused::Close(CloseError::EmptyNote) => {
            (StatusCode::UNPROCESSABLE_ENTITY, lang.t("refused-note-required"))
        }
        Refused::Close(CloseError::LongNote) => {
            (StatusCode::UNPROCESSABLE_ENTITY, lang.t("refused-note-long"))
        }
        Refused::Outcome => (StatusCode::UNPROCESSABLE_ENTITY, lang.t("refused-outcome")),
        Refused::Close(CloseError::Stale { .. }) => (StatusCode::CONFLICT, lang.t("refused-changed")),
        Refused::Task(e @ TaskError::Store(_)) => return unavailable(lang, e),
        Refused::Close(e @ CloseError::Store(_)) => return unavailable(lang, e),
    };
    show_task(&state, &visitor, task, (status, Some(Notice { class: "problem", text })), typed).await
}

/// Why a form's action was not done.
enum Refused {
    Task(TaskError),
    Close(CloseError),
    Outcome,
}

/// The query's parameters.
fn params(raw: Option<&str>) -> std::collections::BTreeMap<String, String> {
    form(raw.unwrap_or("").as_bytes())
}

/// `GET /login?next=PATH`: begins a sign-in at the provider, to come back to `PATH`.
async fn login(State(state): State<WebState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = language(&headers, &state);
    let next = params(query.as_deref()).remove("next").unwrap_or_else(|| "/".into());
    let Some(signin) = state.signin() else {
        tracing::error!("a person asked to sign in, but [web.oidc] or [web] base_url is not set");
        return notice(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "signin-title",
            lang.t("signin-not-set-up"),
            ("/", "notice-to-inbox"),
        );
    };
    let begun = match signin.begin().await {
        Ok(begun) => begun,
        Err(e) => return signin_failed(lang, StatusCode::SERVICE_UNAVAILABLE, &e),
    };
    let pending = PendingSignIn {
        pkce_verifier: begun.pkce_verifier,
        nonce: begun.nonce,
        return_to: return_path(&next).to_string(),
    };
    let (sign_in_state, now) = (begun.state, chrono::Utc::now());
    if let Err(e) =
        state.store().blocking(move |s| sessions::begin_sign_in(s, &sign_in_state, &pending, now)).await
    {
        return unavailable(lang, e);
    }
    Redirect::to(&begun.url).into_response()
}

/// `GET /auth/callback?code&state`: the provider's answer. The sign-in it names is taken (once,
/// within ten minutes), the code exchanged, the ID token checked, and a session opened; the
/// browser goes on to the page it first asked for.
async fn callback(State(state): State<WebState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = language(&headers, &state);
    let p = params(query.as_deref());
    if let Some(error) = p.get("error") {
        tracing::warn!(error = %error, "the provider refused a sign-in");
        return notice(
            lang,
            StatusCode::BAD_REQUEST,
            "signin-title",
            lang.t("signin-failed"),
            ("/login", "signin-try-again"),
        );
    }
    let (Some(code), Some(sign_in_state), Some(signin)) =
        (p.get("code"), p.get("state").cloned(), state.signin())
    else {
        return notice(
            lang,
            StatusCode::BAD_REQUEST,
            "signin-title",
            lang.t("signin-failed"),
            ("/login", "signin-try-again"),
        );
    };
    let now = chrono::Utc::now();
    let pending =
        match state.store().blocking(move |s| sessions::finish_sign_in(s, &sign_in_state, now)).await {
            Ok(pending) => pending,
            Err(SessionError::UnknownSignIn) => {
                tracing::warn!(
                    "a sign-in came back that was not begun here, was used before, or took too long"
                );
                return notice(
                    lang,
                    StatusCode::BAD_REQUEST,
                    "signin-title",
                    lang.t("signin-expired"),
                    ("/login", "signin-try-again"),
                );
            }
            Err(e) => return unavailable(lang, e),
        };
    let person = match signin.finish(code, &pending.pkce_verifier, &pending.nonce).await {
        Ok(person) => person,
        Err(e) => return signin_failed(lang, StatusCode::BAD_REQUEST, &e),
    };
    let subject = person.subject.clone();
    let limits = state.session_limits();
    let key = match state.store().blocking(move |s| sessions::open_session(s, person, limits, now)).await {
        Ok((key, _)) => key,
        Err(e) => return unavailable(lang, e),
    };
    tracing::info!(subject = %subject, "signed in");
    let secure = if state.secure_cookies() { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}", key.cookie_value());
    let mut response = Redirect::to(return_path(&pending.return_to)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

fn signin_failed(lang: Language, status: StatusCode, why: &SignInError) -> Response {
    tracing::warn!(error = %why, "a sign-in failed");
    notice(lang, status, "signin-title", lang.t("signin-failed"), ("/login", "signin-try-again"))
}

/// `POST /logout`: ends the session (with its form token, so that no other site can sign a
/// person out), forgets the cookie, and says so.
async fn logout(
    State(state): State<WebState>,
    headers: HeaderMap,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let lang = visitor.lang;
    let fields = form(&body);
    if !sessions::form_token_matches(&visitor.session, fields.get("form_token").map_or("", String::as_str)) {
        return no_form_token(lang);
    }
    if let Some(value) = cookie(&headers, COOKIE) {
        let key = SessionKey::from_cookie(value);
        if let Err(e) = state.store().blocking(move |s| sessions::end_session(s, &key)).await {
            return unavailable(lang, e);
        }
    }
    let mut response = signed_out(language(&headers, &state));
    if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

fn signed_out(lang: Language) -> Response {
    notice(
        lang,
        StatusCode::OK,
        "notice-signed-out-title",
        lang.t("notice-signed-out"),
        ("/", "notice-sign-in-again"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_that_do_not_read_are_no_filters() {
        let f = filters("unit=study&priority=high&assigned=mine&cause=emigrated&cursor=abc");
        assert_eq!(f.unit.unwrap().as_str(), "study");
        assert_eq!(f.priority, Some(Priority::High));
        assert_eq!((f.assigned, f.cursor.as_deref()), ("mine", Some("abc")));
        assert_eq!(f.cause.unwrap().as_str(), "emigrated");
        let f = filters("unit=&priority=x&assigned=x&nosuch=1");
        assert!(f.unit.is_none() && f.priority.is_none() && f.cursor.is_none());
        assert_eq!(f.assigned, "any");
        assert_eq!(task_id("12"), Some(TaskId(12)));
        assert_eq!(task_id("0"), None);
        assert_eq!(task_id("x"), None);
    }

    #[test]
    fn a_missed_period_reads_in_either_language() {
        use crate::domain::task::Evidence;
        use crate::i18n::Language;
        let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let e = Evidence::Missed {
            missed: "2026-10".into(),
            kind: "income_reported".into(),
            from: day("2026-10-01"),
            to: day("2026-10-31"),
        };
        let en = view::evidence(Language::En, &e);
        assert!(
            en.starts_with("No report for the period 2026-10 (") && en.ends_with("): Income reported"),
            "{en}"
        );
        let sv = view::evidence(Language::Sv, &e);
        assert!(
            sv.starts_with("Uppgift saknas för perioden 2026-10 (") && sv.ends_with("): Inkomst rapporterad"),
            "{sv}"
        );
    }

    #[test]
    fn a_signals_data_reads_in_the_pages_language_without_json_quotes() {
        use crate::domain::task::Evidence;
        use crate::i18n::Language;
        let e = Evidence::Signal {
            data: serde_json::json!({"destination": "DEU", "amount_sek": 24350, "feed_ref": "X-9"})
                .as_object()
                .unwrap()
                .clone(),
            kind: "emigrated".into(),
            occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
            reason: "Holder registered as emigrated".into(),
            signal: "s-1".into(),
        };
        // Known fields named in the language, amounts in kronor with its separators; a feed's
        // own field by its key.
        let en = view::evidence(Language::En, &e);
        assert!(
            en.ends_with(
                " — Holder registered as emigrated (Amount: SEK 24,350, Country emigrated to: DEU, feed_ref: X-9)"
            ),
            "{en}"
        );
        let sv = view::evidence(Language::Sv, &e);
        assert!(sv.ends_with("(Belopp: 24\u{a0}350 kr, Utflyttningsland: DEU, feed_ref: X-9)"), "{sv}");
    }
}
