//! Signing in to the inbox through a real OpenID provider (docs/REFERENCE.md §11.1), on both
//! engines: a person who asks for a task's page is sent to the provider, signs in on its form,
//! and comes back with a session to the page they asked for, seeing their units as their groups
//! grant; the provider's answer is taken once only; a refusal, a forged `state` or a sign-in
//! with no provider configured is a page that says so, and opens no session.

use crate::api::{call, world, Api};
use crate::both_engines;
use crate::helpers::Env;
use crate::oidc::{OidcProvider, TestClient, TestUser};
use crate::process::{free_port, Daemon};
use std::time::{Duration, Instant};

/// The client's secret, as the agency's provider would have registered it.
pub const SECRET: &str = "inbox-client-secret";

/// `serve` on `port`, signing people in through `idp`.
fn serve(env: &Env, port: u16, idp: &OidcProvider) -> Daemon {
    serve_signing_in(
        env,
        port,
        idp,
        "[web.access.\"study-cw\"]\nrole = \"caseworker\"\nunits = [\"study\"]\n",
    )
}

/// `serve` on `port` as the client `permit-followup` of `idp` (its callback
/// `http://127.0.0.1:{port}/auth/callback`, its secret [`SECRET`]), with the grants `access`.
pub fn serve_signing_in(env: &Env, port: u16, idp: &OidcProvider, access: &str) -> Daemon {
    let secret = env.file("client-secret", &format!("{SECRET}\n"));
    env.write_config(&format!(
        "[web]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"http://127.0.0.1:{port}\"\n\
         [web.oidc]\nissuer = \"{}\"\nclient_id = \"permit-followup\"\nclient_secret_file = \"{secret}\"\n{access}",
        idp.issuer()
    ));
    let daemon = Daemon::start(env.command(&["serve"]));
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "never listened:\n{}", daemon.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    daemon
}

/// The path and query of a URL on our server.
fn local(url: &str, port: u16) -> String {
    url.strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("{url} is not ours"))
        .to_string()
}

both_engines!(
    fn a_person_signs_in_at_the_provider_and_comes_back_to_the_page_asked_for(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env, 2);
        let port = free_port();
        let callback = format!("http://127.0.0.1:{port}/auth/callback");
        let idp = OidcProvider::start(
            &[TestUser::new("u-anna", "Anna Caseworker", &["study-cw"])],
            &[TestClient::new("permit-followup", SECRET, &[&callback])],
        )
        .unwrap();
        let daemon = serve(&env, port, &idp);
        let id: i64 = env.count("SELECT MIN(id) AS n FROM tasks WHERE unit = 'study'");

        let asked = call(port, "GET", &format!("/tasks/{id}"), None, &[], b"");
        let login = asked.header("location").unwrap().to_string();
        assert_eq!((asked.status, login.as_str()), (303, format!("/login?next=%2Ftasks%2F{id}").as_str()));
        let sent = call(port, "GET", &login, None, &[], b"");
        let authorize = sent.header("location").unwrap_or_else(|| panic!("{sent:?}\n{}", daemon.log())).to_string();
        assert_eq!(sent.status, 303);
        assert!(authorize.starts_with(idp.issuer()), "{authorize}");
        for part in ["code_challenge_method=S256", "code_challenge=", "state=", "nonce=", "scope=openid"] {
            assert!(authorize.contains(part), "{part} in {authorize}");
        }

        let back = idp.sign_in(&authorize, "u-anna");
        let answer = call(port, "GET", &local(&back, port), None, &[], b"");
        assert_eq!(answer.status, 303, "{answer:?}\n{}", daemon.log());
        assert_eq!(answer.header("location"), Some(format!("/tasks/{id}").as_str()));
        let cookie = answer.header("set-cookie").unwrap().to_string();
        assert!(cookie.starts_with("pf_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let pair = cookie.split(';').next().unwrap().to_string();
        let page = call(port, "GET", &format!("/tasks/{id}"), None, &[("cookie", &pair)], b"");
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("Anna Caseworker"), "the page greets the person");
        let inbox = call(port, "GET", "/", None, &[("cookie", &pair)], b"");
        assert!(inbox.text.contains(&format!("href=\"/tasks/{id}\"")), "the study caseworker sees study's tasks");
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM web_sessions WHERE subject = 'u-anna'"), 1);

        // The provider's answer is good once: the same again opens nothing.
        let again = call(port, "GET", &local(&back, port), None, &[], b"");
        assert_eq!(again.status, 400, "{}", again.text);
        assert!(again.header("set-cookie").is_none());
        // A state never sent, and a refusal by the provider, are pages saying so.
        let forged = call(port, "GET", "/auth/callback?code=x&state=forged", None, &[], b"");
        assert_eq!(forged.status, 400);
        let refused = call(port, "GET", "/auth/callback?error=access_denied&state=x", None, &[], b"");
        assert_eq!(refused.status, 400);
        assert!(refused.text.contains("href=\"/login\""), "{}", refused.text);
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM web_sessions"), 1, "no other session opened");
        drop(daemon);
    }
);

both_engines!(
    fn without_a_provider_signing_in_says_it_is_not_set_up(engine) {
        let env = Env::new(engine, "").unwrap();
        let api = Api::serve(&env, "");
        let login = call(api.port, "GET", "/login?next=%2F", None, &[("accept-language", "sv")], b"");
        assert_eq!(login.status, 503, "{}", login.text);
        assert!(login.text.contains("Inloggning är inte konfigurerad"), "{}", login.text);
    }
);
