//! The inbox (docs/REFERENCE.md §11) in a real browser: Debian's headless Chromium, driven by
//! puppeteer-core through `tests/browser/driver.mjs`, against the real binary (`serve`) on both
//! engines, with sessions made in the database as sign-in makes them and their cookie handed to
//! the browser, and once through the real OpenID provider's sign-in form (`tests/oidc`): a
//! caseworker signs in, sees only its units' tasks, takes one and closes it, and the task API
//! (with the provider's token) and `history` name the caseworker. axe-core finds no WCAG 2.1 A/AA violation on any page in English and Swedish,
//! light and dark, 1280 and 320 px wide; a caseworker takes and closes a task with the keyboard
//! alone, seeing where the focus is at every stop; the issue's flows work as a person clicks
//! them; and the inbox of 100 rows weighs, with its stylesheet, at most 100 KB.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use chrono::{TimeDelta, Utc};
use serde_json::{json, Value};

use crate::api::{self, world, Api};
use crate::both_engines;
use crate::helpers::{repo, Env};
use crate::inbox::{open_ids, post, signed_in, ACCESS};
use crate::inbox_signin::{serve_signing_in, SECRET};
use crate::oidc::{OidcProvider, TestClient, TestUser, PASSWORD};
use crate::process::free_port;

/// One headless Chromium for a test, driven by `tests/browser/driver.mjs` over its stdin and
/// stdout, one JSON line each way a command. Dropping it ends Node and the browser.
pub struct Chrome {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Chrome {
    /// The driver, or a failure that says what to install.
    pub fn start() -> Chrome {
        let driver = repo("tests/browser/driver.mjs");
        assert!(
            repo("tests/browser/node_modules/puppeteer-core/package.json").exists(),
            "puppeteer-core is missing: run scripts/test, or npm ci --prefix tests/browser"
        );
        assert!(Path::new("/usr/bin/chromium").exists(), "run scripts/ensure-chromium");
        let mut child = Command::new("node")
            .arg(driver)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs tests/browser/driver.mjs (install Debian's nodejs)");
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().unwrap());
        Chrome { child, input, output }
    }

    /// Sends one command and returns its answer; a command the driver could not do fails the test.
    pub fn send(&mut self, command: Value) -> Value {
        let input = self.input.as_mut().unwrap();
        writeln!(input, "{command}").expect("the driver reads its commands");
        input.flush().unwrap();
        let mut line = String::new();
        self.output.read_line(&mut line).expect("the driver answers");
        assert!(!line.is_empty(), "the driver ended on {command}");
        let answer: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
        if let Some(error) = answer.get("error") {
            panic!("{command}: {}", error.as_str().unwrap_or_default());
        }
        answer
    }

    /// A fresh tab: `locale`, dark or light, `width` px wide, with the session `cookie` (if any)
    /// for the server on `port`; `axe`: the tab may inject axe-core despite the page's CSP.
    pub fn open(&mut self, port: u16, cookie: Option<&str>, look: Look, axe: bool) {
        let cookies: Vec<Value> = cookie
            .map(|c| json!({"name": "pf_session", "value": c, "url": format!("http://127.0.0.1:{port}")}))
            .into_iter()
            .collect();
        self.send(json!({"op": "open", "locale": look.locale, "dark": look.dark, "width": look.width,
                         "cookies": cookies, "axe": axe}));
    }

    /// Loads `url`; its status and where the browser ended up.
    pub fn goto(&mut self, url: &str) -> (u16, String) {
        at(&self.send(json!({"op": "goto", "url": url})))
    }

    /// axe-core's violations on the page as it is now.
    pub fn axe(&mut self) -> Vec<String> {
        let answer = self.send(json!({"op": "axe"}));
        answer["violations"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    }

    pub fn press(&mut self, key: &str) {
        self.send(json!({"op": "press", "key": key}));
    }

    /// Presses `key` and waits for the page it leads to.
    pub fn press_and_wait(&mut self, key: &str) -> (u16, String) {
        at(&self.send(json!({"op": "press", "key": key, "navigates": true})))
    }

    pub fn type_text(&mut self, text: &str) {
        self.send(json!({"op": "type", "text": text}));
    }

    /// The focused element, as the driver describes it.
    pub fn focused(&mut self) -> Value {
        self.send(json!({"op": "focused"}))
    }

    /// The text of the first element `selector` matches (`None`: nothing matches).
    pub fn text(&mut self, selector: &str) -> Option<String> {
        self.send(json!({"op": "text", "selector": selector}))["text"].as_str().map(str::to_string)
    }

    /// The JSON value of a JavaScript expression evaluated in the page.
    pub fn eval(&mut self, js: &str) -> Value {
        self.send(json!({"op": "eval", "js": js}))["value"].clone()
    }

    /// Fills the OpenID provider's sign-in form on the page as it is now (`tests/oidc`) and
    /// submits it; where the browser ends up after the provider's and our redirects.
    pub fn sign_in(&mut self, login: &str, password: &str) -> (u16, String) {
        at(&self.send(json!({"op": "signin", "login": login, "password": password})))
    }

    /// Submits the form of the element `selector` by clicking it; the page that follows.
    pub fn click(&mut self, selector: &str) -> (u16, String) {
        at(&self.send(json!({"op": "click", "selector": selector})))
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        drop(self.input.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn at(answer: &Value) -> (u16, String) {
    (answer["status"].as_u64().unwrap_or(0) as u16, answer["url"].as_str().unwrap_or_default().to_string())
}

/// How a page is looked at: the browser's language, its colour scheme, the window's width.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    pub locale: &'static str,
    pub dark: bool,
    pub width: u32,
}

/// Every look the pages must pass axe-core in.
fn looks() -> Vec<Look> {
    let mut all = Vec::new();
    for locale in ["en-GB", "sv-SE"] {
        for dark in [false, true] {
            for width in [1280, 320] {
                all.push(Look { locale, dark, width });
            }
        }
    }
    all
}

/// Says every violation of every page at once, so that one run shows all there is to fix.
fn assert_no_violations(found: &[(String, Vec<String>)]) {
    let bad: Vec<String> = found
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(page, v)| format!("{page}:\n  {}", v.join("\n  ")))
        .collect();
    assert!(bad.is_empty(), "axe-core found violations:\n{}", bad.join("\n"));
}

both_engines!(
    fn axe_finds_nothing_on_any_inbox_page_in_either_language_light_or_dark_wide_or_narrow(engine) {
        let env = Env::new(engine, "").unwrap();
        let looks = looks();
        world(&env, looks.len() + 2);
        let api = Api::serve(&env, ACCESS);
        let base = format!("http://127.0.0.1:{}", api.port);
        let study = open_ids(&env, "study");
        let (anna, anna_token) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let mut chrome = Chrome::start();
        let mut found = Vec::new();

        for (n, look) in looks.iter().enumerate() {
            // A manager, who gets every form; a session of its own, since the last page signs out.
            let (boss, _) = signed_in(&env, "mgr-maria", "study-mgr", Utc::now());
            chrome.open(api.port, Some(&boss), *look, true);
            let mut check = |chrome: &mut Chrome, what: &str| {
                found.push((format!("{what} ({look:?})"), chrome.axe()));
            };
            assert_eq!(chrome.goto(&format!("{base}/")).0, 200);
            check(&mut chrome, "the inbox");
            if n == 0 {
                // axe-core does see what it is for: an image without a text alternative.
                chrome.eval("document.querySelector('main').appendChild(document.createElement('img')) && 1");
                let seen = chrome.axe();
                assert!(seen.iter().any(|v| v.starts_with("image-alt")), "axe-core saw nothing: {seen:?}");
            }
            assert_eq!(chrome.goto(&format!("{base}/?unit=study&assigned=mine")).0, 200);
            assert!(chrome.text("table.inbox").is_none(), "the filter leaves no task");
            check(&mut chrome, "the inbox, filtered to nothing");

            let id = study[n];
            assert_eq!(chrome.goto(&format!("{base}/tasks/{id}")).0, 200);
            for form in ["claim", "assign", "notes", "close"] {
                let selector = format!("form[action=\"/tasks/{id}/{form}\"]");
                assert_eq!(chrome.eval(&format!("document.querySelectorAll('{selector}').length")), 1, "{form}");
            }
            check(&mut chrome, "an open task with a manager's forms");

            // A caseworker closes it meanwhile; the manager's close is refused with an alert.
            let closed = post(&api, &format!("/tasks/{id}/close"), &anna, &[("form_token", &anna_token), ("outcome", "referred"), ("note", "Sent on")]);
            assert_eq!(closed.status, 303, "{}", closed.text);
            chrome.eval("document.getElementById('outcome').value = 'no_action'");
            chrome.eval("document.getElementById('close-note').value = 'Nothing to do'");
            let (status, _) = chrome.click(&format!("form[action=\"/tasks/{id}/close\"] button"));
            assert_eq!(status, 409);
            assert!(chrome.text("[role=alert]").is_some(), "the refusal is an alert");
            check(&mut chrome, "a refused close");
            assert_eq!(chrome.goto(&format!("{base}/tasks/{id}")).0, 200);
            check(&mut chrome, "a closed task");

            assert_eq!(chrome.goto(&format!("{base}/tasks/999999")).0, 404);
            check(&mut chrome, "a task not found");
            assert_eq!(chrome.goto(&format!("{base}/")).0, 200);
            let (status, _) = chrome.click("nav.bar button");
            assert_eq!(status, 200);
            check(&mut chrome, "signed out");
        }
        assert_no_violations(&found);
    }
);

/// Presses Tab until the focused element is what `wanted` says (at most `limit` stops), and
/// insists that every stop on the way shows where the focus is: a solid outline at least 2 px
/// wide, as `:focus-visible` draws it. The element reached.
fn tab_to(chrome: &mut Chrome, limit: usize, wanted: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..limit {
        chrome.press("Tab");
        let stop = chrome.focused();
        assert_ne!(stop["tag"], "body", "the focus left the page");
        let outline = &stop["outline"];
        assert!(
            stop["focus_visible"] == true
                && outline["style"] != "none"
                && outline["width"].as_f64().unwrap_or(0.0) >= 2.0,
            "no visible focus on {stop}"
        );
        if wanted(&stop) {
            return stop;
        }
    }
    panic!("{limit} presses of Tab did not reach it");
}

both_engines!(
    fn a_caseworker_takes_and_closes_a_task_with_the_keyboard_alone_seeing_the_focus(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 2);
        let api = Api::serve(&env, ACCESS);
        let base = format!("http://127.0.0.1:{}", api.port);
        let (anna, _) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let mut chrome = Chrome::start();
        chrome.open(api.port, Some(&anna), Look { locale: "en-GB", dark: false, width: 1280 }, false);
        assert_eq!(chrome.goto(&format!("{base}/")).0, 200);

        let link = tab_to(&mut chrome, 40, |e| e["tag"] == "a" && e["href"].as_str().unwrap_or("").starts_with("/tasks/"));
        let href = link["href"].as_str().unwrap().to_string();
        let id: i64 = href.trim_start_matches("/tasks/").parse().unwrap();
        let (status, url) = chrome.press_and_wait("Enter");
        assert_eq!((status, url), (200, format!("{base}{href}")));

        tab_to(&mut chrome, 40, |e| e["tag"] == "button" && e["text"] == "Take the task");
        let (status, url) = chrome.press_and_wait("Enter");
        assert_eq!((status, url), (200, format!("{base}{href}?done=claimed")));
        assert_eq!(chrome.text("[role=status]").as_deref(), Some("You have taken the task."));

        tab_to(&mut chrome, 40, |e| e["id"] == "outcome");
        chrome.press("ArrowDown");
        let outcome = chrome.focused()["value"].as_str().unwrap().to_string();
        assert!(!outcome.is_empty(), "the arrow key chose an outcome");
        tab_to(&mut chrome, 2, |e| e["id"] == "close-note");
        chrome.type_text("Studies confirmed by the university");
        tab_to(&mut chrome, 2, |e| e["tag"] == "button" && e["text"] == "Close the task");
        let (status, url) = chrome.press_and_wait("Enter");
        assert_eq!((status, url), (200, format!("{base}{href}?done=closed")));
        assert_eq!(chrome.text("[role=status]").as_deref(), Some("The task is closed."));

        let task = env.tasks().into_iter().find(|t| t["id"] == id).unwrap();
        assert_eq!((task["state"].as_str(), task["outcome"].as_str()), (Some("closed"), Some(outcome.as_str())));
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM tasks WHERE id = {id} AND closed_by = 'cw-anna'")), 1);
        let history = env.ok(&["history", task["permit_id"].as_str().unwrap()]);
        for event in ["task_claimed", "task_closed"] {
            assert!(history.lines().any(|l| l.contains(event) && l.contains("cw-anna")), "{event} by cw-anna:\n{history}");
        }
    }
);

both_engines!(
    fn the_issues_flows_in_the_browser_take_close_assign_not_found_no_token_and_idle(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 3);
        let api = Api::serve(&env, ACCESS);
        let base = format!("http://127.0.0.1:{}", api.port);
        let study = open_ids(&env, "study");
        let light = Look { locale: "en-GB", dark: false, width: 1280 };
        let mut chrome = Chrome::start();

        // A caseworker takes a task and closes it; the API and history name the person.
        let (anna, _) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        chrome.open(api.port, Some(&anna), light, false);
        let id = study[0];
        assert_eq!(chrome.goto(&format!("{base}/tasks/{id}")).0, 200);
        assert_eq!(chrome.click(&format!("form[action=\"/tasks/{id}/claim\"] button")).0, 200);
        chrome.eval("document.getElementById('outcome').value = 'referred'");
        chrome.eval("document.getElementById('close-note').focus()");
        chrome.type_text("Sent to the unit for work permits");
        let (status, url) = chrome.click(&format!("form[action=\"/tasks/{id}/close\"] button"));
        assert_eq!((status, url), (200, format!("{base}/tasks/{id}?done=closed")));
        let system = api::token(&env, "case-system", "integration", &["study"]);
        let seen = api.call("GET", &format!("/api/v1/tasks/{id}"), &system, Value::Null);
        assert_eq!(seen.status, 200, "{}", seen.text);
        assert_eq!((seen.body["state"].as_str(), seen.body["closed_by"].as_str()), (Some("closed"), Some("cw-anna")));
        assert_eq!(seen.body["note"], "Sent to the unit for work permits");
        let history = env.ok(&["history", seen.body["permit_id"].as_str().unwrap()]);
        assert!(history.lines().any(|l| l.contains("task_closed") && l.contains("cw-anna")), "{history}");

        // A form sent without its session's token is refused and changes nothing.
        let other = study[1];
        assert_eq!(chrome.goto(&format!("{base}/tasks/{other}")).0, 200);
        chrome.eval(&format!("document.querySelector('form[action=\"/tasks/{other}/claim\"] input[name=form_token]').remove()"));
        assert_eq!(chrome.click(&format!("form[action=\"/tasks/{other}/claim\"] button")).0, 403);
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM tasks WHERE id = {other} AND assignee IS NULL")), 1);

        // A manager assigns a task to the caseworker.
        let (maria, _) = signed_in(&env, "mgr-maria", "study-mgr", Utc::now());
        chrome.open(api.port, Some(&maria), light, false);
        assert_eq!(chrome.goto(&format!("{base}/tasks/{other}")).0, 200);
        chrome.eval("document.getElementById('assignee').focus()");
        chrome.type_text("cw-anna");
        let (status, url) = chrome.click(&format!("form[action=\"/tasks/{other}/assign\"] button"));
        assert_eq!((status, url), (200, format!("{base}/tasks/{other}?done=assigned")));
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM tasks WHERE id = {other} AND assignee = 'cw-anna'")), 1);

        // A caseworker of another unit: that task's page is not found.
        let (walter, _) = signed_in(&env, "cw-walter", "work-cw", Utc::now());
        chrome.open(api.port, Some(&walter), light, false);
        assert_eq!(chrome.goto(&format!("{base}/tasks/{other}")).0, 404);
        assert!(chrome.text("main").unwrap().contains(&format!("There is no task {other}")));

        // A session unused past its idle limit is sent to sign in, and back here afterwards.
        let (idle, _) = signed_in(&env, "cw-anna", "study-cw", Utc::now() - TimeDelta::minutes(31));
        chrome.open(api.port, Some(&idle), light, false);
        let (_, url) = chrome.goto(&format!("{base}/tasks/{other}"));
        assert_eq!(url, format!("{base}/login?next=%2Ftasks%2F{other}"));
    }
);

both_engines!(
    fn the_inbox_of_a_hundred_rows_weighs_with_its_stylesheet_at_most_100_kb(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 120);
        let api = Api::serve(&env, ACCESS);
        let (maria, _) = signed_in(&env, "mgr-maria", "study-mgr", Utc::now());
        let inbox = crate::inbox::get(&api, "/", &maria);
        assert_eq!(inbox.status, 200);
        assert_eq!(inbox.text.matches("<a href=\"/tasks/").count(), 100, "a full page of 100 rows");
        let css = crate::inbox::get(&api, "/static/style.css", &maria);
        assert_eq!(css.status, 200);
        let weight = inbox.text.len() + css.text.len();
        assert!(weight <= 100 * 1024, "the inbox weighs {weight} bytes with its stylesheet");
        eprintln!("the inbox of 100 rows: {} bytes, its stylesheet {} bytes", inbox.text.len(), css.text.len());
    }
);

both_engines!(
    fn a_caseworker_signs_in_at_the_provider_takes_and_closes_a_task_and_the_api_and_history_name_them(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 3);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let idp = OidcProvider::start(
            &[TestUser::new("u-anna", "Anna Caseworker", &["study-cw"])],
            &[TestClient::new("permit-followup", SECRET, &[&format!("{base}/auth/callback")])],
        )
        .unwrap();
        let daemon = serve_signing_in(&env, port, &idp, ACCESS);
        let (study, work) = (open_ids(&env, "study"), open_ids(&env, "work"));
        assert_eq!((study.len(), work.len()), (3, 3));
        let mut chrome = Chrome::start();
        chrome.open(port, None, Look { locale: "en-GB", dark: false, width: 1280 }, false);

        // No session: the inbox sends the browser to the provider's sign-in form.
        let (status, url) = chrome.goto(&format!("{base}/"));
        assert_eq!(status, 200, "{url}\n{}", daemon.log());
        assert!(url.starts_with(&format!("{}/interaction/", idp.issuer())), "{url}");
        // A wrong password is the provider's to refuse; the right one comes back to the inbox.
        let (status, url) = chrome.sign_in("u-anna", "not the password");
        assert_eq!(status, 401, "{url}");
        let (status, url) = chrome.sign_in("u-anna", PASSWORD);
        assert_eq!((status, url.as_str()), (200, format!("{base}/").as_str()), "{}", daemon.log());
        assert_eq!(chrome.text("nav.bar .who").as_deref(), Some("Anna Caseworker"));
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM web_sessions WHERE subject = 'u-anna'"), 1);

        // Only the study unit's tasks, every one of them.
        let listed = chrome.eval(
            "[...document.querySelectorAll('table.inbox a[href^=\"/tasks/\"]')].map(a => Number(a.getAttribute('href').slice(7)))",
        );
        let mut listed: Vec<i64> = listed.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        listed.sort();
        let mut mine = study.clone();
        mine.sort();
        assert_eq!(listed, mine, "the inbox lists the study unit's tasks and no other (work: {work:?})");

        // Opens the first, takes it, closes it with an outcome and a note.
        let id = study[0];
        let (status, url) = chrome.click(&format!("table.inbox a[href=\"/tasks/{id}\"]"));
        assert_eq!((status, url), (200, format!("{base}/tasks/{id}")));
        let (status, url) = chrome.click(&format!("form[action=\"/tasks/{id}/claim\"] button"));
        assert_eq!((status, url), (200, format!("{base}/tasks/{id}?done=claimed")));
        assert_eq!(chrome.text("[role=status]").as_deref(), Some("You have taken the task."));
        chrome.eval("document.getElementById('outcome').value = 'no_action'");
        chrome.eval("document.getElementById('close-note').focus()");
        chrome.type_text("Enrolment confirmed by the university");
        let (status, url) = chrome.click(&format!("form[action=\"/tasks/{id}/close\"] button"));
        assert_eq!((status, url), (200, format!("{base}/tasks/{id}?done=closed")));
        assert_eq!(chrome.text("[role=status]").as_deref(), Some("The task is closed."));

        // The task API, called with the provider's token for the same person, shows the change.
        let bearer = idp.access_token("u-anna");
        let api = Api { daemon, port };
        let seen = api.call("GET", &format!("/api/v1/tasks/{id}"), &bearer, Value::Null);
        assert_eq!(seen.status, 200, "{}\n{}", seen.text, api.daemon.log());
        let task = &seen.body;
        assert_eq!(
            (task["state"].as_str(), task["outcome"].as_str(), task["closed_by"].as_str(), task["assignee"].as_str()),
            (Some("closed"), Some("no_action"), Some("u-anna"), Some("u-anna")),
            "{}",
            seen.text
        );
        assert_eq!(task["note"], "Enrolment confirmed by the university");
        let permit = task["permit_id"].as_str().unwrap().to_string();
        let by_anna = |events: &Value, event: &str| {
            events.as_array().unwrap().iter().any(|e| e["event"] == event && e["actor"] == "u-anna" && e["task_id"] == id)
        };
        let trail = api.call("GET", &format!("/api/v1/permits/{permit}/history"), &bearer, Value::Null);
        assert_eq!(trail.status, 200, "{}", trail.text);
        for event in ["task_claimed", "task_closed"] {
            assert!(by_anna(&task["events"], event), "{event} by u-anna in the task's events: {}", seen.text);
            assert!(by_anna(&trail.body["events"], event), "{event} by u-anna in the history: {}", trail.text);
        }
        // And so does the command line's history.
        let history = env.ok(&["history", &permit]);
        for event in ["task_claimed", "task_closed"] {
            assert!(history.lines().any(|l| l.contains(event) && l.contains("u-anna")), "{event} by u-anna:\n{history}");
        }
        // The other unit's tasks were not touched.
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM tasks WHERE unit = 'work' AND state = 'open' AND assignee IS NULL"), 3);
    }
);

both_engines!(
    fn a_manager_new_to_the_program_follows_the_morning_mail_hands_out_three_tasks_and_a_caseworker_closes_one(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 4);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let idp = OidcProvider::start(
            &[
                TestUser::new("u-anna", "Anna Caseworker", &["study-cw"]),
                TestUser::new("u-maria", "Maria Manager", &["study-mgr"]),
            ],
            &[TestClient::new("permit-followup", SECRET, &[&format!("{base}/auth/callback")])],
        )
        .unwrap();
        let daemon = serve_signing_in(&env, port, &idp, ACCESS);
        let look = Look { locale: "en-GB", dark: false, width: 1280 };

        // The caseworker has signed in once before, as everyone does on their first day.
        let mut anna = Chrome::start();
        anna.open(port, None, look, false);
        anna.goto(&format!("{base}/"));
        assert_eq!(anna.sign_in("u-anna", PASSWORD), (200, format!("{base}/")), "{}", daemon.log());

        // The morning mail of the study unit links each task to its page.
        assert!(env.ok(&["notify", "--now", "2026-09-01"]).contains("sent"));
        let mails: Vec<crate::mime::Mail> = std::fs::read_dir(env.path("outbox"))
            .unwrap()
            .map(|e| crate::mime::Mail::parse(&std::fs::read(e.unwrap().path()).unwrap()))
            .collect();
        let study = mails.iter().find(|m| m.header("Subject").unwrap().contains("Study permits unit")).unwrap();
        let text = study.body("text/plain");
        let link = text
            .split_whitespace()
            .find(|w| w.starts_with(&format!("{base}/tasks/")))
            .unwrap_or_else(|| panic!("a link to a task's page in the mail:\n{text}"))
            .to_string();
        assert!(!text.contains("permit-followup tasks"), "no shell command:\n{text}");

        // The manager follows it, signs in at the provider and lands on that task's page.
        let mut maria = Chrome::start();
        maria.open(port, None, look, false);
        let (status, url) = maria.goto(&link);
        assert!(status == 200 && url.starts_with(&format!("{}/interaction/", idp.issuer())), "{status} {url}");
        assert_eq!(maria.sign_in("u-maria", PASSWORD), (200, link.clone()), "{}", daemon.log());

        // Hands it to the caseworker, offered by name, then two more from the inbox.
        let mut handed = vec![];
        for round in 0..3 {
            let url = maria.eval("location.href").as_str().unwrap().to_string();
            let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
            let offered = maria.eval("[...document.querySelectorAll('#people option')].map(o => o.value + ' ' + o.textContent)");
            assert_eq!(offered, json!(["u-anna Anna Caseworker", "u-maria Maria Manager"]), "round {round}");
            maria.eval("document.getElementById('assignee').focus()");
            maria.type_text("u-anna");
            let (status, url) = maria.click(&format!("form[action=\"/tasks/{id}/assign\"] button"));
            assert_eq!((status, url), (200, format!("{base}/tasks/{id}?done=assigned")));
            assert_eq!(maria.text("[role=status]").as_deref(), Some("The task is assigned."));
            handed.push(id);
            if round < 2 {
                assert_eq!(maria.click("main a[href=\"/\"]"), (200, format!("{base}/")));
                let next = maria.eval(
                    "[...document.querySelectorAll('table.inbox tbody tr')].filter(r => !r.textContent.includes('u-anna'))\
                     .map(r => r.querySelector('a[href^=\"/tasks/\"]').getAttribute('href'))[0]",
                );
                let next = next.as_str().unwrap_or_else(|| panic!("an unassigned task in the inbox")).to_string();
                assert_eq!(maria.click(&format!("table.inbox a[href=\"{next}\"]")), (200, format!("{base}{next}")));
            }
        }
        let mut mine = handed.clone();
        mine.sort();

        // The caseworker finds the three under "mine" and closes one with an outcome and a note.
        let (status, _) = anna.goto(&format!("{base}/?assigned=mine"));
        assert_eq!(status, 200);
        let listed = anna.eval(
            "[...document.querySelectorAll('table.inbox a[href^=\"/tasks/\"]')].map(a => Number(a.getAttribute('href').slice(7)))",
        );
        let mut listed: Vec<i64> = listed.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        listed.sort();
        assert_eq!(listed, mine, "the caseworker's own tasks");
        let id = handed[1];
        assert_eq!(anna.click(&format!("table.inbox a[href=\"/tasks/{id}\"]")), (200, format!("{base}/tasks/{id}")));
        anna.eval("document.getElementById('outcome').value = 'referred'");
        anna.eval("document.getElementById('close-note').focus()");
        anna.type_text("Referred to the unit for work permits");
        let (status, url) = anna.click(&format!("form[action=\"/tasks/{id}/close\"] button"));
        assert_eq!((status, url), (200, format!("{base}/tasks/{id}?done=closed")));

        // What the database and the audit trail say: three handed out by the manager, one closed.
        let held = format!("SELECT COUNT(*) AS n FROM tasks WHERE assignee = 'u-anna' AND id IN ({}, {}, {})", mine[0], mine[1], mine[2]);
        assert_eq!(env.count(&held), 3);
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM tasks WHERE id = {id} AND closed_by = 'u-anna' AND outcome = 'referred'")), 1);
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM tasks WHERE state = 'closed'"), 1);
        let permit = env.tasks().into_iter().find(|t| t["id"] == id).unwrap()["permit_id"].as_str().unwrap().to_string();
        let history = env.ok(&["history", &permit]);
        assert!(history.lines().any(|l| l.contains("task_assigned") && l.contains("u-maria")), "{history}");
        assert!(history.lines().any(|l| l.contains("task_closed") && l.contains("u-anna")), "{history}");
    }
);
