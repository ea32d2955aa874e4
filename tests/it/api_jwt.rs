//! People's JWTs at the task API (docs/REFERENCE.md §10.1): tokens of a real OpenID provider
//! (`oidc-provider` from npm, `tests/it/oidc.rs`) whose groups map to grants; every kind of bad
//! token answered 401 — forged with another key, `alg: none`, HMAC-signed, of another audience,
//! and, signed by a key the service trusts, expired, not yet valid or of another issuer; and the
//! provider's key rotation picked up without a restart.
//!
//! The claims that only a trusted key can carry wrongly (an `exp` past its leeway, an `nbf` to
//! come, another `iss`) are signed here with a key of the test's own, which a small server of the
//! test publishes as a provider's discovery and JWKS: the real provider never issues such tokens.

use crate::api::{token, world, Api};
use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::oidc::{OidcProvider, Options, TestClient, TestUser};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

/// `[web.oidc]` for `issuer` and `audience`, and the grants of two groups.
fn config(issuer: &str, audience: &str) -> String {
    format!(
        "[web.oidc]\nissuer = \"{issuer}\"\nclient_id = \"{audience}\"\n\
         [web.access.\"study-caseworkers\"]\nrole = \"caseworker\"\nunits = [\"study\"]\n\
         [web.access.\"work-auditors\"]\nrole = \"auditor\"\nunits = [\"work\"]\n"
    )
}

fn provider() -> OidcProvider {
    let users = [
        TestUser::new("u-anna", "Anna Caseworker", &["study-caseworkers"]),
        TestUser::new("u-bo", "Bo Auditor", &["work-auditors", "a-group-without-a-grant"]),
        TestUser::new("u-nobody", "No Grants", &[]),
    ];
    OidcProvider::start(&users, &[TestClient::new("permit-followup", "secret", &["http://127.0.0.1:1/cb"])])
        .unwrap()
}

both_engines!(
    fn a_persons_jwt_sees_exactly_its_units_tasks(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 3);
        let idp = provider();
        let api = Api::serve(&env, &config(idp.issuer(), idp.audience()));
        let anna = idp.access_token("u-anna");
        let me = api.call("GET", "/api/v1/me", &anna, Value::Null);
        assert_eq!(me.status, 200, "{}\n{}", me.text, api.daemon.log());
        assert_eq!(me.body, json!({"subject": "u-anna", "name": "u-anna", "grants": [{"role": "caseworker", "units": ["study"]}]}));
        let listed = api.call("GET", "/api/v1/tasks?state=all", &anna, Value::Null);
        let units: Vec<&str> = listed.body["tasks"].as_array().unwrap().iter().map(|t| t["unit"].as_str().unwrap()).collect();
        assert_eq!(units, ["study"; 3]);
        let id = listed.body["tasks"][0]["id"].as_i64().unwrap();
        let claimed = api.call("POST", &format!("/api/v1/tasks/{id}/claim"), &anna, Value::Null);
        assert_eq!((claimed.status, claimed.body["assignee"].as_str()), (200, Some("u-anna")));
        let mine = api.call("GET", "/api/v1/tasks?assignee=me", &anna, Value::Null);
        assert_eq!(mine.body["tasks"].as_array().unwrap().len(), 1);

        let bo = idp.access_token("u-bo");
        let listed = api.call("GET", "/api/v1/tasks", &bo, Value::Null);
        assert!(listed.body["tasks"].as_array().unwrap().iter().all(|t| t["unit"] == "work"), "{}", listed.text);
        assert_eq!(listed.body["tasks"].as_array().unwrap().len(), 3);
        let work = listed.body["tasks"][0]["id"].as_i64().unwrap();
        api.call("POST", &format!("/api/v1/tasks/{work}/claim"), &bo, Value::Null).problem(403);
        api.call("GET", &format!("/api/v1/tasks/{id}"), &bo, Value::Null).problem(404);
        let viewed = api.call("GET", &format!("/api/v1/tasks/{work}"), &bo, Value::Null);
        assert_eq!(viewed.body["events"].as_array().unwrap().last().unwrap()["actor"], "u-bo");

        let nobody = idp.access_token("u-nobody");
        let none = api.call("GET", "/api/v1/tasks", &nobody, Value::Null);
        assert_eq!((none.status, none.body["tasks"].as_array().unwrap().len()), (200, 0));
        assert!(!api.daemon.log().contains(&anna), "a token was logged");
    }
);

/// An RSA key of the test's own: its PEM and its public JWK (`kid`).
fn own_key(env: &Env, kid: &str) -> (Vec<u8>, Value) {
    let pem = env.path(&format!("{kid}.pem"));
    let ok = std::process::Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&pem)
        .arg("2048")
        .output()
        .unwrap();
    assert!(ok.status.success(), "openssl genrsa");
    let out = std::process::Command::new("openssl")
        .args(["rsa", "-noout", "-modulus", "-in"])
        .arg(&pem)
        .output()
        .unwrap();
    let hex = String::from_utf8(out.stdout).unwrap().trim().trim_start_matches("Modulus=").to_string();
    let n: Vec<u8> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    let jwk =
        json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": B64.encode(n), "e": "AQAB"});
    (std::fs::read(pem).unwrap(), jwk)
}

/// A provider's discovery and JWKS, and nothing else, served on 127.0.0.1 by a thread.
fn publish(jwks: Value) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let discovery = json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")});
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let body = if line.contains("/jwks") { jwks.to_string() } else { discovery.to_string() };
            let mut stream = reader.into_inner();
            let _ = write!(stream, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        }
    });
    issuer
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn signed(pem: &[u8], kid: &str, claims: &Value) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_string());
    encode(&header, claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
}

#[test]
fn every_kind_of_bad_token_is_401_and_a_good_one_is_not() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    world(&env, 1);
    let (pem, jwk) = own_key(&env, "own-1");
    let issuer = publish(json!({"keys": [jwk]}));
    let api =
        Api::serve(&env, &format!("auth_failures_per_minute = 0\n{}", config(&issuer, "permit-followup")));
    let claims = |extra: Value| {
        let mut c = json!({"iss": issuer, "aud": "permit-followup", "sub": "u-x", "groups": ["study-caseworkers"], "iat": now(), "exp": now() + 300});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        c
    };
    // The control: a token of the trusted key with every claim right.
    let good = api.call("GET", "/api/v1/me", &signed(&pem, "own-1", &claims(json!({}))), Value::Null);
    assert_eq!(
        (good.status, good.body["subject"].as_str()),
        (200, Some("u-x")),
        "{}\n{}",
        good.text,
        api.daemon.log()
    );
    // Within the leeway still good: expired 30 s ago, valid from 30 s on.
    for within in [json!({"exp": now() - 30}), json!({"nbf": now() + 30})] {
        assert_eq!(
            api.call("GET", "/api/v1/me", &signed(&pem, "own-1", &claims(within)), Value::Null).status,
            200
        );
    }

    let (forger, _) = own_key(&env, "forger");
    let part = |v: &Value| B64.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        part(&json!({"alg": "none", "typ": "JWT", "kid": "own-1"})),
        part(&claims(json!({})))
    );
    let mut hs = Header::new(jsonwebtoken::Algorithm::HS256);
    hs.kid = Some("own-1".into());
    let hmac = encode(&hs, &claims(json!({})), &EncodingKey::from_secret(b"own-1")).unwrap();
    let bad: Vec<(&str, String)> = vec![
        ("forged with another key", signed(&forger, "own-1", &claims(json!({})))),
        ("an unknown key id", signed(&forger, "other-kid", &claims(json!({})))),
        ("expired past the leeway", signed(&pem, "own-1", &claims(json!({"exp": now() - 120})))),
        ("not yet valid past the leeway", signed(&pem, "own-1", &claims(json!({"nbf": now() + 120})))),
        ("another audience", signed(&pem, "own-1", &claims(json!({"aud": "someone-else"})))),
        ("another issuer", signed(&pem, "own-1", &claims(json!({"iss": "http://127.0.0.1:1"})))),
        (
            "no subject",
            signed(&pem, "own-1", &{
                let mut c = claims(json!({}));
                c.as_object_mut().unwrap().remove("sub");
                c
            }),
        ),
        ("alg none", none),
        ("HMAC-signed", hmac),
        ("not a JWT", "abc.def.ghi".to_string()),
    ];
    for (what, t) in &bad {
        let a = api.call("GET", "/api/v1/me", t, Value::Null);
        assert_eq!(a.problem(401), "the bearer token was not accepted", "{what}");
        assert_eq!(a.header("www-authenticate"), Some("Bearer"), "{what}");
    }
    api.daemon.wait_for_log("bearer token not accepted", bad.len(), Duration::from_secs(10));
    let log = api.daemon.log();
    assert!(bad.iter().all(|(_, t)| !log.contains(t.as_str())), "a token was logged");
}

#[test]
fn a_token_of_the_real_provider_for_another_audience_is_401() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let users = [TestUser::new("u-anna", "Anna", &["study-caseworkers"])];
    let options = Options { audience: Some("another-service".into()), ..Options::default() };
    let idp = OidcProvider::start_with(&users, &[], options).unwrap();
    let api = Api::serve(&env, &config(idp.issuer(), "permit-followup"));
    let t = idp.access_token("u-anna");
    api.call("GET", "/api/v1/me", &t, Value::Null).problem(401);
    api.daemon.wait_for_log("InvalidAudience", 1, Duration::from_secs(10));
}

#[test]
fn the_providers_new_key_is_picked_up_without_a_restart() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    world(&env, 1);
    let mut idp = provider();
    let api = Api::serve(&env, &config(idp.issuer(), idp.audience()));
    let before = idp.access_token("u-anna");
    assert_eq!(api.call("GET", "/api/v1/me", &before, Value::Null).status, 200);
    let kids = idp.rotate_keys();
    let after = idp.access_token("u-anna");
    let kid = jsonwebtoken::decode_header(&after).unwrap().kid.unwrap();
    assert!(kids.contains(&kid), "{kid} of {kids:?}");
    // The keys are fetched again at most every few seconds; within that, the new key is unknown.
    std::thread::sleep(Duration::from_secs(6));
    let a = api.call("GET", "/api/v1/me", &after, Value::Null);
    assert_eq!(a.status, 200, "{}\n{}", a.text, api.daemon.log());
    assert_eq!(
        api.call("GET", "/api/v1/me", &before, Value::Null).status,
        200,
        "the old key is still published"
    );
    let _ = token(&env, "unused", "auditor", &["*"]);
}
