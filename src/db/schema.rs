//! Table definitions, written by hand so they serve both backends (portable column types only).

diesel::table! {
    service_info (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}
