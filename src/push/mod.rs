//! Push notifications: the FCM HTTP v1 client, the reminder outbox dispatcher and senders.

pub mod dispatcher;
pub mod fcm;
pub mod webpush;
