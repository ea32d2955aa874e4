//! `tokens create|list|revoke`, and the check of a presented token: an API token lets a system
//! (the case-management system) call the task API with a grant of its own. Its secret is made
//! here from the operating system's randomness, shown once, and kept only as its SHA-256, so a
//! copy of the database holds no usable token. A second `create` of a name that exists is
//! refused (the first secret stays the only one); a second `revoke` changes nothing.

use crate::domain::access::{ApiToken, Caller, Grant};
use crate::errors::ErrorKind;
use crate::storage::{self, tokens, Stamp, Store};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// What every secret starts with, so that one found in a file or a log is recognised.
pub const SECRET_PREFIX: &str = "pft_";

/// Why a token could not be made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The name is not a token's name.
    #[error("{0}")]
    Name(String),
    /// A token of that name exists.
    #[error("a token named {0} exists; revoke it and choose another name")]
    Exists(String),
    /// No token of that name.
    #[error("no token named {0}")]
    NoToken(String),
    /// The last day lies in the past.
    #[error("--expires {0} lies in the past")]
    Expired(NaiveDate),
    /// No randomness for a secret.
    #[error("no randomness for a token's secret: {0}")]
    Random(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl TokenError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            TokenError::Name(_) | TokenError::Expired(_) => ErrorKind::Invalid,
            TokenError::Exists(_) => ErrorKind::Conflict,
            TokenError::NoToken(_) => ErrorKind::NotFound,
            TokenError::Random(_) => ErrorKind::Internal,
            TokenError::Store(e) => e.kind(),
        }
    }
}

/// Makes the token `name` with `grant`, accepted through `expires_on`; returns its secret,
/// which exists nowhere else.
pub fn create_token(
    store: &Store,
    name: &str,
    grant: Grant,
    expires_on: Option<NaiveDate>,
    at: Stamp,
) -> Result<String, TokenError> {
    ApiToken::check_name(name).map_err(TokenError::Name)?;
    if let Some(day) = expires_on.filter(|d| *d < at.today) {
        return Err(TokenError::Expired(day));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    let secret = format!("{SECRET_PREFIX}{}", hex::encode(bytes));
    let token = ApiToken { name: name.to_string(), grant, created_at: at.now, expires_on, revoked_at: None };
    store.request(|tx| match tokens::insert(tx, &token, hash(&secret))? {
        true => Ok(()),
        false => Err(TokenError::Exists(name.to_string())),
    })?;
    tracing::info!(token = name, role = token.grant.role.as_str(), "API token created");
    Ok(secret)
}

/// Every token, by name.
pub fn list_tokens(store: &Store) -> Result<Vec<ApiToken>, TokenError> {
    Ok(store.read(tokens::list)?)
}

/// Ends the token `name` at once.
pub fn revoke_token(store: &Store, name: &str, at: Stamp) -> Result<(), TokenError> {
    store.request(|tx| match tokens::revoke(tx, name, at.now)? {
        true => Ok(()),
        false => Err(TokenError::NoToken(name.to_string())),
    })?;
    tracing::info!(token = name, "API token revoked");
    Ok(())
}

/// The caller a presented secret stands for on `today`: `None` when it is no token's, revoked
/// or past its last day.
pub fn caller_of(store: &Store, secret: &str, today: NaiveDate) -> Result<Option<Caller>, storage::Error> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Ok(None);
    }
    let token = store.read(|tx| tokens::by_hash(tx, &hash(secret)))?;
    Ok(token.filter(|t| t.is_usable(today)).map(|t| t.caller()))
}

/// The SHA-256 of a secret, as kept.
fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
