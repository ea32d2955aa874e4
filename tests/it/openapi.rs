//! The task API's OpenAPI 3.1 document (`GET /api/v1/openapi.json`, docs/REFERENCE.md §10):
//! served without a token, valid by `openapi-spec-validator`, and the running API checked
//! against it by Schemathesis (`schemathesis run` from PyPI): no answer is a server error, and
//! none breaks the document — its status, content type, headers and body schema. Both tools live
//! in the venv that `scripts/test` makes (`need_schemathesis`, `PERMIT_FOLLOWUP_TEST_VENV`).
//!
//! Schemathesis's check that every schema-valid request is accepted is left out: a cursor no page
//! gave and an `If-Match` naming another version are well-formed and rightly refused (422, 412).

use crate::api::{token, world, Api};
use crate::helpers::{Engine, Env};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The venv with `schemathesis` and `openapi-spec-validator`.
fn venv() -> PathBuf {
    let venv = std::env::var_os("PERMIT_FOLLOWUP_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::helpers::repo("target/schemathesis-venv"));
    assert!(
        venv.join("bin/schemathesis").exists(),
        "no Schemathesis in {}: run scripts/test (need_schemathesis makes the venv)",
        venv.display()
    );
    venv
}

#[test]
fn the_openapi_document_is_valid_and_the_running_api_keeps_to_it() {
    let venv = venv();
    let env = Env::new(Engine::Sqlite, "").unwrap();
    world(&env, 5);
    let t = token(&env, "schemathesis", "manager", &["*"]);
    // Schemathesis sends requests without the token too: they must not lock it out.
    let api = Api::serve(&env, "auth_failures_per_minute = 0\n");
    let doc = api.raw("GET", "/api/v1/openapi.json", None, &[], b"");
    assert_eq!((doc.status, doc.header("content-type")), (200, Some("application/json")));
    assert_eq!(doc.body["openapi"], "3.1.0");
    assert_eq!(doc.body, serde_json::from_str::<Value>(permit_followup::web::api::OPENAPI).unwrap());
    let file = env.file("openapi.json", &doc.text);

    let validated = Command::new(venv.join("bin/openapi-spec-validator")).arg(&file).output().unwrap();
    assert!(
        validated.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );

    let run = Command::new(venv.join("bin/schemathesis"))
        .current_dir(env.path(""))
        .args(["run", &format!("http://127.0.0.1:{}/api/v1/openapi.json", api.port)])
        .args(["-H", &format!("Authorization: Bearer {t}")])
        .args(["--max-examples", "50", "--seed", "19", "--exclude-checks", "positive_data_acceptance"])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "schemathesis found problems:\n{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.contains("passed") && !out.contains("failures"), "{out}");
    assert!(!api.daemon.log().contains("panicked"), "{}", api.daemon.log());
}
