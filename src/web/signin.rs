//! Sign-in to the inbox through the agency's OpenID provider (docs/REFERENCE.md §11.1):
//! OpenID Connect's authorization code flow with PKCE, `state` and `nonce`, done by the
//! `openidconnect` crate — discovery, the authorization request, the code's exchange and every
//! check of the ID token (signature against the provider's keys, issuer, audience, expiry,
//! nonce). Nothing of the protocol is written here; this only keeps what the flow needs between
//! its two requests (in the database, `jobs::sessions`, so that any instance finishes it) and
//! turns the ID token's claims into the person a session is opened for.
//!
//! The provider's metadata and keys are fetched at the first sign-in and kept for an hour; an
//! ID token signed by a key they do not hold has them fetched again once, so a rotation of the
//! provider's keys needs no restart.

use crate::domain::session::Person;
use crate::settings::OidcSettings;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the provider's metadata and keys are kept before they are fetched again.
const KEEP_METADATA: Duration = Duration::from_secs(3600);

/// How long a request to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Every claim of the ID token beyond the standard ones, among them the groups.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims(HashMap<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in could not be begun or finished. The words go to the log; the person reads
/// only that signing in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The provider could not be reached or its metadata read.
    #[error("the OpenID provider's metadata: {0}")]
    Discovery(String),
    /// The code could not be exchanged for tokens.
    #[error("the code's exchange at the provider: {0}")]
    Exchange(String),
    /// The provider's answer held no ID token.
    #[error("the provider's answer holds no ID token")]
    NoIdToken,
    /// The ID token did not pass its checks.
    #[error("the ID token was not accepted: {0}")]
    IdToken(String),
}

/// What a sign-in begins with: where to send the browser, and what to keep until it comes back.
#[derive(Debug)]
pub struct Begun {
    /// The provider's authorization request.
    pub url: String,
    /// The request's `state`.
    pub state: String,
    /// The PKCE verifier of its challenge.
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
}

/// The inbox's OpenID client.
pub struct SignIn {
    issuer: String,
    client_id: String,
    secret: Option<String>,
    groups_claim: String,
    redirect: String,
    http: openidconnect::reqwest::Client,
    discovered: tokio::sync::Mutex<Option<(Instant, Arc<OidcClient>)>>,
}

impl SignIn {
    /// The client of `[web.oidc]`, the provider sending the browser back to `base_url` +
    /// `/auth/callback`, with the client's `secret`.
    pub fn new(oidc: &OidcSettings, base_url: &str, secret: Option<String>) -> anyhow::Result<SignIn> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // The provider's redirects are not followed: a client that follows them can be led
            // to make requests it never meant to.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()?;
        Ok(SignIn {
            issuer: oidc.issuer.clone(),
            client_id: oidc.client_id.clone(),
            secret,
            groups_claim: oidc.groups_claim.clone(),
            redirect: format!("{base_url}/auth/callback"),
            http,
            discovered: tokio::sync::Mutex::new(None),
        })
    }

    /// The client from the provider's metadata, fetched when not kept or kept too long, or
    /// when `again` (its keys did not know an ID token's).
    async fn client(&self, again: bool) -> Result<Arc<OidcClient>, SignInError> {
        let mut kept = self.discovered.lock().await;
        if let Some((at, client)) = kept.as_ref() {
            if !again && at.elapsed() < KEEP_METADATA {
                return Ok(client.clone());
            }
        }
        let issuer =
            IssuerUrl::new(self.issuer.clone()).map_err(|e| SignInError::Discovery(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::Discovery(describe(&e)))?;
        let redirect =
            RedirectUrl::new(self.redirect.clone()).map_err(|e| SignInError::Discovery(e.to_string()))?;
        let client: OidcClient = Client::from_provider_metadata(
            metadata,
            ClientId::new(self.client_id.clone()),
            self.secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        let client = Arc::new(client);
        *kept = Some((Instant::now(), client.clone()));
        Ok(client)
    }

    /// A new authorization request: PKCE's challenge, a random `state` and `nonce`.
    pub async fn begin(&self) -> Result<Begun, SignInError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new(self.groups_claim.clone()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
    }

    /// Exchanges the provider's `code` (with the PKCE verifier kept since the request) and
    /// returns the person its ID token vouches for, once the token passed every check with the
    /// kept `nonce`.
    pub async fn finish(&self, code: &str, pkce_verifier: &str, nonce: &str) -> Result<Person, SignInError> {
        let client = self.client(false).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SignInError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| SignInError::Exchange(describe(&e)))?;
        let id_token = tokens.id_token().ok_or(SignInError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // Signed by a key not among those kept: the provider may have rotated its keys.
            Err(first) => {
                let fresh = self.client(true).await?;
                let verifier = fresh.id_token_verifier();
                let again = id_token.claims(&verifier, &nonce).cloned();
                again.map_err(|_| SignInError::IdToken(first.to_string()))?
            }
        };
        let subject = claims.subject().as_str().to_string();
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_string()))
            .unwrap_or_else(|| subject.clone());
        let groups = groups(claims.additional_claims().0.get(&self.groups_claim));
        Ok(Person { subject, name, groups })
    }
}

/// The groups of a claim: a list of names, or one name.
fn groups(claim: Option<&serde_json::Value>) -> Vec<String> {
    match claim {
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(|g| g.as_str().map(str::to_string)).collect()
        }
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// An error with its causes, for the log.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text += &format!(": {s}");
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn groups_are_a_list_of_names_or_one_name() {
        assert_eq!(groups(Some(&json!(["a", "b", 3]))), ["a", "b"]);
        assert_eq!(groups(Some(&json!("a"))), ["a"]);
        assert!(groups(Some(&json!({"a": 1}))).is_empty());
        assert!(groups(None).is_empty());
    }
}
