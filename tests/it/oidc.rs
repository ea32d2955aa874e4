//! A real OpenID provider for the tests that need one: oidc-provider from npm, run by
//! `tests/oidc/provider.mjs` on Node (installed by `scripts/test`, see `tests/oidc/README.md`).
//! [`OidcProvider::start`] runs it on a free port of 127.0.0.1 with the given users and clients;
//! [`OidcProvider::access_token`] signs a user in through the provider's sign-in form in a code
//! flow with PKCE, driven over HTTP, and returns the JWT access token the token endpoint issued.
//! Dropping the value stops Node.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Every test user's password on the sign-in form.
pub const PASSWORD: &str = "correct horse battery staple";

/// The audience of access tokens when neither [`Options`] nor a client names one.
pub const DEFAULT_AUDIENCE: &str = "permit-followup";

/// The helper's own client, through which [`OidcProvider::access_token`] signs users in. Its
/// redirect URI is never served: the code is read from the redirect itself.
const HELPER_CLIENT: &str = "oidc-test-helper";
const HELPER_REDIRECT: &str = "http://127.0.0.1/oidc-test-helper/callback";

/// The longest the provider may take to start, or to answer a rotation.
const STARTUP: Duration = Duration::from_secs(30);

/// Redirects followed in one sign-in before giving up (the flow takes three).
const MAX_REDIRECTS: usize = 10;

/// A person who can sign in: `subject` is also the login name on the form.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub subject: String,
    pub name: String,
    pub groups: Vec<String>,
}

impl TestUser {
    pub fn new(subject: &str, name: &str, groups: &[&str]) -> TestUser {
        TestUser {
            subject: subject.into(),
            name: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }
}

/// A confidential client (client_secret_basic or client_secret_post; PKCE is required).
#[derive(Debug, Clone)]
pub struct TestClient {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
}

impl TestClient {
    pub fn new(client_id: &str, client_secret: &str, redirect_uris: &[&str]) -> TestClient {
        TestClient {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uris: redirect_uris.iter().map(|u| u.to_string()).collect(),
        }
    }
}

/// How access tokens are made.
#[derive(Debug, Clone)]
pub struct Options {
    /// Their `aud`; `None`: the first client's client_id (the product's default audience), or
    /// [`DEFAULT_AUDIENCE`] when there is no client.
    pub audience: Option<String>,
    /// `RS256` or `ES256`.
    pub access_token_alg: &'static str,
    /// From issue to `exp`.
    pub access_token_ttl: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options { audience: None, access_token_alg: "RS256", access_token_ttl: Duration::from_secs(600) }
    }
}

/// A running provider; Drop stops it.
pub struct OidcProvider {
    child: Child,
    lines: Receiver<String>,
    issuer: String,
    audience: String,
    helper_secret: String,
    http: reqwest::blocking::Client,
    dir: tempfile::TempDir,
}

impl OidcProvider {
    /// The provider with `users` and `clients`, and access tokens as [`Options::default`] says.
    pub fn start(users: &[TestUser], clients: &[TestClient]) -> Result<OidcProvider> {
        OidcProvider::start_with(users, clients, Options::default())
    }

    /// The provider with `users` and `clients`, and access tokens as `options` say.
    pub fn start_with(users: &[TestUser], clients: &[TestClient], options: Options) -> Result<OidcProvider> {
        let folder = crate::helpers::repo("tests/oidc");
        ensure!(
            folder.join("node_modules/oidc-provider/package.json").exists(),
            "oidc-provider is not installed in {}: run scripts/test (it runs npm ci there)",
            folder.display()
        );
        let dir = tempfile::tempdir().context("temp dir")?;
        let audience = options
            .audience
            .clone()
            .or_else(|| clients.first().map(|c| c.client_id.clone()))
            .unwrap_or_else(|| DEFAULT_AUDIENCE.into());
        let helper_secret = random_url_safe();
        let config = config_json(users, clients, &options, &audience, &helper_secret);
        let config_file = dir.path().join("provider.json");
        std::fs::write(&config_file, serde_json::to_vec_pretty(&config)?)?;
        let log = std::fs::File::create(dir.path().join("provider.log"))?;
        let mut child = Command::new("node")
            .arg(folder.join("provider.mjs"))
            .arg(&config_file)
            .current_dir(&folder)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("starting node (Debian's nodejs) with tests/oidc/provider.mjs")?;
        let lines = read_lines(child.stdout.take().context("provider stdout")?);
        let http = browser();
        let mut idp =
            OidcProvider { child, lines, issuer: String::new(), audience, helper_secret, http, dir };
        let port = idp.next_line("http://127.0.0.1:", "its issuer URL")?;
        idp.issuer = format!("http://127.0.0.1:{port}");
        Ok(idp)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash; discovery is below it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of the access tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The provider's JSON Web Key Set, as its `jwks_uri` serves it now.
    pub fn jwks(&self) -> serde_json::Value {
        self.get_json(&format!("{}/jwks", self.issuer))
    }

    /// The discovery document.
    pub fn discovery(&self) -> serde_json::Value {
        self.get_json(&format!("{}/.well-known/openid-configuration", self.issuer))
    }

    /// A JWT access token for `subject`, issued by the token endpoint after a code flow with
    /// PKCE in which the user signed in on the provider's form (a fresh session each time).
    pub fn access_token(&self, subject: &str) -> String {
        let verifier = random_url_safe();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let state = random_url_safe();
        let authorize = reqwest::Url::parse_with_params(
            &format!("{}/auth", self.issuer),
            [
                ("client_id", HELPER_CLIENT),
                ("response_type", "code"),
                ("redirect_uri", HELPER_REDIRECT),
                ("scope", "openid profile groups"),
                ("state", &state),
                ("nonce", &random_url_safe()),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .expect("authorization URL");
        let back = reqwest::Url::parse(&self.sign_in(authorize.as_str(), subject)).expect("redirect URL");
        let param = |name: &str| back.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        assert_eq!(param("state").as_deref(), Some(state.as_str()), "state came back changed: {back}");
        let code = param("code").unwrap_or_else(|| panic!("no code in {back}"));
        let answer = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth(HELPER_CLIENT, Some(&self.helper_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", HELPER_REDIRECT),
                ("code_verifier", &verifier),
            ])
            .send()
            .expect("token request");
        let status = answer.status();
        let body: serde_json::Value = answer.json().expect("token response JSON");
        assert!(status.is_success(), "the token endpoint said {status}: {body}");
        body["access_token"].as_str().expect("access_token in the token response").to_string()
    }

    /// Follows `authorization_url` (a client's redirect to the authorization endpoint) through
    /// the provider's sign-in form as `subject` with [`PASSWORD`], and returns where the provider
    /// sends the browser back: the client's redirect URI with `code`, `state` and `iss`. Each call
    /// is a browser of its own, with no session at the provider yet.
    pub fn sign_in(&self, authorization_url: &str, subject: &str) -> String {
        let http = browser();
        let mut url = authorization_url.to_string();
        let mut signed_in = false;
        for _ in 0..MAX_REDIRECTS {
            if !url.starts_with(&self.issuer) {
                return url;
            }
            let answer = if url.contains("/interaction/") && !signed_in {
                signed_in = true;
                http.post(format!("{url}/login")).form(&[("login", subject), ("password", PASSWORD)])
            } else {
                http.get(&url)
            }
            .send()
            .expect("request to the provider");
            let status = answer.status();
            let Some(location) = answer.headers().get("location") else {
                panic!("{url} answered {status} without a redirect: {}", answer.text().unwrap_or_default());
            };
            let location = location.to_str().expect("ASCII Location");
            url = answer.url().join(location).expect("Location is a URL").to_string();
        }
        panic!("no way back to the client after {MAX_REDIRECTS} redirects, last {url}");
    }

    /// New RS256 and ES256 keys with new kids sign from now on; the previous ones stay in the
    /// JWKS. Returns the kids now published, the new signing ones first.
    pub fn rotate_keys(&mut self) -> Vec<String> {
        self.signal("-USR2")
    }

    /// Only the current signing keys stay in the JWKS; tokens signed before no longer verify.
    pub fn retire_old_keys(&mut self) -> Vec<String> {
        self.signal("-HUP")
    }

    fn signal(&mut self, signal: &str) -> Vec<String> {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().expect("run kill");
        assert!(status.success(), "kill {signal} {pid} failed");
        let kids = self.next_line("keys ", "its new keys").unwrap_or_else(|e| panic!("{e:#}"));
        kids.split(' ').map(String::from).collect()
    }

    /// The rest of the provider's next line on standard output that starts with `prefix`
    /// (oidc-provider's own notices are passed over), or an error with its log.
    fn next_line(&mut self, prefix: &str, what: &str) -> Result<String> {
        let deadline = Instant::now() + STARTUP;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => match line.strip_prefix(prefix) {
                    Some(rest) => return Ok(rest.to_string()),
                    None => continue,
                },
                Err(_) => break,
            }
        }
        let status = self.child.try_wait().ok().flatten();
        let log = std::fs::read_to_string(self.dir.path().join("provider.log")).unwrap_or_default();
        bail!("the OpenID provider did not say {what} (exit: {status:?}); its log:\n{log}")
    }

    fn get_json(&self, url: &str) -> serde_json::Value {
        let answer = self.http.get(url).send().unwrap_or_else(|e| panic!("GET {url}: {e}"));
        assert!(answer.status().is_success(), "GET {url}: {}", answer.status());
        answer.json().unwrap_or_else(|e| panic!("GET {url}: {e}"))
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The configuration file provider.mjs reads (its header says what each key means).
fn config_json(
    users: &[TestUser],
    clients: &[TestClient],
    options: &Options,
    audience: &str,
    helper_secret: &str,
) -> serde_json::Value {
    let mut client_list: Vec<serde_json::Value> = clients
        .iter()
        .map(|c| {
            serde_json::json!({
                "client_id": c.client_id, "client_secret": c.client_secret, "redirect_uris": c.redirect_uris,
            })
        })
        .collect();
    client_list.push(serde_json::json!({
        "client_id": HELPER_CLIENT, "client_secret": helper_secret, "redirect_uris": [HELPER_REDIRECT],
    }));
    let user_list: Vec<serde_json::Value> = users
        .iter()
        .map(|u| serde_json::json!({"subject": u.subject, "name": u.name, "groups": u.groups, "password": PASSWORD}))
        .collect();
    serde_json::json!({
        "port": 0,
        "audience": audience,
        "access_token_alg": options.access_token_alg,
        "access_token_ttl": options.access_token_ttl.as_secs(),
        "clients": client_list,
        "users": user_list,
    })
}

/// An HTTP client that keeps cookies and shows redirects rather than following them.
fn browser() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// The provider's standard output, line by line, from a thread of its own.
fn read_lines(stdout: ChildStdout) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line.trim().to_string()).is_err() {
                break;
            }
        }
    });
    rx
}

/// 32 random bytes, base64url: PKCE verifiers, states, nonces, secrets.
fn random_url_safe() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests;
