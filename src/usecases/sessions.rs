//! Sign-in sessions: the database half of signing in, activating an account with its one-time
//! code, refreshing tokens (rotation, reuse detection and the retry grace window) and signing
//! out. Password hashing and the access token stay with the caller: hashing runs on its own
//! pool outside any transaction, and the token is signed with the service's keys.

use super::access::load_me;
use crate::auth::secrets::hash_token;
use crate::db::{self, DbConn, tokens, users};
use crate::domain::credentials;
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::wire::types::MeResponse;
use chrono::NaiveDateTime;

/// A sign-in session just started or continued: the plain refresh token, its family, when the
/// family ends, and when the token was stored (the access token's `iat`).
#[derive(Debug)]
pub struct Session {
    pub token: String,
    pub family: String,
    pub expires: NaiveDateTime,
    pub issued: NaiveDateTime,
}

/// Who signed in, and their session.
pub type SignedIn = (MeResponse, Session);

/// The 401 of a refresh token that does not (or no longer) work.
pub fn session_expired() -> ApiError {
    ApiError::Unauthorized(Msg::SessionExpired)
}

/// The 401 of an activation code that does not (or no longer) work.
pub fn bad_code() -> ApiError {
    ApiError::Unauthorized(Msg::ActivationCodeInvalid)
}

/// Starts a new refresh-token family for a user.
fn start_session(
    conn: &mut DbConn,
    user_id: &str,
    ttl: std::time::Duration,
) -> Result<Session, ApiError> {
    let family = db::new_id();
    let expires = db::now() + chrono::Duration::from_std(ttl).map_err(ApiError::internal)?;
    let token = crate::auth::secrets::new_refresh_token();
    let issued =
        tokens::insert_refresh_token(conn, user_id, &family, &hash_token(&token), expires)?;
    Ok(Session {
        token,
        family,
        expires,
        issued,
    })
}

/// A user whose credential was checked signs in: the last sign-in is recorded and a session
/// of `ttl` starts, in one write transaction.
pub fn sign_in(
    conn: &mut DbConn,
    user_id: &str,
    ttl: std::time::Duration,
) -> Result<SignedIn, ApiError> {
    db::write_tx(conn, |conn| signed_in(conn, user_id, ttl))
}

/// The writes of a sign-in, inside the caller's transaction.
fn signed_in(
    conn: &mut DbConn,
    user_id: &str,
    ttl: std::time::Duration,
) -> Result<SignedIn, ApiError> {
    users::update_last_login(conn, user_id)?;
    let session = start_session(conn, user_id, ttl)?;
    Ok((load_me(conn, user_id)?, session))
}

/// A wrong password or PIN: one more failure on the account, which locks it from the fifth
/// on, for longer with every further one.
pub fn record_failed_sign_in(conn: &mut DbConn, user_id: &str) -> Result<(), ApiError> {
    let failures = users::increment_failed_logins(conn, user_id)?;
    if let Some(lock) = credentials::lock_duration(failures) {
        users::update_locked_until(conn, user_id, Some(db::now() + lock))?;
    }
    Ok(())
}

/// The activation code with this hash: still usable (`false`), or used within the last
/// `window` (`true`, so a retry of a lost answer can sign in again); `None` when neither.
pub fn find_activation_code(
    conn: &mut DbConn,
    code_hash: &str,
    window: chrono::Duration,
) -> Result<Option<(tokens::ActivationCodeRow, bool)>, ApiError> {
    if let Some(row) = tokens::find_usable_activation_code(conn, code_hash)? {
        return Ok(Some((row, false)));
    }
    if window.is_zero() {
        return Ok(None);
    }
    let since = db::now() - window;
    Ok(tokens::find_recently_used_activation_code(conn, code_hash, since)?.map(|row| (row, true)))
}

/// The first use of an activation code, in one write transaction: the code is used up, the
/// chosen credential (`phc`, already hashed) stored and a session started. `None` when a
/// concurrent retry of this very activation used the code first (the caller then treats this
/// request as that retry); a disabled account is 401 like a bad code.
pub fn activate(
    conn: &mut DbConn,
    code: &tokens::ActivationCodeRow,
    phc: &str,
    ttl: std::time::Duration,
) -> Result<Option<SignedIn>, ApiError> {
    db::write_tx(conn, |conn| {
        if !tokens::mark_activation_code_used(conn, &code.id)? {
            return Ok(None);
        }
        let user = users::find_user(conn, &code.user_id)?.ok_or_else(bad_code)?;
        if user.disabled_at.is_some() {
            return Err(bad_code());
        }
        users::update_password_hash(conn, &user.id, phc)?;
        signed_in(conn, &user.id, ttl).map(Some)
    })
}

/// What a refresh found.
enum Refreshed {
    /// A new pair (first use), or the same pair again (a retry within the grace window).
    Session(SignedIn),
    /// A used token presented again outside the grace window: the family ends.
    Reuse(String),
}

/// Exchanges the refresh token with hash `hash` for its `successor` (derived from it, so a
/// retry computes the same one). The first use stores the successor; a retry within `grace`
/// of that first use, while the successor is unused, gets the same pair again. Any other
/// reuse may be a stolen token: the whole family is revoked (committed) and the answer is 401,
/// as for an unknown, revoked or expired token or a disabled account.
pub fn refresh(
    conn: &mut DbConn,
    hash: &str,
    successor: String,
    grace: chrono::Duration,
) -> Result<SignedIn, ApiError> {
    let outcome = db::write_tx(conn, |conn| {
        let row = tokens::find_refresh_token(conn, hash)?.ok_or_else(session_expired)?;
        if row.revoked_at.is_some() || row.family_expires_at <= db::now() {
            return Err(session_expired());
        }
        let user = users::find_user(conn, &row.user_id)?.ok_or_else(session_expired)?;
        if user.disabled_at.is_some() {
            return Err(session_expired());
        }
        let successor_hash = hash_token(&successor);
        let issued = if row.used_at.is_none() && tokens::mark_refresh_token_used(conn, &row.id)? {
            tokens::insert_refresh_token(
                conn,
                &user.id,
                &row.family_id,
                &successor_hash,
                row.family_expires_at,
            )?
        } else {
            // Used before (or by a concurrent request that has committed by now): a retry
            // within the grace window whose successor is still unused gets the same answer;
            // anything else may be a stolen token.
            let used_at = tokens::find_refresh_token(conn, hash)?.and_then(|r| r.used_at);
            let next = tokens::find_refresh_token(conn, &successor_hash)?;
            match (used_at, next) {
                (Some(used), Some(next))
                    if used > db::now() - grace
                        && next.used_at.is_none()
                        && next.revoked_at.is_none() =>
                {
                    next.created_at
                }
                _ => return Ok(Refreshed::Reuse(row.family_id)),
            }
        };
        Ok(Refreshed::Session((
            load_me(conn, &user.id)?,
            Session {
                token: successor,
                family: row.family_id,
                expires: row.family_expires_at,
                issued,
            },
        )))
    })?;
    match outcome {
        Refreshed::Session(signed_in) => Ok(signed_in),
        Refreshed::Reuse(family) => {
            tokens::revoke_family(conn, &family)?;
            tracing::warn!("refresh token reuse detected; session revoked");
            Err(session_expired())
        }
    }
}

/// Signs out the session of the refresh token with hash `hash`, if there is one: its family
/// is revoked and the phones registered in it receive no pushes for this account any more.
pub fn sign_out(conn: &mut DbConn, hash: &str) -> Result<(), ApiError> {
    if let Some(row) = tokens::find_refresh_token(conn, hash)? {
        tokens::revoke_family(conn, &row.family_id)?;
        db::notifications::delete_devices_of_session(conn, &row.family_id)?;
    }
    Ok(())
}
