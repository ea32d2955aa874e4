//! The helper's own tests: what the provider serves and issues, checked as the API will check it.

use super::*;
use jsonwebtoken::{decode, decode_header, jwk::JwkSet, Algorithm, DecodingKey, Validation};

fn anna() -> TestUser {
    TestUser::new("u-anna", "Anna Caseworker", &["study-caseworkers", "work-auditors"])
}

/// The token's claims, after checking its signature with the JWKS key its header names and
/// its `iss`, `aud` and `exp`.
fn verify(idp: &OidcProvider, token: &str, alg: Algorithm) -> serde_json::Value {
    let header = decode_header(token).unwrap();
    assert_eq!(header.alg, alg);
    let kid = header.kid.expect("a kid in the header");
    let jwks: JwkSet = serde_json::from_value(idp.jwks()).unwrap();
    let jwk = jwks.find(&kid).unwrap_or_else(|| panic!("kid {kid} is not in the JWKS"));
    let mut validation = Validation::new(alg);
    validation.set_audience(&[idp.audience()]);
    validation.set_issuer(&[idp.issuer()]);
    decode::<serde_json::Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).unwrap().claims
}

fn kid(token: &str) -> String {
    decode_header(token).unwrap().kid.unwrap()
}

#[test]
fn discovery_names_the_issuer_its_keys_and_the_code_flow_with_pkce() {
    let idp = OidcProvider::start(&[anna()], &[]).unwrap();
    let d = idp.discovery();
    assert_eq!(d["issuer"], idp.issuer());
    assert_eq!(d["jwks_uri"], format!("{}/jwks", idp.issuer()));
    assert_eq!(d["authorization_endpoint"], format!("{}/auth", idp.issuer()));
    assert_eq!(d["token_endpoint"], format!("{}/token", idp.issuer()));
    assert_eq!(d["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    let jwks = idp.jwks();
    let algs: Vec<&str> =
        jwks["keys"].as_array().unwrap().iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs, ["RS256", "ES256"]);
}

#[test]
fn an_access_token_is_a_jwt_with_the_users_subject_groups_and_the_audience() {
    let users = [anna(), TestUser::new("u-bo", "Bo Manager", &["study-managers"])];
    let clients = [TestClient::new("inbox", "inbox-secret", &["http://127.0.0.1:9/login/callback"])];
    let idp = OidcProvider::start(&users, &clients).unwrap();
    assert_eq!(idp.audience(), "inbox", "the first client's id is the default audience");
    let claims = verify(&idp, &idp.access_token("u-anna"), Algorithm::RS256);
    assert_eq!(claims["sub"], "u-anna");
    assert_eq!(claims["groups"], serde_json::json!(["study-caseworkers", "work-auditors"]));
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 600);
    let claims = verify(&idp, &idp.access_token("u-bo"), Algorithm::RS256);
    assert_eq!((&claims["sub"], &claims["groups"]), (&"u-bo".into(), &serde_json::json!(["study-managers"])));
}

#[test]
fn es256_tokens_with_an_audience_of_their_own_verify_against_the_es256_key() {
    let options = Options {
        audience: Some("tasks-api".into()),
        access_token_alg: "ES256",
        access_token_ttl: Duration::from_secs(5),
    };
    let idp = OidcProvider::start_with(&[anna()], &[], options).unwrap();
    let token = idp.access_token("u-anna");
    assert!(kid(&token).starts_with("es256-"));
    let claims = verify(&idp, &token, Algorithm::ES256);
    assert_eq!(claims["aud"], "tasks-api");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 5);
}

#[test]
fn after_a_rotation_new_tokens_carry_a_new_kid_that_the_jwks_publishes() {
    let mut idp = OidcProvider::start(&[anna()], &[]).unwrap();
    let before = idp.access_token("u-anna");
    let kids = idp.rotate_keys();
    assert_eq!(kids.len(), 4, "{kids:?}");
    let after = idp.access_token("u-anna");
    assert_ne!(kid(&after), kid(&before));
    assert_eq!(kid(&after), kids[0]);
    verify(&idp, &after, Algorithm::RS256);
    verify(&idp, &before, Algorithm::RS256);
    let issuer = idp.issuer().to_string();

    let kids = idp.retire_old_keys();
    assert_eq!(kids.len(), 2);
    assert_eq!(idp.issuer(), issuer);
    let jwks: JwkSet = serde_json::from_value(idp.jwks()).unwrap();
    assert!(jwks.find(&kid(&before)).is_none(), "the retired key is still published");
    verify(&idp, &after, Algorithm::RS256);
}

#[test]
fn a_client_of_the_test_signs_a_user_in_and_gets_an_id_token_with_name_and_groups() {
    let redirect = "http://127.0.0.1:9/login/callback";
    let idp =
        OidcProvider::start(&[anna()], &[TestClient::new("inbox", "inbox-secret", &[redirect])]).unwrap();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(b"a-verifier-of-forty-three-characters-or-more"));
    let authorize = format!(
        "{}/auth?client_id=inbox&response_type=code&scope=openid%20profile%20groups&redirect_uri={redirect}\
         &state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256",
        idp.issuer()
    );
    let back = idp.sign_in(&authorize, "u-anna");
    assert!(back.starts_with(&format!("{redirect}?code=")), "{back}");
    let code =
        reqwest::Url::parse(&back).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let tokens: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{}/token", idp.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", "a-verifier-of-forty-three-characters-or-more"),
            ("client_id", "inbox"),
            ("client_secret", "inbox-secret"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap_or_else(|| panic!("{tokens}"));
    let jwks: JwkSet = serde_json::from_value(idp.jwks()).unwrap();
    let key = DecodingKey::from_jwk(jwks.find(&kid(id_token)).unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["inbox"]);
    let claims = decode::<serde_json::Value>(id_token, &key, &validation).unwrap().claims;
    assert_eq!(
        (&claims["sub"], &claims["name"], &claims["nonce"]),
        (&"u-anna".into(), &"Anna Caseworker".into(), &"n1".into())
    );
    assert_eq!(claims["groups"], serde_json::json!(["study-caseworkers", "work-auditors"]));
}

#[test]
fn a_wrong_password_gets_the_form_again_and_no_code() {
    let idp = OidcProvider::start(&[anna()], &[]).unwrap();
    let http = browser();
    let authorize = format!(
        "{}/auth?client_id={HELPER_CLIENT}&response_type=code&scope=openid&redirect_uri={HELPER_REDIRECT}\
         &code_challenge={}&code_challenge_method=S256",
        idp.issuer(),
        URL_SAFE_NO_PAD.encode(Sha256::digest(b"v"))
    );
    let form = http.get(authorize).send().unwrap().headers()["location"].to_str().unwrap().to_string();
    let form = format!("{}{form}", if form.starts_with('/') { idp.issuer() } else { "" });
    let page = http.get(&form).send().unwrap().text().unwrap();
    assert!(page.contains(r#"name="login""#) && page.contains(r#"name="password""#), "{page}");
    let answer = http
        .post(format!("{form}/login"))
        .form(&[("login", "u-anna"), ("password", "guess")])
        .send()
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert!(answer.headers().get("location").is_none());
    assert!(answer.text().unwrap().contains("wrong password"));
}
