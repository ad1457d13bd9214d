//! A caseworker registers a resident in the first conversation (driegesprek): a login name is
//! made from their name and they get their first activation code.

use super::access::record;
use super::issue_activation_code::{CodeRules, issue_code};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, users};
use crate::domain::credentials::login_name_base;
use crate::domain::kinds::{AuditAction, AuditObject, Language, Role};
use crate::domain::policy;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::usecases::resident_view::resident_response;
use crate::wire::residents::ResidentCreatedResponse;
use rand::Rng;

/// What the caseworker sends, already checked.
#[derive(Debug, Clone)]
pub struct CreateResident {
    /// How the resident wants to be addressed.
    pub display_name: String,
    /// The language of their texts.
    pub language: Language,
    /// Their team: one of the caseworker's own.
    pub team_id: String,
}

/// Registers the resident in one write transaction: a team that is not one of the caller's is
/// 422 on `team_id`; the creation is audited; the answer carries the resident and their code in
/// plain text (only its hash is stored).
pub fn create_resident(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: CreateResident,
    codes: CodeRules<'_>,
) -> ApiResult<ResidentCreatedResponse> {
    db::write_tx(conn, |conn| {
        let teams = users::find_team_ids_of(conn, &actor.id)?;
        if policy::caseworker_may_use_team(actor.role, &teams, &input.team_id).is_err() {
            return Err(ApiError::invalid("team_id", Msg::OwnTeamOnly));
        }
        let login = unique_login_name(conn, &input.display_name)?;
        let now = db::now();
        let id = db::new_id();
        let row = users::insert_user(
            conn,
            &users::NewUser {
                id: &id,
                role: Role::Resident.as_str(),
                display_name: &input.display_name,
                email: None,
                login_name: Some(&login),
                discipline: None,
                team_id: Some(&input.team_id),
                language: input.language.as_str(),
                password_hash: None,
                failed_logins: 0,
                created_by: Some(&actor.id),
                created_at: now,
                updated_at: now,
            },
        )?;
        record(
            conn,
            actor,
            &row.id,
            AuditAction::Create,
            AuditObject::Resident,
            Some(&row.id),
        )?;
        let activation = issue_code(conn, codes, &row, &actor.id)?;
        Ok(ResidentCreatedResponse {
            resident: resident_response(conn, row)?,
            activation,
        })
    })
}

/// A login name from the display name and four random digits that no one has yet.
fn unique_login_name(conn: &mut DbConn, display_name: &str) -> Result<String, ApiError> {
    let base = login_name_base(display_name);
    let mut rng = rand::rng();
    for _ in 0..20 {
        let candidate = format!("{base}{}", rng.random_range(1000..10000));
        if !users::login_name_taken(conn, &candidate)? {
            return Ok(candidate);
        }
    }
    Err(ApiError::Conflict {
        code: "login_name_exhausted",
        detail: Msg::LoginNameExhausted,
    })
}
