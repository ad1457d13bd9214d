//! The action-list templates plans are made from: the shipped default, stored once, and a
//! stored version read back.

use crate::db::{DbConn, plans};
use crate::domain::template::{Template, default_template};
use crate::error::ApiError;

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
