//! Refresh tokens (rotating, with reuse detection) and activation codes.

use super::schema::{activation_codes, refresh_tokens, users};
use super::{DbConn, new_id, now, on_backend};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored refresh token (only its hash).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub user_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub family_expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a refresh token's hash; returns its creation time (the `iat` of the access token
/// issued with it, so a replay within the grace window can sign the very same access token).
pub fn insert_refresh_token(
    conn: &mut DbConn,
    user_id: &str,
    family_id: &str,
    token_hash: &str,
    family_expires_at: NaiveDateTime,
) -> QueryResult<NaiveDateTime> {
    let t = now();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(new_id()),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::family_expires_at.eq(family_expires_at),
            refresh_tokens::created_at.eq(t),
        ))
        .execute(conn)
        .map(|_| t)
}

/// The session check of every authenticated request, as one statement: the account exists,
/// is not disabled, still has `role`, and the sign-in session (refresh-token family) `session`
/// has a token that is not revoked and the family has not reached its end. Logout revokes one
/// family; disabling, erasure, a new activation code and a PIN change revoke every family of
/// the account (a PIN change keeps the session that made it). Uses the primary key of `users`
/// and the `refresh_tokens_family` index.
pub fn session_is_live(
    conn: &mut DbConn,
    user_id: &str,
    role: &str,
    session: &str,
) -> QueryResult<bool> {
    Ok(live_session_language(conn, user_id, role, session)?.is_some())
}

/// The account's stored language when the session is live (as [`session_is_live`]), in the
/// same one statement; `None` when it has ended.
pub fn live_session_language(
    conn: &mut DbConn,
    user_id: &str,
    role: &str,
    session: &str,
) -> QueryResult<Option<String>> {
    let t = now();
    on_backend!(conn, |c| users::table
        .filter(users::id.eq(user_id))
        .filter(users::role.eq(role))
        .filter(users::disabled_at.is_null())
        .filter(diesel::dsl::exists(
            refresh_tokens::table
                .filter(refresh_tokens::family_id.eq(session))
                .filter(refresh_tokens::user_id.eq(user_id))
                .filter(refresh_tokens::revoked_at.is_null())
                .filter(refresh_tokens::family_expires_at.gt(t)),
        ))
        .select(users::language)
        .first::<String>(c)
        .optional())
}

pub fn find_refresh_token(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a token used; false when another request used it first (a race is a reuse).
pub fn mark_refresh_token_used(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every token of a sign-in session.
pub fn revoke_family(conn: &mut DbConn, family_id: &str) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)
}

/// Revokes every token of a user (account disabled, PIN reset).
pub fn revoke_all_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)
}

/// A stored activation code (only its keyed hash).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = activation_codes)]
pub struct ActivationCodeRow {
    pub id: String,
    pub user_id: String,
    pub code_hash: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Stores a new code for a user and kills every earlier one: unused ones, and used ones too, so
/// that an activation retry (`find_recently_used_activation_code`) cannot revive a replaced code.
pub fn replace_activation_code(
    conn: &mut DbConn,
    user_id: &str,
    code_hash: &str,
    expires_at: NaiveDateTime,
    created_by: &str,
) -> QueryResult<()> {
    let t = now();
    diesel::update(
        activation_codes::table
            .filter(activation_codes::user_id.eq(user_id))
            .filter(activation_codes::revoked_at.is_null()),
    )
    .set(activation_codes::revoked_at.eq(t))
    .execute(conn)?;
    diesel::insert_into(activation_codes::table)
        .values((
            activation_codes::id.eq(new_id()),
            activation_codes::user_id.eq(user_id),
            activation_codes::code_hash.eq(code_hash),
            activation_codes::expires_at.eq(expires_at),
            activation_codes::created_by.eq(created_by),
            activation_codes::created_at.eq(t),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A code that can still be used: not used, not replaced, not expired.
pub fn find_usable_activation_code(
    conn: &mut DbConn,
    code_hash: &str,
) -> QueryResult<Option<ActivationCodeRow>> {
    activation_codes::table
        .filter(activation_codes::code_hash.eq(code_hash))
        .filter(activation_codes::used_at.is_null())
        .filter(activation_codes::revoked_at.is_null())
        .filter(activation_codes::expires_at.gt(now()))
        .select(ActivationCodeRow::as_select())
        .first(conn)
        .optional()
}

/// A code that was used at or after `used_since` and has neither been replaced nor expired:
/// an activation retried after its answer was lost (see `POST /v1/auth/activate`).
pub fn find_recently_used_activation_code(
    conn: &mut DbConn,
    code_hash: &str,
    used_since: NaiveDateTime,
) -> QueryResult<Option<ActivationCodeRow>> {
    activation_codes::table
        .filter(activation_codes::code_hash.eq(code_hash))
        .filter(activation_codes::used_at.ge(used_since))
        .filter(activation_codes::revoked_at.is_null())
        .filter(activation_codes::expires_at.gt(now()))
        .select(ActivationCodeRow::as_select())
        .first(conn)
        .optional()
}

/// Uses a code once; false when a concurrent request used it first.
pub fn mark_activation_code_used(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = diesel::update(
        activation_codes::table
            .find(id)
            .filter(activation_codes::used_at.is_null())
            .filter(activation_codes::revoked_at.is_null()),
    )
    .set(activation_codes::used_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Expiry of the newest unused code of a user, if any (shown to caseworkers).
pub fn find_pending_activation_expiry(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    activation_codes::table
        .filter(activation_codes::user_id.eq(user_id))
        .filter(activation_codes::used_at.is_null())
        .filter(activation_codes::revoked_at.is_null())
        .filter(activation_codes::expires_at.gt(now()))
        .select(activation_codes::expires_at)
        .order(activation_codes::created_at.desc())
        .first(conn)
        .optional()
}
