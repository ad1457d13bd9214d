//! Plain types and rules without I/O: vocabularies, templates, dosing, reminders, progress.

pub mod appointments;
pub mod credentials;
pub mod dosing;
pub mod gate;
pub mod kinds;
pub mod policy;
pub mod progress;
pub mod reminders;
pub mod research;
pub mod template;
pub mod worklist;
