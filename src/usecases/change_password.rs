//! The signed-in user changes their password (staff) or PIN or password (residents), with the
//! current one as proof; their other sessions are signed out.
//!
//! Checking the current password and hashing the new one are slow (argon2) and run outside the
//! write transaction: the caller reads the stored hash with [`stored_account`], verifies and
//! hashes, then calls [`change_password`] with the new hash.

use crate::auth::AuthUser;
use crate::db::{self, DbConn, tokens, users};
use crate::domain::credentials::{self, RESIDENT_PASSWORD_MIN, STAFF_PASSWORD_MIN};
use crate::domain::kinds::Role;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;

/// The new secret, already hashed.
#[derive(Debug, Clone)]
pub struct ChangePassword {
    /// The PHC string of the new password or PIN.
    pub phc: String,
}

/// Whether `new_password` is strong enough for the role (422 on `new_password` if not):
/// residents may choose a PIN (digits only) or a password, staff a long password.
pub fn check_new_password(role: Role, new_password: &str) -> ApiResult<()> {
    let is_pin = new_password.bytes().all(|b| b.is_ascii_digit());
    match role {
        Role::Resident if is_pin => credentials::check_pin(new_password),
        Role::Resident => credentials::check_password(new_password, RESIDENT_PASSWORD_MIN),
        _ => credentials::check_password(new_password, STAFF_PASSWORD_MIN),
    }
    .map_err(|m| ApiError::invalid("new_password", Msg::Weak(m)))
}

/// The caller's account, with the stored hash to verify the current password against; an
/// account that is gone is 401.
pub fn stored_account(conn: &mut DbConn, actor: &AuthUser) -> ApiResult<users::UserRow> {
    users::find_user(conn, &actor.id)?.ok_or(ApiError::Unauthorized(Msg::AccountGone))
}

/// Stores the new hash and signs out every other session of the caller (the one making the
/// change stays), in one write transaction.
pub fn change_password(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: ChangePassword,
) -> ApiResult<()> {
    db::write_tx(conn, |conn| {
        users::update_password_hash(conn, &actor.id, &input.phc)?;
        for family in other_families(conn, &actor.id, &actor.session)? {
            tokens::revoke_family(conn, &family)?;
        }
        Ok(())
    })
}

/// The session families of a user other than `keep` that are still signed in.
fn other_families(conn: &mut DbConn, user_id: &str, keep: &str) -> Result<Vec<String>, ApiError> {
    use crate::db::schema::refresh_tokens;
    use diesel::prelude::*;
    Ok(refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::family_id.ne(keep))
        .filter(refresh_tokens::revoked_at.is_null())
        .select(refresh_tokens::family_id)
        .distinct()
        .load(conn)?)
}
