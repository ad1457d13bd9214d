//! The signed-in user changes their own settings (any role): for now the language the service
//! speaks to them in.

use crate::auth::AuthUser;
use crate::db::{self, DbConn, users};
use crate::domain::kinds::Language;
use crate::error::ApiResult;
use crate::usecases::access::load_me;
use crate::wire::types::MeResponse;

/// What the user sends; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UpdateMe {
    /// The preferred language of texts from now on.
    pub language: Option<Language>,
}

/// Changes the caller's own settings in one write transaction and answers who they are now.
/// Sending the same value again changes nothing. A caller whose account is gone is 401.
pub fn update_me(conn: &mut DbConn, actor: &AuthUser, input: UpdateMe) -> ApiResult<MeResponse> {
    db::write_tx(conn, |conn| {
        if let Some(language) = input.language {
            users::update_language(conn, &actor.id, language.as_str())?;
        }
        load_me(conn, &actor.id)
    })
}
