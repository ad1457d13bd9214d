//! Safe retries of a write: the database half of `Idempotency-Key`.
//!
//! A write sent with a retry key runs at most once per (user, key). Its answer (a status, a JSON
//! body, an entity tag) is stored in the write's own transaction, so a retry after a lost answer
//! gets the stored answer back instead of doing the write again; the same key with another
//! request is refused. Nothing here knows HTTP: `api::idempotency` reads the header and makes a
//! [`Retry`] of it, and turns a [`Reply`] into a response.

use crate::db::{self, DbConn, idempotency};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use serde::Serialize;

/// The retry key of one write and a fingerprint of what it asks.
#[derive(Debug, Clone)]
pub struct Retry {
    key: String,
    fingerprint: String,
    ttl: chrono::Duration,
}

impl Retry {
    /// A key (already checked for form), the fingerprint of the request (only it is compared,
    /// so it should cover everything the write depends on) and how long answers are kept.
    pub fn new(
        key: impl Into<String>,
        fingerprint: impl Into<String>,
        ttl: chrono::Duration,
    ) -> Self {
        Self {
            key: key.into(),
            fingerprint: fingerprint.into(),
            ttl,
        }
    }

    /// Runs `write` once for this key, inside the caller's write transaction (`db::write_tx`),
    /// and stores its reply; a key used before gets the stored reply (marked `replayed`).
    pub fn run<F>(&self, conn: &mut DbConn, user_id: &str, write: F) -> ApiResult<Reply>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<Reply>,
    {
        let expired_before = db::now() - self.ttl;
        if let Some(stored) =
            idempotency::claim(conn, user_id, &self.key, &self.fingerprint, expired_before)?
        {
            if stored.request != self.fingerprint {
                return Err(ApiError::Conflict {
                    code: "idempotency_key_reused",
                    detail: Msg::IdempotencyKeyReused,
                });
            }
            let status = u16::try_from(stored.status)
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("stored status {}", stored.status))
                })?;
            return Ok(Reply {
                status,
                body: (!stored.body.is_empty()).then_some(stored.body),
                etag: stored.etag,
                replayed: true,
            });
        }
        let reply = write(conn)?;
        idempotency::save(
            conn,
            user_id,
            &self.key,
            i32::from(reply.status),
            reply.body.as_deref().unwrap_or(""),
            reply.etag.as_deref(),
        )?;
        Ok(reply)
    }
}

/// The answer of a write as it is kept for a retry: a status (HTTP's numbers), a JSON body,
/// an entity tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<String>,
    pub etag: Option<String>,
    /// Whether this is the stored reply of an earlier request (nothing was written again).
    pub replayed: bool,
}

impl Reply {
    /// A JSON reply.
    pub fn json<T: Serialize>(status: u16, value: &T) -> ApiResult<Self> {
        Ok(Self {
            status,
            body: Some(serde_json::to_string(value).map_err(ApiError::internal)?),
            etag: None,
            replayed: false,
        })
    }

    /// 200 with a JSON body.
    pub fn ok<T: Serialize>(value: &T) -> ApiResult<Self> {
        Self::json(200, value)
    }

    /// 204 without a body.
    pub fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            etag: None,
            replayed: false,
        }
    }

    /// With an entity tag (kept on replay).
    pub fn with_etag(mut self, etag: String) -> Self {
        self.etag = Some(etag);
        self
    }
}
