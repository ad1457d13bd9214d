//! An admin creates a team (buurtteam).

use crate::auth::AuthUser;
use crate::db::users::{self, TeamRow};
use crate::db::{self, DbConn};
use crate::error::ApiResult;

/// Creates a team with a name already checked, in one write transaction; a name in use is 409.
/// The caller's role (admin) is checked by the caller.
pub fn create_team(conn: &mut DbConn, _actor: &AuthUser, name: &str) -> ApiResult<TeamRow> {
    db::write_tx(conn, |conn| Ok(users::insert_team(conn, name)?))
}
