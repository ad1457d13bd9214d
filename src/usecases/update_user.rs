//! An admin changes a staff account: its name, its teams, or disables or re-enables it.

use crate::auth::AuthUser;
use crate::db::{self, DbConn, tokens, users};
use crate::domain::kinds::Role;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::wire::types::UserResponse;

/// The changes, already checked; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UpdateUser {
    /// The staff account.
    pub user_id: String,
    /// A new name.
    pub display_name: Option<String>,
    /// The teams it belongs to from now on.
    pub team_ids: Option<Vec<String>>,
    /// Disabled (sessions and devices go) or enabled again. Disabling oneself is refused by
    /// the caller (409 `cannot_disable_self`).
    pub disabled: Option<bool>,
}

/// The teams of a staff account: at most [`MAX_TEAMS_PER_USER`], each one that exists (else 422
/// on `team_ids`).
pub fn check_teams(conn: &mut DbConn, ids: &[String]) -> Result<(), ApiError> {
    if ids.len() > MAX_TEAMS_PER_USER {
        return Err(ApiError::invalid(
            "team_ids",
            Msg::ListTooLong {
                max: MAX_TEAMS_PER_USER,
            },
        ));
    }
    if users::find_teams(conn, ids)?.len() != ids.len() {
        return Err(ApiError::invalid("team_ids", Msg::UnknownTeam));
    }
    Ok(())
}

/// Changes a staff account in one write transaction and answers it as it now is; a resident
/// or unknown id is 404. Disabling revokes every session and removes the devices. The caller's
/// role (admin) is checked by the caller.
pub fn update_user(
    conn: &mut DbConn,
    _actor: &AuthUser,
    input: UpdateUser,
) -> ApiResult<UserResponse> {
    let id = input.user_id;
    db::write_tx(conn, |conn| {
        load_user(conn, &id)?;
        if let Some(name) = &input.display_name {
            users::update_display_name(conn, &id, name)?;
        }
        if let Some(ids) = &input.team_ids {
            check_teams(conn, ids)?;
            users::replace_memberships(conn, &id, ids)?;
        }
        if let Some(disabled) = input.disabled {
            users::update_disabled(conn, &id, disabled)?;
            if disabled {
                tokens::revoke_all_for_user(conn, &id)?;
                crate::db::notifications::delete_devices_of_user(conn, &id)?;
            }
        }
        load_user(conn, &id)
    })
}

/// Most teams one staff account belongs to.
pub const MAX_TEAMS_PER_USER: usize = 20;

/// A staff account as admins see it; a resident or an unknown id is 404.
pub fn load_user(conn: &mut DbConn, id: &str) -> Result<UserResponse, ApiError> {
    let user = users::find_user(conn, id)?
        .filter(|u| u.role != Role::Resident.as_str())
        .ok_or(ApiError::NotFound)?;
    let teams = users::find_team_ids_of(conn, id)?;
    Ok(UserResponse::from_row(user, teams))
}
