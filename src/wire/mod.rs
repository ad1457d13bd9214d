//! The shapes on the wire: the typed answers (and the request shapes use cases take), their
//! OpenAPI schemas, and how values are read off a request body. Nothing here knows the HTTP
//! framework: use cases build answers from rows with these types, and `api/` sends them.

pub mod appointments;
pub mod devices;
pub mod documents;
pub mod entity_tag;
pub mod my_steps;
pub mod plans;
pub mod read;
pub mod residents;
pub mod steps;
pub mod types;
pub mod validate;
