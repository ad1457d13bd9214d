//! An admin clears a staff account's sign-in lock.

use super::update_user::load_user;
use crate::auth::AuthUser;
use crate::db::{self, DbConn, users};
use crate::error::ApiResult;

/// Clears the lock of a staff account (a resident or unknown id is 404) in one write
/// transaction. The caller's role (admin) is checked by the caller.
pub fn unlock_user(conn: &mut DbConn, _actor: &AuthUser, user_id: &str) -> ApiResult<()> {
    db::write_tx(conn, |conn| {
        load_user(conn, user_id)?;
        Ok(users::clear_lock(conn, user_id)?)
    })
}
