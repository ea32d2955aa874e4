//! The `api_tokens` row.

use super::{RowReader, StoredDataError};
use crate::domain::access::{ApiToken, Grant, Role, Units};
use crate::storage::schema::api_tokens;
use crate::storage::sqltime::{MaybeDay, Stamp};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A token to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_tokens, treat_none_as_default_value = false)]
pub struct NewTokenRow {
    /// Its name.
    pub name: String,
    /// SHA-256 of its secret, hex.
    pub hash: String,
    /// Role word.
    pub role: String,
    /// JSON list of unit keys, or `["*"]`.
    pub units: String,
    /// When made.
    #[diesel(serialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    /// Last day accepted.
    #[diesel(serialize_as = MaybeDay)]
    pub expires_on: Option<NaiveDate>,
}

impl NewTokenRow {
    /// The row of `token`, whose secret hashes to `hash`.
    pub fn new(token: &ApiToken, hash: String) -> Result<Self, serde_json::Error> {
        Ok(NewTokenRow {
            name: token.name.clone(),
            hash,
            role: token.grant.role.as_str().to_string(),
            units: serde_json::to_string(&token.grant.units.words())?,
            created_at: token.created_at,
            expires_on: token.expires_on,
        })
    }
}

/// A stored token.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    /// Name.
    pub name: String,
    /// Role word.
    pub role: String,
    /// Units, JSON.
    pub units: String,
    /// When made.
    pub created_at: NaiveDateTime,
    /// Last day accepted.
    pub expires_on: Option<NaiveDate>,
    /// When revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoredDataError;
    fn try_from(row: TokenRow) -> Result<Self, StoredDataError> {
        let r = RowReader::new("api_tokens", &row.name);
        let words: Vec<String> = r.read("units", serde_json::from_str(&row.units))?;
        Ok(ApiToken {
            grant: Grant {
                role: r.read("role", Role::parse(&row.role))?,
                units: r.read("units", Units::parse(&words))?,
            },
            name: row.name,
            created_at: row.created_at,
            expires_on: row.expires_on,
            revoked_at: row.revoked_at,
        })
    }
}
