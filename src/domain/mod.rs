//! Plain types and rules without I/O: vocabularies, templates, dosing, reminders, progress.

pub mod kinds;
pub mod template;
