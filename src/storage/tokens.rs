//! Queries on `api_tokens`: made, listed, revoked, and found by the hash of a secret.

use super::rows::{NewTokenRow, TokenRow};
use super::schema::api_tokens::dsl as k;
use super::{Result, Tx};
use crate::domain::access::ApiToken;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Stores `token` with the hash of its secret; false when a token of that name exists.
pub fn insert(tx: &mut Tx, token: &ApiToken, hash: String) -> Result<bool> {
    let exists = k::api_tokens.find(&token.name).select(k::name).first::<String>(tx.conn).optional()?;
    if exists.is_some() {
        return Ok(false);
    }
    diesel::insert_into(k::api_tokens).values(NewTokenRow::new(token, hash)?).execute(tx.conn)?;
    Ok(true)
}

/// Every token, by name.
pub fn list(tx: &mut Tx) -> Result<Vec<ApiToken>> {
    let rows: Vec<TokenRow> =
        k::api_tokens.order(k::name.asc()).select(TokenRow::as_select()).load(tx.conn)?;
    Ok(rows.into_iter().map(ApiToken::try_from).collect::<Result<_, _>>()?)
}

/// Revokes the token `name` at `at`; false when there is none (a revoked one stays revoked
/// from its first revocation).
pub fn revoke(tx: &mut Tx, name: &str, at: NaiveDateTime) -> Result<bool> {
    let found =
        k::api_tokens.find(name).select(k::revoked_at).first::<Option<NaiveDateTime>>(tx.conn).optional()?;
    match found {
        None => Ok(false),
        Some(Some(_)) => Ok(true),
        Some(None) => {
            diesel::update(k::api_tokens.find(name)).set(k::revoked_at.eq(Some(at))).execute(tx.conn)?;
            Ok(true)
        }
    }
}

/// The token whose secret hashes to `hash`.
pub fn by_hash(tx: &mut Tx, hash: &str) -> Result<Option<ApiToken>> {
    let row: Option<TokenRow> =
        k::api_tokens.filter(k::hash.eq(hash)).select(TokenRow::as_select()).first(tx.conn).optional()?;
    Ok(row.map(ApiToken::try_from).transpose()?)
}
