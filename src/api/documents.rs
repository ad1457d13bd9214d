//! Documents as evidence: the resident sends a photo or PDF for their step, the caseworker
//! reviews it (accept → verified; reject with a reason → the step reopens), and accepted ones
//! go into the handover archive.
//!
//! Uploads are raw bodies (the file itself), streamed: a PDF is encrypted and written as it
//! arrives; a photo is read whole (it must be decoded anyway, at most the file limit) and only
//! its cleaned re-encoding is stored. Nothing the resident named (a file name) is kept or logged.

use crate::api::plans::find_visible_plan;
use crate::auth::AuthUser;
use crate::db::documents::{self as docs_db, DocumentRow};
use crate::db::plans::{self, PlanRow, StepRow};
use crate::db::{self, DbConn};
use crate::documents::content::{self, Kind, Refusal};
use crate::domain::kinds::{AuditAction, AuditObject};
use crate::domain::kinds::{OwnerType, Role};
use crate::domain::policy::CASEWORKERS;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
pub(crate) use crate::usecases::documents::plan_full;
pub(crate) use crate::usecases::documents::{check_upload_target, find_my_document, replay};
use crate::usecases::{self, record_document::RecordDocument, reject_document::RejectDocument};
pub use crate::wire::documents::{DocumentResponse, DocumentType, ReviewState};
use crate::wire::steps::pick;
use crate::wire::validate;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

const RESIDENT: &[Role] = &[Role::Resident];

/// Why a document is rejected.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectDocumentRequest {
    /// What the resident should do, in plain language (1–300 characters); the resident sees it.
    #[schema(example = "De foto is onscherp. Kun je een nieuwe maken?")]
    pub reason: String,
}

pub(crate) fn refused(status: StatusCode, code: &'static str, title: Msg, detail: Msg) -> ApiError {
    ApiError::Refused {
        status: status.as_u16(),
        code,
        title,
        detail,
    }
}

pub(crate) fn unsupported(r: &Refusal) -> ApiError {
    match r {
        Refusal::Heic => refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_document_type",
            Msg::TitleUnsupportedFile,
            Msg::HeicNotSupported,
        ),
        Refusal::Unsupported(_) => refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_document_type",
            Msg::TitleUnsupportedFile,
            Msg::FileTypeNotSupported,
        ),
        Refusal::BrokenImage => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable_document",
            Msg::TitleUnreadableFile,
            Msg::ImageUnreadable,
        ),
        Refusal::TooManyPixels { .. } => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
            Msg::TitleImageTooLarge,
            Msg::ImageTooManyPixels,
        ),
    }
}

pub(crate) fn too_large_file(limit: u64) -> ApiError {
    let mib = limit / (1024 * 1024);
    refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "document_too_large",
        Msg::TitleFileTooLarge,
        Msg::FileTooLarge { mib },
    )
}

pub(crate) fn storage_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(anyhow::anyhow!("document storage: {e}"))
}

pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v
                .to_str()
                .map_err(|_| ApiError::invalid("Idempotency-Key", Msg::VisibleAscii))?
                .trim()
                .to_owned();
            if k.is_empty() || k.len() > 100 {
                return Err(ApiError::invalid(
                    "Idempotency-Key",
                    Msg::KeyLength { max: 100 },
                ));
            }
            Ok(Some(k))
        }
    }
}

pub(crate) fn json_reply(status: i32, body: String, replayed: bool) -> HttpResponse {
    let code = StatusCode::from_u16(u16::try_from(status).unwrap_or(200)).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(code);
    res.content_type("application/json");
    if replayed {
        res.insert_header(("idempotent-replayed", "true"));
    }
    res.body(body)
}

/// The body was cut off (a broken connection, or a body that stalled past its deadline).
pub(crate) fn interrupted() -> ApiError {
    ApiError::BadRequest(Msg::UploadInterrupted)
}

/// What arrived and is stored (encrypted), before its row exists.
pub(crate) struct Stored {
    doc_id: String,
    kind: DocumentType,
    size: i64,
    sha256: String,
    wrapped: crate::documents::crypto::WrappedKey,
    blob_key: String,
}

/// Receives a file (a request body, or the pieces of a finished resumable upload), checks it,
/// cleans photos, and stores it encrypted. On any refusal nothing stays in the store. Memory
/// does not grow with the file: a PDF is encrypted and written as it arrives; a photo is
/// written to a nameless temporary file while it arrives and decoded from there (at most
/// `decode_slots` at once), and only its cleaned re-encoding is stored.
pub(crate) async fn receive<S>(state: &AppState, mut body: S) -> Result<Stored, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, ApiError>> + Unpin,
{
    let docs = &state.documents;
    let limit = docs.limits.max_file_bytes;
    let mut head = web::BytesMut::new();
    while head.len() < content::SNIFF_LEN {
        match body.next().await {
            Some(chunk) => {
                let chunk = chunk?;
                if (head.len() + chunk.len()) as u64 > limit {
                    return Err(too_large_file(limit));
                }
                head.extend_from_slice(&chunk);
            }
            None => break,
        }
    }
    let kind = content::sniff(&head).map_err(|r| unsupported(&r))?;
    let doc_id = db::new_id();
    let mut hasher = Sha256::new();
    let mut size = head.len() as u64;
    hasher.update(&head);
    if kind.is_image() {
        use std::io::{Seek, Write};
        // A photo must be decoded whole: it waits in a file without a name (gone when closed,
        // also after a crash), so twenty photos arriving at once are not twenty in memory.
        let dir = docs.tmp_dir.clone();
        let mut file = web::block(move || {
            let mut f = tempfile::tempfile_in(&dir)?;
            f.write_all(&head)?;
            Ok::<_, std::io::Error>(f)
        })
        .await?
        .map_err(ApiError::internal)?;
        // Pieces are gathered to about 256 KiB per write, so a blocking call is rarely made.
        let mut pending = Vec::with_capacity(256 * 1024);
        loop {
            let next = body.next().await;
            let done = next.is_none();
            if let Some(chunk) = next {
                let chunk = chunk?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(too_large_file(limit));
                }
                hasher.update(&chunk);
                pending.extend_from_slice(&chunk);
            }
            if (done && !pending.is_empty()) || pending.len() >= 256 * 1024 {
                let buf = std::mem::take(&mut pending);
                let (f, buf) = web::block(move || {
                    let mut f = file;
                    f.write_all(&buf)?;
                    Ok::<_, std::io::Error>((f, buf))
                })
                .await?
                .map_err(ApiError::internal)?;
                file = f;
                pending = buf;
                pending.clear();
            }
            if done {
                break;
            }
        }
        drop(pending);
        let permit = docs
            .decode_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let max_pixels = docs.limits.max_pixels;
        let clean = web::block(move || {
            let _permit = permit;
            let mut f = file;
            f.rewind().map_err(|_| Refusal::BrokenImage)?;
            content::clean_photo_from(std::io::BufReader::new(f), kind, max_pixels)
        })
        .await?
        .map_err(|r| unsupported(&r))?;
        let mut w = docs.writer(&doc_id).await.map_err(storage_error)?;
        if let Err(e) = w.write(&clean.jpeg).await {
            w.abort().await;
            return Err(storage_error(e));
        }
        let (wrapped, blob_key) = w.finish().await.map_err(storage_error)?;
        return Ok(Stored {
            doc_id,
            kind: DocumentType::Jpeg,
            size: clean.jpeg.len() as i64,
            sha256: hex::encode(hasher.finalize()),
            wrapped,
            blob_key,
        });
    }
    debug_assert_eq!(kind, Kind::Pdf);
    // A PDF is encrypted and written as it arrives.
    let mut w = docs.writer(&doc_id).await.map_err(storage_error)?;
    let mut result = w.write(&head).await.map_err(storage_error);
    while result.is_ok() {
        match body.next().await {
            None => break,
            Some(Err(e)) => result = Err(e),
            Some(Ok(chunk)) => {
                size += chunk.len() as u64;
                if size > limit {
                    result = Err(too_large_file(limit));
                } else {
                    hasher.update(&chunk);
                    result = w.write(&chunk).await.map_err(storage_error);
                }
            }
        }
    }
    if let Err(e) = result {
        w.abort().await;
        return Err(e);
    }
    let (wrapped, blob_key) = w.finish().await.map_err(storage_error)?;
    Ok(Stored {
        doc_id,
        kind: DocumentType::Pdf,
        size: size as i64,
        sha256: hex::encode(hasher.finalize()),
        wrapped,
        blob_key,
    })
}

/// Removes a blob that will not get a row; if the store fails, the deletion is queued.
pub(crate) async fn discard(state: &AppState, blob_key: String) {
    if state.documents.store.delete(&blob_key).await.is_ok() {
        return;
    }
    let r = db::run(&state.pool, move |conn| {
        Ok(docs_db::queue_blob_deletion(conn, &blob_key)?)
    })
    .await;
    if let Err(e) = r {
        tracing::error!(error = %e, "an unused document blob could not be deleted or queued");
    }
}

/// Send a photo (JPEG or PNG) or a PDF as evidence for one of my open steps that asks for
/// one. The body is the file itself; its type is decided by its bytes, whatever its
/// `Content-Type` or name says. Photos are turned upright, made at most 2048 px and stored as
/// a new JPEG without any metadata (no EXIF, no GPS). At most 10 MiB per file and 100 MiB per
/// plan (server settings). Send an `Idempotency-Key`: a retry returns the first answer, and the
/// same file sent twice to a step is stored once (the answer is then 200 with the first one).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Step id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Any unique string (1–100 characters) per intended upload"),
    ),
    request_body(
        description = "The file itself (at most 10 MiB by default)",
        content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "application/pdf"),
        )
    ),
    responses(
        (status = 201, description = "Stored", body = DocumentResponse),
        (status = 200, description = "The same file was stored before (or this is a retry); the first answer", body = DocumentResponse),
        (status = 404, description = "No such step of yours", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The step is not open or asks for no document", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file, or the plan's documents together, are too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG, PNG or PDF by its content (HEIC included); the detail says what to do in Dutch and English", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A photo that does not decode, or has too many pixels", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/steps/{id}/documents")]
pub async fn upload_document(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let key = idempotency_key(&req)?;
    let step_id = path.into_inner().to_string();
    let fingerprint = format!("POST /v1/me/steps/{step_id}/documents");
    let ttl =
        chrono::Duration::from_std(state.settings.idempotency_ttl).map_err(ApiError::internal)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limits = state.documents.limits;
    if declared.is_some_and(|n| n > limits.max_file_bytes) {
        return Err(too_large_file(limits.max_file_bytes));
    }
    // Cheap checks before the body is read: the step, a stored answer, room in the plan.
    let (a, s, k, f) = (
        auth.clone(),
        step_id.clone(),
        key.clone(),
        fingerprint.clone(),
    );
    let early = db::run(&state.pool, move |conn| {
        let (plan, step) = crate::api::my_steps::find_my_step(conn, &a, &s)?;
        if let Some(k) = &k
            && let Some(answer) = replay(conn, &a.id, k, &f, ttl, false)?
        {
            return Ok(Some(answer));
        }
        check_upload_target(&plan, &step)?;
        let used = docs_db::plan_bytes(conn, &plan.id)?;
        if used as u64 + declared.unwrap_or(0).min(limits.max_file_bytes) > limits.max_plan_bytes {
            return Err(plan_full());
        }
        Ok(None)
    })
    .await?;
    if let Some((status, body)) = early {
        return Ok(json_reply(status, body, true));
    }
    let body = payload.map(|r| r.map_err(|_| interrupted()));
    let stored = receive(&state, body).await?;
    let (status, body, replayed) = record(&state, auth, step_id, key, fingerprint, stored).await?;
    Ok(json_reply(status, body, replayed))
}

/// Gives a stored file its row, in one transaction with its checks: the step is still open
/// and asks for a document, a stored answer for the key, the same content already there
/// (then the first document is the answer and the new blob goes), room in the plan.
/// Returns (status, JSON body of the document, replayed). Any failure discards the blob.
pub(crate) async fn record(
    state: &AppState,
    auth: AuthUser,
    step_id: String,
    key: Option<String>,
    fingerprint: String,
    stored: Stored,
) -> Result<(i32, String, bool), ApiError> {
    let ttl =
        chrono::Duration::from_std(state.settings.idempotency_ttl).map_err(ApiError::internal)?;
    let limits = state.documents.limits;
    let blob_key = stored.blob_key.clone();
    let rules = state.rules.clone();
    let input = RecordDocument {
        step_id,
        key,
        fingerprint,
        ttl,
        doc_id: stored.doc_id,
        media_type: stored.kind.as_str().into(),
        size: stored.size,
        sha256: stored.sha256,
        key_id: stored.wrapped.key_id,
        wrapped_key: stored.wrapped.wrapped,
        blob_key: stored.blob_key,
    };
    let result = db::run(&state.pool, move |conn| {
        usecases::record_document::record_document(
            conn,
            &auth,
            input,
            limits.max_plan_bytes,
            &rules,
        )
    })
    .await;
    match result {
        Ok(recorded) => {
            if !recorded.fresh {
                discard(state, blob_key).await;
            }
            Ok((recorded.status, recorded.body, recorded.replayed))
        }
        Err(e) => {
            discard(state, blob_key).await;
            Err(e)
        }
    }
}

/// My documents for one of my steps (metadata only), oldest first.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "The step's documents", body = Vec<DocumentResponse>),
        (status = 404, description = "No such step of yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/steps/{id}/documents")]
pub async fn list_my_documents(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<DocumentResponse>>> {
    auth.require(RESIDENT)?;
    let id = path.into_inner().to_string();
    let rows = db::run(&state.pool, move |conn| {
        let (_, step) = crate::api::my_steps::find_my_step(conn, &auth, &id)?;
        Ok(docs_db::list_for_step(conn, &step.id)?)
    })
    .await?;
    Ok(web::Json(rows.iter().map(DocumentResponse::from).collect()))
}

/// Streams a document's decrypted content.
async fn download(state: &AppState, doc: DocumentRow) -> ApiResult<HttpResponse> {
    let kind = DocumentType::parse(&doc.media_type);
    let stream = state.documents.open(&doc).await.map_err(storage_error)?;
    let stream = stream.map(|r| {
        r.map_err(|e| {
            tracing::error!(error = %e, "a stored document could not be read");
            storage_error(e)
        })
    });
    Ok(HttpResponse::Ok()
        .content_type(kind.as_str())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"document-{}.{}\"",
                doc.id,
                kind.extension()
            ),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .streaming(stream))
}

/// Download one of my documents (as stored: photos as the cleaned JPEG).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "application/pdf"),
        )),
        (status = 404, description = "No such document of yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/documents/{id}")]
pub async fn get_my_document(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let id = path.into_inner().to_string();
    let doc = db::run(&state.pool, move |conn| {
        Ok(find_my_document(conn, &auth, &id)?.1)
    })
    .await?;
    download(&state, doc).await
}

/// Delete one of my documents before it is reviewed (a wrong photo, say).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such document of yours", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already reviewed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me/documents/{id}")]
pub async fn delete_my_document(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let id = path.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        usecases::delete_document::delete_document(conn, &auth, &id)
    })
    .await?;
    // The row is gone; the blob follows now, or from the queue if the store fails.
    if let Err(e) = state.documents.sweep_deletions(&state.pool).await {
        tracing::warn!(error = %e, "document deletion sweep failed; retried later");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A step a staff member may see documents of: a caseworker of the plan's team, or the
/// volunteer the step is assigned to. Anyone else: 404. Records the access.
fn visible_step(
    conn: &mut DbConn,
    auth: &AuthUser,
    step_id: &str,
) -> Result<(PlanRow, StepRow), ApiError> {
    let step = plans::find_step(conn, step_id)?.ok_or(ApiError::NotFound)?;
    let plan = if auth.role == Role::Volunteer {
        if step.owner_type != OwnerType::Volunteer.as_str()
            || step.owner_user_id.as_deref() != Some(auth.id.as_str())
        {
            return Err(ApiError::NotFound);
        }
        plans::find_plan(conn, &step.plan_id)?.ok_or(ApiError::NotFound)?
    } else {
        find_visible_plan(conn, auth, &step.plan_id)?
    };
    Ok((plan, step))
}

/// Documents of a plan (caseworkers of its team), oldest first.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The plan's documents", body = Vec<DocumentResponse>),
        (status = 403, description = "Not a caseworker (researchers see counts only)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan in your teams", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/plans/{id}/documents")]
pub async fn list_plan_documents(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<DocumentResponse>>> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let rows = db::run(&state.pool, move |conn| {
        let plan = find_visible_plan(conn, &auth, &id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            AuditAction::List,
            AuditObject::Documents,
            Some(&plan.id),
        )?;
        Ok(docs_db::list_for_plan(conn, &plan.id)?)
    })
    .await?;
    Ok(web::Json(rows.iter().map(DocumentResponse::from).collect()))
}

/// Documents of a step: caseworkers of the team, or the volunteer the step is assigned to.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "The step's documents", body = Vec<DocumentResponse>),
        (status = 403, description = "Not a caseworker or volunteer", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such step for you", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/steps/{id}/documents")]
pub async fn list_step_documents(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<DocumentResponse>>> {
    auth.require(&[Role::Caseworker, Role::Volunteer])?;
    let id = path.into_inner().to_string();
    let rows = db::run(&state.pool, move |conn| {
        let (plan, step) = visible_step(conn, &auth, &id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            AuditAction::List,
            AuditObject::Documents,
            Some(&step.id),
        )?;
        Ok(docs_db::list_for_step(conn, &step.id)?)
    })
    .await?;
    Ok(web::Json(rows.iter().map(DocumentResponse::from).collect()))
}

/// Download a document (decrypted): caseworkers of the team, or the volunteer its step is
/// assigned to. Every download is in the audit log.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "application/pdf"),
        )),
        (status = 403, description = "Not a caseworker or volunteer", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for you", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/documents/{id}")]
pub async fn get_document(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Caseworker, Role::Volunteer])?;
    let id = path.into_inner().to_string();
    let doc = db::run(&state.pool, move |conn| {
        let doc = docs_db::find_document(conn, &id)?.ok_or(ApiError::NotFound)?;
        let (plan, _) = visible_step(conn, &auth, &doc.step_id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            AuditAction::Download,
            AuditObject::Document,
            Some(&doc.id),
        )?;
        Ok(doc)
    })
    .await?;
    download(&state, doc).await
}

/// Accept a document (caseworker): the proof is fine, so its step is verified (an open step
/// is completed first, which issues what comes next).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "Accepted", body = DocumentResponse),
        (status = 404, description = "No such document in your teams", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/documents/{id}/accept")]
pub async fn accept_document(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<DocumentResponse>> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let rules = state.rules.clone();
    let doc = db::run(&state.pool, move |conn| {
        usecases::accept_document::accept_document(conn, &auth, &id, &rules)
    })
    .await?;
    Ok(web::Json(DocumentResponse::from(&doc)))
}

/// Reject a document with a reason the resident reads (caseworker). A done or verified step
/// opens again; the resident gets a push that says only "Er is een vraag over je stap".
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "Rejected", body = DocumentResponse),
        (status = 404, description = "No such document in your teams", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/documents/{id}/reject")]
pub async fn reject_document(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<RejectDocumentRequest>,
) -> ApiResult<web::Json<DocumentResponse>> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let reason = validate::text("reason", &body.reason, 1, 300)?;
    let rules = state.rules.clone();
    let input = RejectDocument {
        document_id: id,
        reason,
    };
    let doc = db::run(&state.pool, move |conn| {
        usecases::reject_document::reject_document(conn, &auth, input, &rules)
    })
    .await?;
    Ok(web::Json(DocumentResponse::from(&doc)))
}

/// A file name for the archive from a checklist item's title: letters, digits, spaces and a
/// few marks; everything else becomes `_`.
fn archive_name(n: usize, title: &str, copy: usize, ext: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.,()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let clean = clean.trim().trim_matches('.');
    let suffix = if copy > 1 {
        format!(" ({copy})")
    } else {
        String::new()
    };
    format!("{n:02} {clean}{suffix}.{ext}")
}

/// The handover archive: the checklist PDF and the accepted documents, named after their
/// checklist items, streamed (one document in memory at a time). The caller has checked
/// access and rendered the PDF.
pub async fn handover_archive(
    state: &AppState,
    plan_id: String,
    lang: crate::domain::kinds::Language,
    checklist_pdf: Vec<u8>,
) -> ApiResult<HttpResponse> {
    let entries = db::run(&state.pool, move |conn| {
        let steps = plans::list_steps(conn, &plan_id)?;
        let docs = docs_db::list_for_plan(conn, &plan_id)?;
        let mut out = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let accepted: Vec<&DocumentRow> = docs
                .iter()
                .filter(|d| d.step_id == s.id && d.state == ReviewState::Accepted.as_str())
                .collect();
            for (copy, d) in accepted.into_iter().enumerate() {
                let ext = DocumentType::parse(&d.media_type).extension();
                let title = pick(lang, &s.title_nl, &s.title_en);
                out.push((archive_name(i + 1, title, copy + 1, ext), d.clone()));
            }
        }
        Ok(out)
    })
    .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, ApiError>>(2);
    let documents = state.documents.clone();
    actix_web::rt::spawn(async move {
        let sink = SharedBuf::default();
        let mut zip = zip::ZipWriter::new_stream(sink.clone());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false);
        let mut add = |name: &str, data: &[u8]| -> zip::result::ZipResult<()> {
            use std::io::Write;
            zip.start_file(name, opts)?;
            zip.write_all(data)?;
            Ok(())
        };
        if let Err(e) = add("00 Overdracht.pdf", &checklist_pdf) {
            let _ = tx.send(Err(ApiError::internal(e))).await;
            return;
        }
        if tx.send(Ok(sink.take())).await.is_err() {
            return;
        }
        for (name, doc) in entries {
            let data = match documents.read_all(&doc).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "a document for the handover archive could not be read");
                    let _ = tx.send(Err(storage_error(e))).await;
                    return;
                }
            };
            if let Err(e) = add(&name, &data) {
                let _ = tx.send(Err(ApiError::internal(e))).await;
                return;
            }
            if tx.send(Ok(sink.take())).await.is_err() {
                return;
            }
        }
        match zip.finish() {
            Ok(_) => {
                let _ = tx.send(Ok(sink.take())).await;
            }
            Err(e) => {
                let _ = tx.send(Err(ApiError::internal(e))).await;
            }
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"overdracht.zip\"",
        ))
        .streaming(body))
}

/// A byte buffer the zip writer appends to and the response stream drains.
#[derive(Clone, Default)]
struct SharedBuf(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> web::Bytes {
        web::Bytes::from(std::mem::take(&mut *self.0.borrow_mut()))
    }
}

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_follow_checklist_items() {
        assert_eq!(
            archive_name(3, "Loonstrook/salaris: mei", 1, "pdf"),
            "03 Loonstrook_salaris_ mei.pdf"
        );
        assert_eq!(
            archive_name(12, "Foto ../../etc", 2, "jpg"),
            "12 Foto .._.._etc (2).jpg"
        );
        assert!(!archive_name(1, "a/b\\c", 1, "pdf").contains(['/', '\\']));
    }
}
