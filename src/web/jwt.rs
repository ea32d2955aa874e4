//! People's bearer tokens: JWT access tokens of the agency's OpenID provider (`[web.oidc]`),
//! checked with `jsonwebtoken` against the keys the provider publishes. The keys come from its
//! discovery document (`ISSUER/.well-known/openid-configuration` → `jwks_uri`) at the first
//! token, and again when a token names a key id not among them (the provider rotated its keys),
//! at most once every [`REFRESH_AT_MOST_EVERY`], so that tokens with made-up key ids cannot make
//! the service hammer the provider. Only RS256 and ES256 are accepted (`none` and HMAC never);
//! `iss`, `aud`, `exp` and `nbf` are checked with 60 s of leeway. The groups of the token's
//! groups claim become the caller's grants through `[web.access]`.

use crate::domain::access::{Caller, Grant};
use crate::settings::OidcSettings;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// The shortest time between two fetches of the provider's keys.
pub const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(5);

/// How far `exp` and `nbf` may be off, for clocks that differ.
const LEEWAY_SECONDS: u64 = 60;

/// How long a fetch from the provider may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The provider's keys, by key id.
type Keys = HashMap<String, (DecodingKey, Algorithm)>;

/// Checks people's JWTs.
pub struct JwtVerifier {
    oidc: OidcSettings,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    fetched: Mutex<Option<Instant>>,
}

impl JwtVerifier {
    /// A verifier of the provider of `oidc`; nothing is fetched until a token comes.
    pub fn new(oidc: OidcSettings) -> anyhow::Result<JwtVerifier> {
        let http = reqwest::Client::builder().timeout(FETCH_TIMEOUT).build()?;
        Ok(JwtVerifier { oidc, http, keys: RwLock::new(HashMap::new()), fetched: Mutex::new(None) })
    }

    /// The caller `token` stands for, its groups mapped through `access`; or why it is not
    /// accepted (for the log: never the token).
    pub async fn verify(&self, token: &str, access: &BTreeMap<String, Grant>) -> Result<Caller, String> {
        let header = decode_header(token).map_err(|e| format!("not a JWT: {e}"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(format!("algorithm {:?} is not accepted (RS256 or ES256 only)", header.alg));
        }
        let kid = header.kid.ok_or("the JWT names no key (kid)")?;
        let (key, alg) = self.key(&kid).await?;
        if alg != header.alg {
            return Err(format!("key {kid} is for {alg:?}, the JWT says {:?}", header.alg));
        }
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.oidc.issuer]);
        validation.set_audience(&[&self.oidc.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let claims = decode::<serde_json::Value>(token, &key, &validation)
            .map_err(|e| format!("the JWT was refused: {e}"))?
            .claims;
        let subject = claims["sub"].as_str().filter(|s| !s.is_empty()).ok_or("the JWT has no subject")?;
        let name = ["name", "preferred_username"].iter().find_map(|c| claims[*c].as_str()).unwrap_or(subject);
        let groups: Vec<&str> = match &claims[&self.oidc.groups_claim] {
            serde_json::Value::Array(items) => items.iter().filter_map(|g| g.as_str()).collect(),
            serde_json::Value::String(one) => vec![one.as_str()],
            _ => Vec::new(),
        };
        let grants = groups.iter().filter_map(|g| access.get(*g).cloned()).collect();
        Ok(Caller { subject: subject.to_string(), name: name.to_string(), grants })
    }

    /// The key `kid`, fetching the provider's keys when it is not known (at most once every
    /// [`REFRESH_AT_MOST_EVERY`]).
    async fn key(&self, kid: &str) -> Result<(DecodingKey, Algorithm), String> {
        if let Some(found) = self.keys.read().await.get(kid) {
            return Ok(found.clone());
        }
        let mut fetched = self.fetched.lock().await;
        // Another request may have fetched them while this one waited.
        if let Some(found) = self.keys.read().await.get(kid) {
            return Ok(found.clone());
        }
        if fetched.is_some_and(|at| at.elapsed() < REFRESH_AT_MOST_EVERY) {
            return Err(format!("no key {kid} among the provider's (fetched moments ago)"));
        }
        *fetched = Some(Instant::now());
        let keys = self.fetch().await.map_err(|e| {
            tracing::warn!(issuer = %self.oidc.issuer, error = %e, "the OpenID provider's keys could not be fetched");
            format!("the provider's keys could not be fetched: {e}")
        })?;
        tracing::info!(issuer = %self.oidc.issuer, keys = keys.len(), "the OpenID provider's keys fetched");
        let found = keys.get(kid).cloned();
        *self.keys.write().await = keys;
        found.ok_or_else(|| format!("no key {kid} among the provider's"))
    }

    /// The provider's keys now: discovery, then its JWKS.
    async fn fetch(&self) -> Result<Keys, String> {
        let url = format!("{}/.well-known/openid-configuration", self.oidc.issuer);
        let discovery: serde_json::Value = self.get(&url).await?;
        if discovery["issuer"].as_str().map(|i| i.trim_end_matches('/')) != Some(self.oidc.issuer.as_str()) {
            return Err(format!("{url} names another issuer: {}", discovery["issuer"]));
        }
        let jwks_uri = discovery["jwks_uri"].as_str().ok_or_else(|| format!("{url} has no jwks_uri"))?;
        let set: JwkSet = self.get(jwks_uri).await?;
        let mut keys = Keys::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else { continue };
            let alg = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => Algorithm::RS256,
                AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
                _ => continue,
            };
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                keys.insert(kid, (key, alg));
            }
        }
        Ok(keys)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let response = self.http.get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
        let response = response.error_for_status().map_err(|e| format!("{url}: {e}"))?;
        response.json().await.map_err(|e| format!("{url}: {e}"))
    }
}
