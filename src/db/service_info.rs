//! The `service_info` table: facts about the database itself (schema generation, demo flag).

use super::DbConn;
use super::schema::service_info;
use diesel::prelude::*;

/// Reads one value; `None` when the key is absent.
pub fn find_value(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    service_info::table
        .filter(service_info::key.eq(key))
        .select(service_info::value)
        .first::<String>(conn)
        .optional()
}

/// Sets a value, inserting the key when it is new.
pub fn upsert_value(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let now = super::now();
    let updated = diesel::update(service_info::table.filter(service_info::key.eq(key)))
        .set((
            service_info::value.eq(value),
            service_info::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(service_info::table)
            .values((
                service_info::key.eq(key),
                service_info::value.eq(value),
                service_info::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
