//! An admin creates a staff account (caseworker, volunteer, admin or researcher) in teams.

use super::update_user::{check_teams, load_user};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, users};
use crate::domain::kinds::{Discipline, Language, Role};
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::wire::types::UserResponse;

/// The new account, already checked for form; the password already hashed.
#[derive(Debug)]
pub struct CreateUser {
    /// Sign-in email address, normalised.
    pub email: String,
    pub display_name: String,
    /// Not `resident` (residents are made by caseworkers).
    pub role: Role,
    /// For caseworkers, and only for them.
    pub discipline: Option<Discipline>,
    pub language: Language,
    pub team_ids: Vec<String>,
    /// The PHC string of the initial password.
    pub password_hash: String,
}

/// Creates the account and its team memberships in one write transaction: an unknown team is
/// 422 on `team_ids`, an email address in use 409 `email_taken`.
pub fn create_user(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: CreateUser,
) -> Result<UserResponse, ApiError> {
    db::write_tx(conn, |conn| {
        check_teams(conn, &input.team_ids)?;
        if users::find_user_by_email(conn, &input.email)?.is_some() {
            return Err(ApiError::Conflict {
                code: "email_taken",
                detail: Msg::EmailTaken,
            });
        }
        let now = db::now();
        let id = db::new_id();
        let discipline = input.discipline.map(|d| match d {
            Discipline::Generalist => "generalist",
            Discipline::Specialist => "specialist",
        });
        users::insert_user(
            conn,
            &users::NewUser {
                id: &id,
                role: input.role.as_str(),
                display_name: &input.display_name,
                email: Some(&input.email),
                login_name: None,
                discipline,
                team_id: None,
                language: input.language.as_str(),
                password_hash: Some(&input.password_hash),
                failed_logins: 0,
                created_by: Some(&actor.id),
                created_at: now,
                updated_at: now,
            },
        )?;
        users::replace_memberships(conn, &id, &input.team_ids)?;
        load_user(conn, &id)
    })
}
