//! The action-list templates plans are made from: the shipped default, stored once, and a
//! stored version read back.

use crate::auth::AuthUser;
use crate::db::{DbConn, plans};
use crate::domain::template::{Template, default_template};
use crate::error::ApiError;
use crate::i18n::Msg;

/// Parses a stored template (validated when stored).
pub fn parse_stored(row: &plans::TemplateRow) -> Result<Template, ApiError> {
    serde_json::from_str(&row.content).map_err(ApiError::internal)
}

/// Stores the shipped default template unless this version is there already.
pub fn ensure_default_template(conn: &mut DbConn) -> Result<(), ApiError> {
    let t = default_template();
    if plans::find_template_by_version(conn, &t.key, t.version)?.is_none() {
        let content = serde_json::to_string(&t).map_err(ApiError::internal)?;
        plans::insert_template(conn, &t.key, t.version, &t.name.nl, &content, None)?;
    }
    Ok(())
}

/// An admin adds a template version (already validated; `content` is its JSON) in one write
/// transaction: a key and version stored before is 409 `template_version_exists`.
pub fn add_template(
    conn: &mut DbConn,
    actor: &AuthUser,
    template: &Template,
    content: &str,
) -> Result<plans::TemplateRow, ApiError> {
    crate::db::write_tx(conn, |conn| {
        if plans::find_template_by_version(conn, &template.key, template.version)?.is_some() {
            return Err(ApiError::Conflict {
                code: "template_version_exists",
                detail: Msg::TemplateVersionExists,
            });
        }
        Ok(plans::insert_template(
            conn,
            &template.key,
            template.version,
            &template.name.nl,
            content,
            Some(&actor.id),
        )?)
    })
}
