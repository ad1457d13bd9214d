//! What residents and caseworkers receive about documents and uploads: metadata only, never
//! a document's content or any file name.

use crate::db::{self, documents::DocumentRow, uploads::UploadRow};
use crate::wire::types::parse_id;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The stored type of a document: photos are always stored as JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum DocumentType {
    /// A photo (JPEG or PNG as sent), stored as a cleaned JPEG.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// A PDF, stored as sent.
    #[serde(rename = "application/pdf")]
    Pdf,
}

crate::domain::kinds::all_values!(DocumentType { Jpeg, Pdf });

impl DocumentType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DocumentType::Jpeg => "image/jpeg",
            DocumentType::Pdf => "application/pdf",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        if s == "application/pdf" {
            DocumentType::Pdf
        } else {
            DocumentType::Jpeg
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            DocumentType::Jpeg => "jpg",
            DocumentType::Pdf => "pdf",
        }
    }
}

/// Where a document is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Waiting for the caseworker.
    Pending,
    /// Checked and fine: the step is verified.
    Accepted,
    /// Not usable; `review_reason` says why, and the step is open again.
    Rejected,
}

crate::domain::kinds::all_values!(ReviewState {
    Pending,
    Accepted,
    Rejected
});

impl ReviewState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ReviewState::Pending => "pending",
            ReviewState::Accepted => "accepted",
            ReviewState::Rejected => "rejected",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "accepted" => ReviewState::Accepted,
            "rejected" => ReviewState::Rejected,
            _ => ReviewState::Pending,
        }
    }
}

/// A document's metadata (never its content or any file name).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DocumentResponse {
    /// Document id.
    pub id: Uuid,
    /// The step it is evidence for.
    pub step_id: Uuid,
    /// Stored type.
    pub media_type: DocumentType,
    /// Stored size in bytes.
    #[schema(example = 183202)]
    pub size_bytes: i64,
    /// When it arrived.
    pub created_at: DateTime<Utc>,
    /// Review state.
    pub review: ReviewState,
    /// Why it was not accepted, in plain language (for `rejected`).
    #[schema(example = "De foto is onscherp. Kun je een nieuwe maken?")]
    pub review_reason: Option<String>,
    /// When it was reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<&DocumentRow> for DocumentResponse {
    fn from(d: &DocumentRow) -> Self {
        Self {
            id: parse_id(&d.id),
            step_id: parse_id(&d.step_id),
            media_type: DocumentType::parse(&d.media_type),
            size_bytes: d.size_bytes,
            created_at: db::utc(d.created_at),
            review: ReviewState::parse(&d.state),
            review_reason: d.review_reason.clone(),
            reviewed_at: d.reviewed_at.map(db::utc),
        }
    }
}

/// An upload in progress (or finished, until it expires).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadResponse {
    /// Upload id.
    pub id: Uuid,
    /// Where to send the pieces (`PATCH`) and ask how far it got (`HEAD`); also sent as
    /// `Location`.
    #[schema(example = "/v1/me/uploads/0193a4b2-7c1e-7d3f-9a2b-5c6d7e8f9a0b")]
    pub location: String,
    /// The step the file is for.
    pub step_id: Uuid,
    /// The file's whole length in bytes, as announced in `Upload-Length`.
    #[schema(example = 5242880)]
    pub upload_length: i64,
    /// Bytes received so far.
    #[schema(example = 0)]
    pub upload_offset: i64,
    /// When the upload is deleted if no piece arrives before (each piece moves it on).
    pub expires_at: DateTime<Utc>,
}

impl From<&UploadRow> for UploadResponse {
    fn from(u: &UploadRow) -> Self {
        Self {
            id: parse_id(&u.id),
            location: location(&u.id),
            step_id: parse_id(&u.step_id),
            upload_length: u.upload_length,
            upload_offset: u.upload_offset,
            expires_at: db::utc(u.expires_at),
        }
    }
}

/// Where an upload lives: `PATCH` and `HEAD` go there.
pub fn location(id: &str) -> String {
    format!("/v1/me/uploads/{id}")
}
