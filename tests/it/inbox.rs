//! The inbox's pages (docs/REFERENCE.md §11) through the real binary on both engines, with
//! sessions kept in the database as sign-in leaves them: a caseworker sees only its units'
//! tasks, takes one and closes it, and the audit trail names it; a manager assigns; another
//! unit's task is not found; a form without its session's token is refused and changes nothing;
//! a conflict says who holds the task and keeps what was typed; no session, an idle one or a
//! signed-out one is sent to sign in; every page carries the security headers; both languages.

use crate::api::{call, world, Answer, Api};
use crate::both_engines;
use crate::helpers::Env;
use chrono::{TimeDelta, Utc};
use permit_followup::domain::session::{Person, SessionLimits};
use permit_followup::jobs::sessions;

/// The grants of the people in these tests.
pub const ACCESS: &str = "[web.access.\"study-cw\"]\nrole = \"caseworker\"\nunits = [\"study\"]\n\
                      [web.access.\"study-mgr\"]\nrole = \"manager\"\nunits = [\"study\"]\n\
                      [web.access.\"work-cw\"]\nrole = \"caseworker\"\nunits = [\"work\"]\n";

/// A person signed in at `at`: the session cookie's value and the session's form token.
pub fn signed_in(env: &Env, subject: &str, group: &str, at: chrono::DateTime<Utc>) -> (String, String) {
    let person =
        Person { subject: subject.into(), name: format!("{subject} name"), groups: vec![group.into()] };
    let (key, session) = sessions::open_session(&env.store(), person, SessionLimits::default(), at).unwrap();
    (key.cookie_value().to_string(), session.form_token)
}

/// `METHOD path` with the session cookie `cookie`, a form `body` and more `headers`.
fn page(api: &Api, method: &str, path: &str, cookie: &str, body: &str, headers: &[(&str, &str)]) -> Answer {
    let cookie = format!("pf_session={cookie}");
    let mut all = vec![("cookie", cookie.as_str()), ("content-type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    call(api.port, method, path, None, &all, body.as_bytes())
}

pub fn get(api: &Api, path: &str, cookie: &str) -> Answer {
    page(api, "GET", path, cookie, "", &[])
}

pub fn post(api: &Api, path: &str, cookie: &str, form: &[(&str, &str)]) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    page(api, "POST", path, cookie, &body, &[])
}

/// The ids of the open tasks of `unit`.
pub fn open_ids(env: &Env, unit: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = env
        .tasks()
        .iter()
        .filter(|t| t["unit"] == unit && t["state"] == "open")
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

/// The open tasks an inbox page counts for `unit`, as written.
fn open_count(page: &str, unit: &str) -> String {
    let row = &page[page.find(&format!("href=\"/?unit={unit}\"")).expect("the unit's row")..];
    let cell = &row[row.find("<td>").unwrap() + 4..];
    cell[..cell.find('<').unwrap()].to_string()
}

fn task(env: &Env, id: i64) -> serde_json::Value {
    env.tasks().into_iter().find(|t| t["id"] == id).unwrap()
}

/// Whether task `id` is held by `who` (`None`: by nobody).
fn held_by(env: &Env, id: i64, who: Option<&str>) -> bool {
    let sql = match who {
        Some(w) => format!("SELECT COUNT(*) AS n FROM tasks WHERE id = {id} AND assignee = '{w}'"),
        None => format!("SELECT COUNT(*) AS n FROM tasks WHERE id = {id} AND assignee IS NULL"),
    };
    env.count(&sql) == 1
}

both_engines!(
    fn a_caseworker_sees_its_units_tasks_takes_one_and_closes_it(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 3);
        let api = Api::serve(&env, ACCESS);
        let (cookie, token) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let (study, work) = (open_ids(&env, "study"), open_ids(&env, "work"));

        let inbox = get(&api, "/", &cookie);
        assert_eq!(inbox.status, 200, "{}", inbox.text);
        for (name, value) in [
            ("content-security-policy", permit_followup::web::pages::CSP),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
        ] {
            assert_eq!(inbox.header(name), Some(value), "{name}");
        }
        assert!(!inbox.text.contains("<script"), "no script on a page");
        for id in &study {
            assert!(inbox.text.contains(&format!("href=\"/tasks/{id}\"")), "study task {id} listed");
        }
        for id in &work {
            assert!(!inbox.text.contains(&format!("href=\"/tasks/{id}\"")), "work task {id} not listed");
        }
        let css = get(&api, "/static/style.css", &cookie);
        assert_eq!((css.status, css.header("content-type")), (200, Some("text/css; charset=utf-8")));

        // Another unit's task: not found, exactly as one that does not exist; nothing changes.
        let other = get(&api, &format!("/tasks/{}", work[0]), &cookie);
        let missing = get(&api, "/tasks/999999", &cookie);
        assert_eq!((other.status, missing.status), (404, 404));
        assert_eq!(other.text.replace(&work[0].to_string(), "N"), missing.text.replace("999999", "N"));
        let refused = post(&api, &format!("/tasks/{}/claim", work[0]), &cookie, &[("form_token", &token)]);
        assert_eq!(refused.status, 404);
        assert!(held_by(&env, work[0], None));

        // Take it, then close it with an outcome and a note.
        let id = study[0];
        let shown = get(&api, &format!("/tasks/{id}"), &cookie);
        assert_eq!(shown.status, 200, "{}", shown.text);
        assert!(shown.text.contains(&format!("action=\"/tasks/{id}/claim\"")), "a claim form");
        let claimed = post(&api, &format!("/tasks/{id}/claim"), &cookie, &[("form_token", &token)]);
        assert_eq!((claimed.status, claimed.header("location")), (303, Some(format!("/tasks/{id}?done=claimed").as_str())));
        let after = get(&api, &format!("/tasks/{id}?done=claimed"), &cookie);
        assert!(after.text.contains("You have taken the task."), "{}", after.text);
        assert!(held_by(&env, id, Some("cw-anna")));
        let closed = post(&api, &format!("/tasks/{id}/close"), &cookie, &[("form_token", &token), ("outcome", "no_action"), ("note", "Studies confirmed")]);
        assert_eq!(closed.status, 303, "{}", closed.text);
        let t = task(&env, id);
        assert_eq!((t["state"].as_str(), t["outcome"].as_str()), (Some("closed"), Some("no_action")));
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM tasks WHERE id = {id} AND closed_by = 'cw-anna'")), 1);
        // The inbox counts it at once, though its counts of a moment ago were still fresh.
        assert_eq!(open_count(&inbox.text, "study"), study.len().to_string());
        assert_eq!(open_count(&get(&api, "/", &cookie).text, "study"), (study.len() - 1).to_string());
        let history = env.ok(&["history", t["permit_id"].as_str().unwrap()]);
        for event in ["task_claimed", "task_closed", "viewed"] {
            assert!(history.lines().any(|l| l.contains(event) && l.contains("cw-anna")), "{event} by cw-anna:\n{history}");
        }
        // The closed task's page offers nothing more to do.
        let done = get(&api, &format!("/tasks/{id}"), &cookie);
        assert!(!done.text.contains("<form method=\"post\" action=\"/tasks/"), "{}", done.text);
    }
);

both_engines!(
    fn a_manager_assigns_and_a_form_without_its_token_changes_nothing(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 2);
        let api = Api::serve(&env, ACCESS);
        let (boss, boss_token) = signed_in(&env, "mgr-maria", "study-mgr", Utc::now());
        let (_, anna_token) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let id = open_ids(&env, "study")[0];

        for form in [vec![("assignee", "cw-anna")], vec![("form_token", "forged"), ("assignee", "cw-anna")], vec![("form_token", anna_token.as_str()), ("assignee", "cw-anna")]] {
            let refused = post(&api, &format!("/tasks/{id}/assign"), &boss, &form);
            assert_eq!(refused.status, 403, "{form:?}: {}", refused.text);
            assert!(held_by(&env, id, None), "{form:?}");
        }
        let logout = post(&api, "/logout", &boss, &[]);
        assert_eq!(logout.status, 403, "logout needs the token too");

        let shown = get(&api, &format!("/tasks/{id}"), &boss);
        assert!(shown.text.contains("name=\"assignee\""), "managers get the assign form");
        let assigned = post(&api, &format!("/tasks/{id}/assign"), &boss, &[("form_token", &boss_token), ("assignee", "cw-anna")]);
        assert_eq!(assigned.status, 303, "{}", assigned.text);
        assert!(held_by(&env, id, Some("cw-anna")));
        let mine = get(&api, "/?assigned=none", &boss);
        assert!(!mine.text.contains(&format!("href=\"/tasks/{id}\"")), "an assigned task is not unassigned");
        let shown = get(&api, &format!("/tasks/{id}"), &boss);
        assert!(shown.text.contains("cw-anna"), "the page shows who holds it");
    }
);

both_engines!(
    fn a_conflict_says_who_holds_the_task_and_keeps_what_was_typed(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 2);
        let api = Api::serve(&env, ACCESS);
        let (anna, anna_token) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let (bo, bo_token) = signed_in(&env, "cw-bo", "study-cw", Utc::now());
        let id = open_ids(&env, "study")[0];

        assert_eq!(post(&api, &format!("/tasks/{id}/claim"), &anna, &[("form_token", &anna_token)]).status, 303);
        let late = post(&api, &format!("/tasks/{id}/claim"), &bo, &[("form_token", &bo_token)]);
        assert_eq!(late.status, 409, "{}", late.text);
        assert!(late.text.contains("cw-anna") && late.text.contains("role=\"alert\""), "{}", late.text);

        assert_eq!(post(&api, &format!("/tasks/{id}/close"), &anna, &[("form_token", &anna_token), ("outcome", "referred"), ("note", "Sent on")]).status, 303);
        let typed = "My reasons, written at length";
        let second = post(&api, &format!("/tasks/{id}/close"), &bo, &[("form_token", &bo_token), ("outcome", "no_action"), ("note", typed)]);
        assert_eq!(second.status, 409, "{}", second.text);
        assert!(second.text.contains("Referred"), "the kept outcome is named: {}", second.text);
        assert!(second.text.contains(typed), "what was typed is kept");
        assert_eq!(task(&env, id)["outcome"], "referred");

        // A blank note is refused, and the outcome chosen is kept.
        let other = open_ids(&env, "study")[0];
        let blank = post(&api, &format!("/tasks/{other}/close"), &bo, &[("form_token", &bo_token), ("outcome", "referred"), ("note", "  ")]);
        assert_eq!(blank.status, 422, "{}", blank.text);
        assert!(blank.text.contains("<option value=\"referred\" selected>"), "{}", blank.text);
        let no_outcome = post(&api, &format!("/tasks/{other}/close"), &bo, &[("form_token", &bo_token), ("note", "x")]);
        assert_eq!(no_outcome.status, 422);
        assert_eq!(task(&env, other)["state"], "open");
    }
);

both_engines!(
    fn no_session_an_idle_one_or_a_signed_out_one_is_sent_to_sign_in(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 1);
        let api = Api::serve(&env, ACCESS);
        let none = call(api.port, "GET", "/tasks/1", None, &[], b"");
        assert_eq!((none.status, none.header("location")), (303, Some("/login?next=%2Ftasks%2F1")));
        let (idle, _) = signed_in(&env, "cw-anna", "study-cw", Utc::now() - TimeDelta::minutes(31));
        let sent = get(&api, "/", &idle);
        assert_eq!((sent.status, sent.header("location")), (303, Some("/login?next=%2F")));
        let (old, _) = signed_in(&env, "cw-anna", "study-cw", Utc::now() - TimeDelta::hours(9));
        assert_eq!(get(&api, "/", &old).status, 303);

        let (cookie, token) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        assert_eq!(get(&api, "/", &cookie).status, 200);
        let out = post(&api, "/logout", &cookie, &[("form_token", &token)]);
        assert_eq!(out.status, 200, "{}", out.text);
        assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
        assert_eq!(get(&api, "/", &cookie).status, 303, "the session ended");
        // A form sent after the session ended goes to sign in, back to the task's page.
        let late = post(&api, "/tasks/1/claim", &cookie, &[("form_token", &token)]);
        assert_eq!((late.status, late.header("location")), (303, Some("/login?next=%2Ftasks%2F1")));
    }
);

both_engines!(
    fn the_browser_chooses_swedish_or_english(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 1);
        let api = Api::serve(&env, ACCESS);
        let (cookie, _) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let sv = page(&api, "GET", "/", &cookie, "", &[("accept-language", "sv-SE,sv;q=0.9,en;q=0.5")]);
        assert!(sv.text.contains("<html lang=\"sv\">") && sv.text.contains("Inkorg för uppföljning"), "{}", sv.text);
        let en = page(&api, "GET", "/", &cookie, "", &[("accept-language", "en-GB")]);
        assert!(en.text.contains("<html lang=\"en\">") && en.text.contains("Follow-up inbox"));
        let id = open_ids(&env, "study")[0];
        let task_sv = page(&api, "GET", &format!("/tasks/{id}"), &cookie, "", &[("accept-language", "sv")]);
        assert!(task_sv.text.contains("Ta uppgiften"), "{}", task_sv.text);
    }
);

both_engines!(
    fn a_swedish_page_says_every_event_and_every_figure_in_swedish_and_names_the_unit(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 1);
        let feed = "{\"id\":\"agi-1\",\"kind\":\"income_reported\",\"person_id\":\"W0\",\"occurred_on\":\"2026-08-12\",\
                    \"data\":{\"amount_sek\":12345,\"period\":\"2026-07\"}}\n";
        env.ok(&["import", "signals", &env.file("s.jsonl", feed), "--now", "2026-09-01"]);
        env.ok(&["tick", "--now", "2026-09-02"]);
        let units = "[units.study]\nname = \"Enheten för studier\"\n[units.work]\nname = \"Enheten för arbete\"\n";
        let api = Api::serve(&env, &format!("{ACCESS}{units}"));
        let (anna, token) = signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let sv = [("accept-language", "sv")];

        // Taken, noted, given back, taken again and closed: every event said in Swedish.
        let id = open_ids(&env, "study")[0];
        for (action, form) in [
            ("claim", vec![]),
            ("notes", vec![("note", "Ringde lärosätet")]),
            ("release", vec![]),
            ("claim", vec![]),
            ("close", vec![("outcome", "no_action"), ("note", "Studierna bekräftade")]),
        ] {
            let mut form = form;
            form.push(("form_token", token.as_str()));
            let done = post(&api, &format!("/tasks/{id}/{action}"), &anna, &form);
            assert_eq!(done.status, 303, "{action}: {}", done.text);
        }
        let shown = page(&api, "GET", &format!("/tasks/{id}"), &anna, "", &sv);
        assert_eq!(shown.status, 200, "{}", shown.text);
        for said in [
            "Enheten för studier",
            "Periodisk kontroll för uppföljningstillfället",
            "Tog uppgiften",
            "Ringde lärosätet",
            "Lämnade tillbaka uppgiften",
            "Avslutad med utfallet ”Ingen åtgärd”. Anteckning: Studierna bekräftade",
        ] {
            assert!(shown.text.contains(said), "{said:?} on the Swedish page:\n{}", shown.text);
        }
        for english in ["created:", "claimed by", "released", "closed:", "note on task", " lang=\"en\""] {
            assert!(!shown.text.contains(english), "{english:?} on the Swedish page:\n{}", shown.text);
        }

        // A signal's data: its fields named in Swedish, the amount with Swedish separators.
        let (walter, _) = signed_in(&env, "cw-walter", "work-cw", Utc::now());
        let income = open_ids(&env, "work").into_iter().find(|&id| {
            page(&api, "GET", &format!("/tasks/{id}"), &walter, "", &sv).text.contains("agi-1")
        });
        let shown = page(&api, "GET", &format!("/tasks/{}", income.expect("a task of the income signal")), &walter, "", &sv);
        for said in ["Belopp: 12\u{a0}345 kr", "Period: 2026-07", "Enheten för arbete", "utifrån signal agi-1"] {
            assert!(shown.text.contains(said), "{said:?} on the Swedish page:\n{}", shown.text);
        }
        let en = page(&api, "GET", &format!("/tasks/{}", income.unwrap()), &walter, "", &[("accept-language", "en")]);
        assert!(en.text.contains("Amount: SEK 12,345") && en.text.contains("from signal agi-1"), "{}", en.text);
    }
);

both_engines!(
    fn the_assign_form_offers_by_name_the_people_who_may_take_the_task(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 1);
        let api = Api::serve(&env, ACCESS);
        // Signed in once: long ago (not offered, and forgotten), on another unit, on this one.
        signed_in(&env, "cw-gone", "study-cw", Utc::now() - TimeDelta::days(181));
        signed_in(&env, "cw-walter", "work-cw", Utc::now());
        signed_in(&env, "cw-anna", "study-cw", Utc::now());
        let (maria, token) = signed_in(&env, "mgr-maria", "study-mgr", Utc::now());
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM web_people WHERE subject = 'cw-gone'"), 0);

        let id = open_ids(&env, "study")[0];
        let shown = get(&api, &format!("/tasks/{id}"), &maria);
        let list = shown.text.split("<datalist id=\"people\">").nth(1).and_then(|l| l.split("</datalist>").next());
        let list = list.unwrap_or_else(|| panic!("a list of people:\n{}", shown.text));
        assert_eq!(
            list,
            "<option value=\"cw-anna\">cw-anna name</option><option value=\"mgr-maria\">mgr-maria name</option>",
            "the study unit's people, by name"
        );
        assert!(shown.text.contains("list=\"people\""));
        let assigned = post(&api, &format!("/tasks/{id}/assign"), &maria, &[("form_token", &token), ("assignee", "cw-anna")]);
        assert_eq!(assigned.status, 303, "{}", assigned.text);
        assert!(held_by(&env, id, Some("cw-anna")));
    }
);
