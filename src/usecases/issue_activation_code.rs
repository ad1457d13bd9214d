//! A caseworker gives a resident a new activation code: the old one stops working, the sign-in
//! lock is cleared and the resident's sessions end. This is also how a forgotten PIN is reset.

use super::access::{find_visible_resident, record};
use crate::auth::AuthUser;
use crate::auth::secrets::{hash_code, new_activation_code};
use crate::db::{self, DbConn, tokens, users};
use crate::domain::kinds::{AuditAction, AuditObject};
use crate::error::{ApiError, ApiResult};
use crate::wire::residents::ActivationCodeResponse;
use secrecy::SecretString;

/// How activation codes are made: the key their hashes are keyed with, and how long one is
/// valid.
#[derive(Debug, Clone, Copy)]
pub struct CodeRules<'a> {
    /// The service's key for code hashes.
    pub key: &'a SecretString,
    /// How long a code works.
    pub ttl: std::time::Duration,
}

/// Gives a resident of the caller's teams (else 404) a new code in one write transaction: the
/// access is audited, the lock cleared, every session of the resident revoked and older codes
/// replaced. Returns the code in plain text (only its hash is stored).
pub fn issue_activation_code(
    conn: &mut DbConn,
    actor: &AuthUser,
    resident_id: &str,
    codes: CodeRules<'_>,
) -> ApiResult<ActivationCodeResponse> {
    db::write_tx(conn, |conn| {
        let row = find_visible_resident(conn, actor, resident_id)?;
        record(
            conn,
            actor,
            &row.id,
            AuditAction::Update,
            AuditObject::ActivationCode,
            Some(&row.id),
        )?;
        users::clear_lock(conn, &row.id)?;
        tokens::revoke_all_for_user(conn, &row.id)?;
        issue_code(conn, codes, &row, &actor.id)
    })
}

/// Issues a new code for a resident (killing older ones) and returns it in plain text once.
pub(super) fn issue_code(
    conn: &mut DbConn,
    codes: CodeRules<'_>,
    resident: &users::UserRow,
    issued_by: &str,
) -> Result<ActivationCodeResponse, ApiError> {
    let code = new_activation_code();
    let expires = db::now() + chrono::Duration::from_std(codes.ttl).map_err(ApiError::internal)?;
    tokens::replace_activation_code(
        conn,
        &resident.id,
        &hash_code(codes.key, &code),
        expires,
        issued_by,
    )?;
    Ok(ActivationCodeResponse {
        login_name: resident.login_name.clone().unwrap_or_default(),
        activation_code: code,
        expires_at: db::utc(expires),
    })
}
