//! The task API over HTTP (docs/REFERENCE.md §10), through the real binary (`serve`, and `run`
//! with `[web] listen`) on both engines: every endpoint, every role against every endpoint on
//! its own unit's task and on another's, bad input of every kind answered as problem+json with
//! nothing changed, 429 after repeated failures, two closes and two claims at once, and the
//! figures of `/metrics`.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::HEADER;
use crate::process::{free_port, Daemon};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// An answer of the API.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Insists on a problem+json of `status` with its four keys.
    pub fn problem(&self, status: u16) -> &str {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{self:?}");
        for key in ["type", "title", "status", "detail"] {
            assert!(self.body.get(key).is_some(), "{key} missing: {}", self.text);
        }
        assert_eq!(self.body["status"], status);
        self.body["detail"].as_str().unwrap()
    }
}

/// A running API and the port it listens on.
pub struct Api {
    pub daemon: Daemon,
    pub port: u16,
}

impl Api {
    /// `serve` with `extra` configuration, once it answers.
    pub fn serve(env: &Env, extra: &str) -> Api {
        Api::start(env, "serve", extra)
    }

    /// `COMMAND` (`serve` or `run`) listening on a free port.
    pub fn start(env: &Env, command: &str, extra: &str) -> Api {
        let port = free_port();
        env.write_config(&format!("[web]\nlisten = \"127.0.0.1:{port}\"\n{extra}"));
        let daemon = Daemon::start(env.command(&[command]));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "the API never listened:\n{}", daemon.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        Api { daemon, port }
    }

    /// `METHOD path` with `token`, `headers` and a raw `body`.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        call(self.port, method, path, token, headers, body)
    }

    /// `METHOD path` with `token` and a JSON body (none for `Value::Null`).
    pub fn call(&self, method: &str, path: &str, token: &str, body: Value) -> Answer {
        let bytes = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
        self.raw(method, path, Some(token), &[("content-type", "application/json")], &bytes)
    }
}

/// One HTTP/1.1 exchange on 127.0.0.1:`port`.
pub fn call(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        request += &format!("Authorization: Bearer {t}\r\n");
    }
    for (k, v) in headers {
        request += &format!("{k}: {v}\r\n");
    }
    request += "\r\n";
    stream.write_all(request.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, text) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status =
        lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let body = serde_json::from_str(text).unwrap_or(Value::Null);
    Answer { status, headers, body, text: text.to_string() }
}

/// Permits of `study` and `work`, `n` each, whose first reviews are due by 2026-09-01, ticked.
pub fn world(env: &Env, n: usize) {
    let mut csv = HEADER.to_string();
    for i in 0..n {
        csv +=
            &format!("ST-{i},S{i},,study,2026-01-15,,active,,,\nWO-{i},W{i},,work,2025-08-01,,active,,,\n");
    }
    env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-01-20"]);
    env.ok(&["tick", "--now", "2026-09-01"]);
}

/// A new token's secret.
pub fn token(env: &Env, name: &str, role: &str, units: &[&str]) -> String {
    let mut args = vec!["tokens", "create", name, "--role", role];
    for u in units {
        args.extend(["--unit", u]);
    }
    env.ok(&args).trim().to_string()
}

/// The ids of the open tasks of `unit`, by due date then id.
fn ids_of(env: &Env, unit: &str) -> Vec<i64> {
    let mut tasks: Vec<(String, i64)> = env
        .tasks()
        .iter()
        .filter(|t| t["unit"] == unit && t["state"] == "open")
        .map(|t| (t["due_on"].as_str().unwrap().to_string(), t["id"].as_i64().unwrap()))
        .collect();
    tasks.sort();
    tasks.into_iter().map(|(_, id)| id).collect()
}

both_engines!(
    fn a_case_system_lists_a_units_tasks_page_by_page_and_closes_one(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 5);
        let system = token(&env, "case-system", "integration", &["study"]);
        let boss = token(&env, "boss", "manager", &["study"]);
        let api = Api::serve(&env, "[units.study]\ncase_url = \"https://case.example/p/{permit_id}\"\n");

        let me = api.call("GET", "/api/v1/me", &system, Value::Null);
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.body, json!({"subject": "token:case-system", "name": "case-system", "grants": [{"role": "integration", "units": ["study"]}]}));

        // Page by page, only study's tasks, in due order; the cursor ends.
        let mut seen = Vec::new();
        let mut path = "/api/v1/tasks?unit=study&limit=2".to_string();
        loop {
            let page = api.call("GET", &path, &system, Value::Null);
            assert_eq!(page.status, 200, "{}", page.text);
            assert_eq!(page.header("content-type"), Some("application/json"));
            seen.extend(page.body["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()));
            match page.body["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/tasks?unit=study&limit=2&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen, ids_of(&env, "study"));
        let all = api.call("GET", "/api/v1/tasks", &system, Value::Null);
        assert_eq!(all.body["tasks"].as_array().unwrap().len(), 5, "the caller's units only");
        let work = api.call("GET", "/api/v1/tasks?unit=work", &system, Value::Null);
        assert_eq!(work.body, json!({"tasks": [], "next_cursor": null}));

        // One task, whole: the listed keys, the API's, links, events with the view; its ETag.
        let id = seen[0];
        let one = api.call("GET", &format!("/api/v1/tasks/{id}"), &system, Value::Null);
        assert_eq!(one.status, 200, "{}", one.text);
        let t = &one.body;
        for key in ["id", "permit_id", "cause", "occasion", "unit", "priority", "reason", "legal_basis", "evidence", "created_on", "due_on", "state", "outcome", "notified", "assignee", "closed_by", "closed_at", "note", "version", "links", "events"] {
            assert!(t.get(key).is_some(), "{key} missing: {t}");
        }
        assert_eq!(t["links"]["self"], format!("/api/v1/tasks/{id}"));
        assert_eq!(t["links"]["case"], format!("https://case.example/p/{}", t["permit_id"].as_str().unwrap()));
        assert_eq!(one.header("etag"), Some("\"1\""));
        let events: Vec<(&str, &str)> = t["events"].as_array().unwrap().iter().map(|e| (e["event"].as_str().unwrap(), e["actor"].as_str().unwrap())).collect();
        assert_eq!(events, [("task_created", "system"), ("viewed", "token:case-system")]);

        // A manager claims for someone, releases; a note; the close with If-Match.
        let claim = api.call("POST", &format!("/api/v1/tasks/{id}/claim"), &boss, Value::Null);
        assert_eq!((claim.status, claim.body["assignee"].as_str()), (200, Some("token:boss")));
        let assign = api.call("POST", &format!("/api/v1/tasks/{id}/assign"), &boss, json!({"assignee": "anna"}));
        assert_eq!((assign.status, assign.body["assignee"].as_str()), (200, Some("anna")), "{}", assign.text);
        let release = api.call("POST", &format!("/api/v1/tasks/{id}/release"), &boss, Value::Null);
        assert_eq!((release.status, &release.body["assignee"]), (200, &Value::Null));
        let note = api.call("POST", &format!("/api/v1/tasks/{id}/notes"), &system, json!({"note": "Decision pending"}));
        assert_eq!((note.status, note.body["event"].as_str()), (201, Some("note_added")), "{}", note.text);
        let version = api.call("GET", &format!("/api/v1/tasks/{id}"), &system, Value::Null).body["version"].as_i64().unwrap();
        assert_eq!(version, 5);
        let close_path = format!("/api/v1/tasks/{id}/close");
        let close_body = json!({"outcome": "no_action", "note": "Studies confirmed"}).to_string();
        let stale = api.raw("POST", &close_path, Some(&system), &[("if-match", "\"4\"")], close_body.as_bytes());
        stale.problem(412);
        let closed = api.raw("POST", &close_path, Some(&system), &[("if-match", &format!("\"{version}\""))], close_body.as_bytes());
        assert_eq!(closed.status, 200, "{}", closed.text);
        assert_eq!((closed.body["state"].as_str(), closed.body["outcome"].as_str()), (Some("closed"), Some("no_action")));
        assert_eq!((closed.body["closed_by"].as_str(), closed.body["note"].as_str()), (Some("token:case-system"), Some("Studies confirmed")));
        assert!(closed.body["closed_at"].as_str().unwrap().ends_with('Z'));
        let again = api.call("POST", &close_path, &system, json!({"outcome": "referred", "note": "again"}));
        assert!(again.problem(409).contains("no_action"), "{}", again.text);

        // The permit's history: every actor, and the views.
        let permit = t["permit_id"].as_str().unwrap();
        let history = api.call("GET", &format!("/api/v1/permits/{permit}/history"), &system, Value::Null);
        assert_eq!(history.status, 200, "{}", history.text);
        let actors: Vec<&str> = history.body["events"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
        for actor in ["system", "token:boss", "token:case-system"] {
            assert!(actors.contains(&actor), "{actors:?}");
        }
        assert_eq!(history.body["events"].as_array().unwrap().last().unwrap()["event"], "viewed");
        let printed = env.ok(&["history", permit]);
        assert!(printed.contains("viewed") && printed.contains("token:case-system"), "{printed}");
    }
);

/// An endpoint of the matrix: its method and path for task `id` (and its permit).
const ENDPOINTS: [&str; 8] = ["view", "list", "claim", "release", "assign", "notes", "close", "history"];

fn request(api: &Api, endpoint: &str, id: i64, permit: &str, token: &str, unit: &str) -> u16 {
    let path = |end: &str| format!("/api/v1/tasks/{id}/{end}");
    let a = match endpoint {
        "view" => api.call("GET", &format!("/api/v1/tasks/{id}"), token, Value::Null),
        "list" => {
            let a = api.call(
                "GET",
                &format!("/api/v1/tasks?unit={unit}&state=all&limit=500"),
                token,
                Value::Null,
            );
            let listed = a.body["tasks"].as_array().map_or(0, |t| t.len());
            // Another unit's tasks are simply not there.
            return if a.status == 200 && listed == 0 { 204 } else { a.status };
        }
        "claim" => api.call("POST", &path("claim"), token, Value::Null),
        "release" => api.call("POST", &path("release"), token, Value::Null),
        "assign" => api.call("POST", &path("assign"), token, json!({"assignee": "someone"})),
        "notes" => api.call("POST", &path("notes"), token, json!({"note": "seen"})),
        "close" => api.call("POST", &path("close"), token, json!({"outcome": "referred", "note": "done"})),
        "history" => api.call("GET", &format!("/api/v1/permits/{permit}/history"), token, Value::Null),
        _ => unreachable!(),
    };
    if a.status >= 400 {
        a.problem(a.status);
    }
    a.status
}

both_engines!(
    fn every_role_on_every_endpoint_of_its_own_units_task_and_of_anothers(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 34);
        // Own unit: the status each role gets from each endpoint (204: listed nothing).
        let table: [(&str, [u16; 8]); 4] = [
            //             view list claim release assign notes close history
            ("caseworker", [200, 200, 200, 200, 403, 201, 200, 200]),
            ("manager", [200, 200, 200, 200, 200, 201, 200, 200]),
            ("auditor", [200, 200, 403, 403, 403, 403, 403, 200]),
            ("integration", [200, 200, 403, 403, 403, 201, 200, 200]),
        ];
        let tokens: Vec<String> = table.iter().map(|(role, _)| token(&env, role, role, &["study"])).collect();
        let api = Api::serve(&env, "");
        let study = ids_of(&env, "study");
        let work = ids_of(&env, "work");
        let permit_of = |id: i64| env.tasks().iter().find(|t| t["id"] == id).unwrap()["permit_id"].as_str().unwrap().to_string();
        let (other, other_permit) = (work[0], permit_of(work[0]));
        let mut fresh = study.into_iter();
        for ((role, expected), token) in table.iter().zip(&tokens) {
            for (endpoint, want) in ENDPOINTS.iter().zip(expected) {
                let id = fresh.next().unwrap();
                let got = request(&api, endpoint, id, &permit_of(id), token, "study");
                assert_eq!(got, *want, "{role} {endpoint} on its own unit's task {id}");
                let hidden = request(&api, endpoint, other, &other_permit, token, "work");
                let want_other = if *endpoint == "list" { 204 } else { 404 };
                assert_eq!(hidden, want_other, "{role} {endpoint} on another unit's task");
            }
        }
        // Nothing of the other unit changed; it is not even viewed.
        let t = env.tasks().into_iter().find(|t| t["id"] == other).unwrap();
        assert_eq!(t["state"], "open");
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM audit_events WHERE task_id = {other}")), 1);
        api.daemon.wait_for_log("request refused", 1, Duration::from_secs(10));
        let log = api.daemon.log();
        assert!(log.contains("hidden") && log.contains("token:auditor"), "{log}");
        assert!(!tokens.iter().any(|t| log.contains(t.as_str())), "a token was logged");
    }
);

both_engines!(
    fn bad_input_is_a_clean_problem_and_changes_nothing(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 1);
        let t = token(&env, "cw", "caseworker", &["*"]);
        let api = Api::serve(&env, "");
        let id = ids_of(&env, "study")[0];
        let close = format!("/api/v1/tasks/{id}/close");
        let json = [("content-type", "application/json")];
        let cases: Vec<(&str, String, Vec<u8>, u16)> = vec![
            ("POST", close.clone(), b"{\"outcome\": ".to_vec(), 400),
            ("POST", close.clone(), b"".to_vec(), 400),
            ("POST", close.clone(), br#"{"outcome": "no_action", "note": "x", "extra": 1}"#.to_vec(), 422),
            ("POST", close.clone(), br#"{"outcome": 3, "note": "x"}"#.to_vec(), 422),
            ("POST", close.clone(), br#"{"note": "x"}"#.to_vec(), 422),
            ("POST", close.clone(), br#"{"outcome": "approved", "note": "x"}"#.to_vec(), 422),
            ("POST", close.clone(), br#"{"outcome": "permit_inactive", "note": "x"}"#.to_vec(), 422),
            ("POST", close.clone(), br#"{"outcome": "no_action", "note": "   "}"#.to_vec(), 422),
            ("POST", close.clone(), format!(r#"{{"outcome": "no_action", "note": "{}"}}"#, "a".repeat(4001)).into_bytes(), 422),
            ("POST", close.clone(), format!(r#"{{"outcome": "no_action", "note": "{}"}}"#, "a".repeat(70_000)).into_bytes(), 413),
            ("POST", format!("/api/v1/tasks/{id}/notes"), br#"{"note": ""}"#.to_vec(), 422),
            ("POST", format!("/api/v1/tasks/{id}/assign"), br#"{"who": "x"}"#.to_vec(), 422),
            ("GET", "/api/v1/tasks/abc".into(), vec![], 400),
            ("POST", "/api/v1/tasks/abc/close".into(), vec![], 400),
            ("GET", "/api/v1/tasks/99999999".into(), vec![], 404),
            ("GET", "/api/v1/tasks?limit=0".into(), vec![], 400),
            ("GET", "/api/v1/tasks?color=red".into(), vec![], 400),
            ("GET", "/api/v1/tasks?cursor=nonsense".into(), vec![], 422),
            ("GET", "/api/v1/nothing".into(), vec![], 404),
            ("GET", "/nothing".into(), vec![], 404),
            ("DELETE", format!("/api/v1/tasks/{id}"), vec![], 405),
            ("GET", close.clone(), vec![], 405),
            ("GET", "/api/v1/permits/NO-SUCH/history".into(), vec![], 404),
        ];
        for (method, path, body, status) in cases {
            let a = api.raw(method, &path, Some(&t), &json, &body);
            a.problem(status);
        }
        // No token, another scheme, a token nobody made: 401 saying only that.
        for auth in [None, Some("Basic YTpi"), Some("Bearer pft_0000"), Some("Bearer nonsense")] {
            let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
            let a = api.raw("GET", "/api/v1/tasks", None, &headers, b"");
            assert_eq!(a.problem(401), "the bearer token was not accepted");
            assert_eq!(a.header("www-authenticate"), Some("Bearer"));
        }
        let task = env.tasks().into_iter().find(|x| x["id"] == id).unwrap();
        assert_eq!(task["state"], "open", "nothing changed");
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM audit_events WHERE task_id = {id} AND event <> 'task_created'")), 0);
    }
);

#[test]
fn repeated_failed_authentications_from_one_address_are_answered_429() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    world(&env, 1);
    let good = token(&env, "ok", "auditor", &["*"]);
    let api = Api::serve(&env, "auth_failures_per_minute = 3\n");
    for _ in 0..3 {
        assert_eq!(api.call("GET", "/api/v1/me", "pft_wrong", Value::Null).status, 401);
    }
    let held = api.call("GET", "/api/v1/me", &good, Value::Null);
    held.problem(429);
    let wait: u64 = held.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(!api.daemon.log().contains("pft_wrong"), "a token was logged");
}

both_engines!(
    fn of_two_closes_and_two_claims_at_once_one_wins_and_the_other_is_409(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 2);
        let (a, b) = (token(&env, "a", "caseworker", &["study"]), token(&env, "b", "caseworker", &["study"]));
        let api = Api::serve(&env, "");
        let ids = ids_of(&env, "study");
        for (id, action) in [(ids[0], "claim"), (ids[1], "close")] {
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let port = api.port;
            let handles: Vec<_> = [a.clone(), b.clone()]
                .into_iter()
                .map(|t| {
                    let barrier = barrier.clone();
                    std::thread::spawn(move || {
                        let body = if action == "close" { json!({"outcome": "no_action", "note": "n"}).to_string() } else { String::new() };
                        barrier.wait();
                        call(port, "POST", &format!("/api/v1/tasks/{id}/{action}"), Some(&t), &[], body.as_bytes()).status
                    })
                })
                .collect();
            let mut statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{action}");
        }
    }
);

#[test]
fn run_serves_the_api_and_metrics_count_requests_refusals_and_durations() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    world(&env, 1);
    let t = token(&env, "aud", "auditor", &["study"]);
    let admin = free_port();
    let api = Api::start(&env, "run", &format!("[admin]\nlisten = \"127.0.0.1:{admin}\"\n"));
    let work = ids_of(&env, "work")[0];
    assert_eq!(api.call("GET", "/api/v1/tasks", &t, Value::Null).status, 200);
    assert_eq!(api.call("GET", &format!("/api/v1/tasks/{work}"), &t, Value::Null).status, 404);
    assert_eq!(
        api.call("POST", &format!("/api/v1/tasks/{}/claim", ids_of(&env, "study")[0]), &t, Value::Null)
            .status,
        403
    );
    assert_eq!(api.call("GET", "/api/v1/me", "pft_x", Value::Null).status, 401);
    let metrics = crate::process::wait_for_status(admin, "/metrics", 200, Duration::from_secs(30));
    for line in [
        "permit_followup_http_requests_total{route=\"/api/v1/tasks\",status=\"200\"} 1",
        "permit_followup_http_requests_total{route=\"/api/v1/tasks/{id}\",status=\"404\"} 1",
        "permit_followup_http_refused_total{reason=\"hidden\"} 1",
        "permit_followup_http_refused_total{reason=\"forbidden\"} 1",
        "permit_followup_http_refused_total{reason=\"unauthenticated\"} 1",
        "permit_followup_http_request_duration_seconds_bucket{route=\"/api/v1/tasks\",le=\"0.25\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
    api.daemon.wait_for_log("request refused", 1, Duration::from_secs(10));
    let log = api.daemon.log();
    assert!(
        log.contains("request refused") && log.contains("token:aud") && log.contains("127.0.0.1"),
        "{log}"
    );
}

#[test]
fn with_tls_files_the_api_speaks_https_only() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    world(&env, 1);
    let t = token(&env, "aud", "auditor", &["*"]);
    let (cert, key) = (env.path("tls.crt"), env.path("tls.key"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let tls = format!("[web.tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\n", cert.display(), key.display());
    let api = Api::serve(&env, &tls);
    let client = reqwest::blocking::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
    let me = client.get(format!("https://127.0.0.1:{}/api/v1/me", api.port)).bearer_auth(&t).send().unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().unwrap()["subject"], "token:aud");
    assert_eq!(api.raw("GET", "/api/v1/me", Some(&t), &[], b"").status, 0, "no plain HTTP answer");
    // A key file that is not there stops serve at start, naming the key.
    drop(api);
    env.write_config(&format!("[web]\nlisten = \"127.0.0.1:{}\"\n[web.tls]\ncert_file = \"{}\"\nkey_file = \"/nonexistent/key.pem\"\n", free_port(), cert.display()));
    let r = env.run(&["serve"]);
    assert_eq!(r.code(), 1, "{}", r.stderr());
    assert!(r.stderr().contains("web.tls.key_file: /nonexistent/key.pem"), "{}", r.stderr());
}

#[test]
fn serve_shows_its_health_and_the_apis_figures_on_the_admin_endpoint() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    world(&env, 1);
    let t = token(&env, "aud", "auditor", &["*"]);
    let admin = free_port();
    let api = Api::serve(&env, &format!("[admin]\nlisten = \"127.0.0.1:{admin}\"\n"));
    assert_eq!(api.call("GET", "/api/v1/tasks", &t, Value::Null).status, 200);
    assert_eq!(
        crate::process::wait_for_status(admin, "/readyz", 200, Duration::from_secs(30)).trim(),
        "ready"
    );
    let metrics = crate::process::wait_for_status(admin, "/metrics", 200, Duration::from_secs(30));
    let line = "permit_followup_http_requests_total{route=\"/api/v1/tasks\",status=\"200\"} 1";
    assert!(metrics.contains(line), "{line} missing:\n{metrics}");
}
