//! Resumable uploads for a resident's step documents: the tus 1.0.0 core protocol with its
//! `creation`, `expiration` and `termination` extensions (<https://tus.io/protocols/resumable-upload>).
//!
//! A phone creates an upload with the file's length, sends the file in pieces (`PATCH`, each
//! starting at the offset the server has), and after a broken connection asks how far it got
//! (`HEAD`) and goes on from there. The pieces lie encrypted in the document store (see
//! [`crate::documents::uploads`]), so any instance can take the next piece. When the last byte
//! arrives, the whole file goes through exactly the checks of a direct upload
//! (`POST /v1/me/steps/{id}/documents`): sniffed, refused with nothing stored, photos cleaned,
//! encrypted and stored; the finishing `PATCH` names the document in `Document-Id`.

use crate::api::documents::{
    self as docs_api, DocumentResponse, idempotency_key, receive, record, refused, storage_error,
    too_large_file,
};
use crate::auth::AuthUser;
use crate::db;
use crate::db::uploads::{UploadPartRow, UploadRow};
use crate::domain::kinds::Role;
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::startup::AppState;
use crate::usecases::{
    self,
    start_upload::{StartUpload, Started},
    upload_parts,
};
pub use crate::wire::documents::UploadResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{
    HttpRequest, HttpResponse, ResponseError, delete, head, options, patch, post, web,
};
use futures_util::StreamExt;
use uuid::Uuid;

const RESIDENT: &[Role] = &[Role::Resident];

/// The only tus version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// The tus extensions supported.
pub const TUS_EXTENSIONS: &str = "creation,expiration,termination";
/// The media type of a tus `PATCH` body.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
const DOCUMENT_ID: HeaderName = HeaderName::from_static("document-id");

/// An HTTP date (RFC 9110), as tus writes `Upload-Expires`.
fn http_date(t: chrono::NaiveDateTime) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Every tus answer carries `Tus-Resumable`, errors (problem+json) included; a 412 also names
/// the versions spoken.
fn answer(r: Result<HttpResponse, ApiError>) -> HttpResponse {
    let mut res = r.unwrap_or_else(|e| e.error_response());
    let h = res.headers_mut();
    h.insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    if res.status() == StatusCode::PRECONDITION_FAILED {
        res.headers_mut().insert(
            HeaderName::from_static("tus-version"),
            HeaderValue::from_static(TUS_VERSION),
        );
    }
    res
}

fn malformed(header: &'static str, what: &'static str) -> ApiError {
    ApiError::Malformed {
        code: "invalid_tus_header",
        detail: Msg::TusHeader { header, what },
    }
}

/// Requests other than `OPTIONS` must say they speak tus 1.0.0 (else 412, as tus asks).
fn check_version(req: &HttpRequest) -> Result<(), ApiError> {
    match req.headers().get(&TUS_RESUMABLE) {
        Some(v) if v.as_bytes() == TUS_VERSION.as_bytes() => Ok(()),
        _ => Err(refused(
            StatusCode::PRECONDITION_FAILED,
            "tus_version_unsupported",
            Msg::TitlePreconditionFailed,
            Msg::TusVersion,
        )),
    }
}

/// A non-negative decimal header (`Upload-Length`, `Upload-Offset`); `None` when absent.
fn number_header(
    req: &HttpRequest,
    name: &HeaderName,
    shown: &'static str,
) -> Result<Option<i64>, ApiError> {
    let Some(v) = req.headers().get(name) else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .map_err(|_| malformed(shown, "must be a number"))?;
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(shown, "must be a non-negative whole number"));
    }
    s.parse::<i64>()
        .map(Some)
        .map_err(|_| malformed(shown, "must be a non-negative whole number"))
}

fn offset_mismatch(up: &UploadRow) -> HttpResponse {
    let mut res = ApiError::Conflict {
        code: "upload_offset_mismatch",
        detail: Msg::UploadOffsetMismatch {
            offset: up.upload_offset,
        },
    }
    .error_response();
    set_progress(&mut res, up);
    res
}

/// `Upload-Offset`, `Upload-Length`, `Upload-Expires` and (when done) `Document-Id`.
fn set_progress(res: &mut HttpResponse, up: &UploadRow) {
    let h = res.headers_mut();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(up.upload_offset));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(up.upload_length));
    if let Ok(v) = HeaderValue::from_str(&http_date(up.expires_at)) {
        h.insert(UPLOAD_EXPIRES, v);
    }
    if let Some(doc) = &up.document_id
        && let Ok(v) = HeaderValue::from_str(doc)
    {
        h.insert(DOCUMENT_ID, v);
    }
}

/// One of my uploads that has not expired, or 404.
async fn find_my_upload(
    state: &AppState,
    auth: &AuthUser,
    id: Uuid,
) -> Result<UploadRow, ApiError> {
    let (me, id) = (auth.clone(), id.to_string());
    db::run(&state.pool, move |conn| {
        upload_parts::find_my_upload(conn, &me, &id)
    })
    .await
}

/// Deletes an upload with everything it stored (a refusal at the end, or termination).
async fn drop_upload(state: &AppState, id: &str) -> Result<(), ApiError> {
    let i = id.to_owned();
    db::run(&state.pool, move |conn| upload_parts::drop_upload(conn, &i)).await?;
    remove_pieces(state, id).await;
    Ok(())
}

/// Deletes an upload's pieces from the store now (their rows are gone and their deletions
/// queued, so a failure here is retried by the sweeper).
async fn remove_pieces(state: &AppState, id: &str) {
    if let Err(e) = state.documents.delete_upload_blobs(id).await {
        tracing::warn!(error = %e, "deleting an upload's pieces failed; the sweeper retries");
        return;
    }
    if let Err(e) = state.documents.sweep_deletions(&state.pool).await {
        tracing::warn!(error = %e, "document deletion sweep failed");
    }
}

/// What the tus server supports: version, extensions and the largest file. Needs no sign-in
/// (tus clients may ask before they have one).
#[utoipa::path(
    tag = "documents",
    responses(
        (status = 204, description = "The tus configuration", headers(
            ("Tus-Resumable" = String, description = "`1.0.0`"),
            ("Tus-Version" = String, description = "Versions spoken: `1.0.0`"),
            ("Tus-Extension" = String, description = "`creation,expiration,termination`"),
            ("Tus-Max-Size" = i64, description = "Largest file in bytes (`DOCUMENTS_MAX_FILE_BYTES`, 10 MiB by default)"),
        )),
    )
)]
#[options("/v1/me/uploads")]
pub async fn tus_options(state: web::Data<AppState>, mut body: web::Payload) -> HttpResponse {
    // The body (tus sends none) is read and dropped, so a keep-alive connection stays in step;
    // the edge's body deadline and size limit bound it.
    while let Some(Ok(_)) = futures_util::StreamExt::next(&mut body).await {}
    HttpResponse::NoContent()
        .insert_header((TUS_RESUMABLE, TUS_VERSION))
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", TUS_EXTENSIONS))
        .insert_header((
            "Tus-Max-Size",
            state.documents.limits.max_file_bytes.to_string(),
        ))
        .finish()
}

/// Start a resumable upload (tus `creation`) of a photo or PDF for one of my open steps that
/// asks for one: for large files on a phone, where a connection may break. Send the file's
/// length in `Upload-Length`; then send the file in pieces with `PATCH` to the `Location`.
/// The limits of a direct upload apply at once: at most 10 MiB per file (413
/// `document_too_large`) and 100 MiB per plan, counting other unfinished uploads (413
/// `plan_documents_full`) — server settings. `Upload-Metadata` (a file name, say) is accepted
/// and not kept. The upload expires 24 hours (`DOCUMENTS_UPLOAD_TTL`) after its last piece.
/// With an `Idempotency-Key`, a retry answers the same upload.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Step id"),
        ("Tus-Resumable" = String, Header, description = "The tus version: `1.0.0`"),
        ("Upload-Length" = i64, Header, minimum = 1, description = "The file's whole length in bytes"),
        ("Upload-Metadata" = Option<String>, Header, description = "tus metadata; accepted and not kept"),
        ("Idempotency-Key" = Option<String>, Header, description = "Any unique string (1–100 characters) per intended upload"),
    ),
    responses(
        (status = 201, description = "Created; send the pieces to `Location`", body = UploadResponse, headers(
            ("Location" = String, description = "The upload's URL: `/v1/me/uploads/{id}`"),
            ("Tus-Resumable" = String, description = "`1.0.0`"),
            ("Upload-Expires" = String, description = "When the upload is deleted unless a piece arrives (HTTP date)"),
        )),
        (status = 400, description = "`Upload-Length` is missing or not a number (`invalid_tus_header`); `Upload-Defer-Length` is not supported", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such step of yours", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The step is not open or asks for no document", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0` (`tus_version_unsupported`; `Tus-Version` lists what is spoken)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file (`document_too_large`), or the plan's documents with it (`plan_documents_full`), would be too large", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/steps/{id}/uploads")]
pub async fn create_upload(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> HttpResponse {
    answer(create(req, auth, &state, path.into_inner()).await)
}

async fn create(
    req: HttpRequest,
    auth: AuthUser,
    state: &AppState,
    step: Uuid,
) -> Result<HttpResponse, ApiError> {
    auth.require(RESIDENT)?;
    check_version(&req)?;
    if req.headers().contains_key("upload-defer-length") {
        return Err(malformed(
            "Upload-Defer-Length",
            "is not supported; send Upload-Length",
        ));
    }
    let length = number_header(&req, &UPLOAD_LENGTH, "Upload-Length")?
        .ok_or_else(|| malformed("Upload-Length", "is required"))?;
    if length < 1 {
        return Err(malformed("Upload-Length", "must be at least 1"));
    }
    let limits = state.documents.limits;
    if length as u64 > limits.max_file_bytes {
        return Err(too_large_file(limits.max_file_bytes));
    }
    let key = idempotency_key(&req)?;
    let step_id = step.to_string();
    let fingerprint = format!("POST /v1/me/steps/{step_id}/uploads {length}");
    let ttl =
        chrono::Duration::from_std(state.settings.idempotency_ttl).map_err(ApiError::internal)?;
    let upload_ttl = chrono::Duration::from_std(limits.upload_ttl).map_err(ApiError::internal)?;
    let upload_id = db::new_id();
    let wrapped = state
        .documents
        .new_upload_key(&upload_id)
        .map_err(storage_error)?;
    let input = StartUpload {
        step_id,
        length,
        key,
        fingerprint,
        ttl,
        upload_ttl,
        upload_id,
        key_id: wrapped.key_id,
        wrapped_key: wrapped.wrapped,
    };
    let Started {
        status,
        body,
        replayed,
    } = db::run(&state.pool, move |conn| {
        usecases::start_upload::start_upload(conn, &auth, input, limits.max_plan_bytes)
    })
    .await?;
    let view: UploadResponse = serde_json::from_str(&body).map_err(ApiError::internal)?;
    let mut res = docs_api::json_reply(status, body, replayed);
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&view.location) {
        h.insert(header::LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(view.expires_at.naive_utc())) {
        h.insert(UPLOAD_EXPIRES, v);
    }
    Ok(res)
}

/// How far one of my uploads got (tus `HEAD`): `Upload-Offset` is where the next piece
/// starts. When the upload is finished, `Document-Id` names the document it became.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Upload id"),
        ("Tus-Resumable" = String, Header, description = "The tus version: `1.0.0`"),
    ),
    responses(
        (status = 200, description = "The upload's progress (no body)", headers(
            ("Tus-Resumable" = String, description = "`1.0.0`"),
            ("Upload-Offset" = i64, description = "Bytes received; the next piece starts here"),
            ("Upload-Length" = i64, description = "The file's whole length"),
            ("Upload-Expires" = String, description = "When the upload is deleted unless a piece arrives (HTTP date)"),
            ("Cache-Control" = String, description = "`no-store`"),
            ("Document-Id" = Option<String>, description = "When finished: the document the file became"),
        )),
        (status = 404, description = "No such upload of yours, or it expired (no body)"),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0` (no body)"),
    )
)]
#[head("/v1/me/uploads/{id}")]
pub async fn head_upload(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> HttpResponse {
    let r = async {
        auth.require(RESIDENT)?;
        check_version(&req)?;
        let up = find_my_upload(&state, &auth, path.into_inner()).await?;
        let mut res = HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
        set_progress(&mut res, &up);
        Ok::<_, ApiError>(res)
    };
    answer(r.await)
}

/// Send the next piece of one of my uploads (tus `PATCH`): the bytes from `Upload-Offset` on,
/// which must be where the upload is (`HEAD` says). A piece cut off by a broken connection is
/// kept as far as it arrived: ask `HEAD` and go on from there. A retried piece the server
/// already has answers 409 with the current `Upload-Offset`, so the client continues from
/// there. The piece with the last byte finishes the upload: the file is checked and stored
/// exactly as by `POST /v1/me/steps/{id}/documents` (the same refusals, after which nothing is
/// kept and the upload is gone), and `Document-Id` names the document (the first one when the
/// same file was sent before). If finishing failed on the server's side, an empty `PATCH` at
/// the full offset tries again.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Upload id"),
        ("Tus-Resumable" = String, Header, description = "The tus version: `1.0.0`"),
        ("Upload-Offset" = i64, Header, minimum = 0, description = "Where this piece starts: the upload's current offset"),
    ),
    request_body(
        description = "The next bytes of the file (any number, up to the rest of `Upload-Length`)",
        content((Vec<u8> = "application/offset+octet-stream")),
    ),
    responses(
        (status = 204, description = "Received; when the upload is finished, `Document-Id` names the document", headers(
            ("Tus-Resumable" = String, description = "`1.0.0`"),
            ("Upload-Offset" = i64, description = "Bytes received now"),
            ("Upload-Expires" = String, description = "When the upload is deleted unless another piece arrives (HTTP date)"),
            ("Document-Id" = Option<String>, description = "When this piece finished the upload: the stored document (see `GET /v1/me/steps/{id}/documents`)"),
        )),
        (status = 400, description = "`Upload-Offset` is missing or not a number (`invalid_tus_header`), or the connection broke (what arrived is kept)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload of yours, or it expired", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`Upload-Offset` is not where the upload is (`upload_offset_mismatch`; `Upload-Offset` in the answer says where to go on), or at the end the step is no longer open", body = crate::error::Problem, content_type = "application/problem+json", headers(
            ("Upload-Offset" = i64, description = "Bytes the server has; continue from here"),
        )),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "More bytes than `Upload-Length` (`upload_exceeds_length`), or at the end the plan has no room", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/offset+octet-stream` (`wrong_upload_content_type`), or the finished file is not a JPEG, PNG or PDF by its content", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The finished file is a photo that does not decode, or has too many pixels", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/me/uploads/{id}")]
pub async fn patch_upload(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> HttpResponse {
    answer(append(req, auth, &state, path.into_inner(), payload).await)
}

fn exceeds() -> ApiError {
    refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_exceeds_length",
        Msg::TitlePayloadTooLarge,
        Msg::UploadExceedsLength,
    )
}

async fn append(
    req: HttpRequest,
    auth: AuthUser,
    state: &AppState,
    id: Uuid,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    auth.require(RESIDENT)?;
    check_version(&req)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some(OFFSET_OCTET_STREAM) {
        return Err(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "wrong_upload_content_type",
            Msg::TitleUnsupportedMediaType,
            Msg::UploadContentType,
        ));
    }
    let offset = number_header(&req, &UPLOAD_OFFSET, "Upload-Offset")?
        .ok_or_else(|| malformed("Upload-Offset", "is required"))?;
    let up = find_my_upload(state, &auth, id).await?;
    if offset != up.upload_offset {
        return Ok(offset_mismatch(&up));
    }
    let remaining = up.upload_length - up.upload_offset;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    if declared.is_some_and(|n| n > remaining) {
        return Err(exceeds());
    }
    if up.document_id.is_some() {
        // Finished before: the answer of the finishing piece, again.
        let mut res = HttpResponse::NoContent().finish();
        set_progress(&mut res, &up);
        return Ok(res);
    }
    let mut up = up;
    if remaining > 0 {
        // Receive the piece into the store, as far as it arrives.
        let mut writer = None;
        let mut received: i64 = 0;
        let mut broken = false;
        while let Some(chunk) = payload.next().await {
            let Ok(chunk) = chunk else {
                broken = true;
                break;
            };
            if chunk.is_empty() {
                continue;
            }
            if received + chunk.len() as i64 > remaining {
                if let Some(w) = writer {
                    crate::documents::SealedWriter::abort(w).await;
                }
                return Err(exceeds());
            }
            if writer.is_none() {
                writer = Some(
                    state
                        .documents
                        .part_writer(&up, offset)
                        .await
                        .map_err(storage_error)?,
                );
            }
            if let Some(w) = writer.as_mut()
                && let Err(e) = w.write(&chunk).await
            {
                if let Some(w) = writer {
                    w.abort().await;
                }
                return Err(storage_error(e));
            }
            received += chunk.len() as i64;
        }
        if let Some(w) = writer {
            let (_, blob_key) = w.finish().await.map_err(storage_error)?;
            let part = UploadPartRow {
                upload_id: up.id.clone(),
                start_offset: offset,
                size_bytes: received,
                blob_key: blob_key.clone(),
            };
            let ttl = chrono::Duration::from_std(state.documents.limits.upload_ttl)
                .map_err(ApiError::internal)?;
            let expires = db::now() + ttl;
            let (kept, now_row) = db::run(&state.pool, move |conn| {
                upload_parts::keep_part(conn, &part, expires)
            })
            .await?;
            let Some(now_row) = now_row else {
                let _ = state.documents.store.delete(&blob_key).await;
                return Err(ApiError::NotFound);
            };
            if !kept {
                // Another request for the same offset was first.
                let _ = state.documents.store.delete(&blob_key).await;
                return Ok(offset_mismatch(&now_row));
            }
            up = now_row;
        }
        if broken {
            // What arrived is kept; `HEAD` tells the client where to go on.
            return Err(docs_api::interrupted());
        }
        if up.upload_offset < up.upload_length {
            let mut res = HttpResponse::NoContent().finish();
            set_progress(&mut res, &up);
            return Ok(res);
        }
    }
    finish(state, auth, up).await
}

/// The last byte is in: the whole file goes through the pipeline of a direct upload.
async fn finish(state: &AppState, auth: AuthUser, up: UploadRow) -> Result<HttpResponse, ApiError> {
    let uid = up.id.clone();
    let parts = db::run(&state.pool, move |conn| upload_parts::parts_of(conn, &uid)).await?;
    let total: i64 = parts.iter().map(|p| p.size_bytes).sum();
    if total != up.upload_length {
        return Err(ApiError::internal(anyhow::anyhow!(
            "upload {} has {total} of {} bytes in its pieces",
            up.id,
            up.upload_length
        )));
    }
    let stream = state
        .documents
        .assemble(&up, parts)
        .map_err(storage_error)?
        .map(|r| r.map_err(storage_error));
    let outcome = match receive(state, stream).await {
        Ok(stored) => record(state, auth, up.step_id.clone(), None, String::new(), stored).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok((_, body, _)) => {
            let doc: DocumentResponse = serde_json::from_str(&body).map_err(ApiError::internal)?;
            let (uid, did) = (up.id.clone(), doc.id.to_string());
            db::run(&state.pool, move |conn| {
                upload_parts::finish_upload(conn, &uid, &did)
            })
            .await?;
            remove_pieces(state, &up.id).await;
            let mut done = up;
            done.document_id = Some(doc.id.to_string());
            let mut res = HttpResponse::NoContent().finish();
            set_progress(&mut res, &done);
            Ok(res)
        }
        Err(e) if (400..500).contains(&e.status()) => {
            // Refused: like a direct upload, nothing is kept.
            drop_upload(state, &up.id).await?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Stop one of my uploads (tus `termination`): it and every piece received are deleted. A
/// finished upload's document stays (delete that with `DELETE /v1/me/documents/{id}`).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Upload id"),
        ("Tus-Resumable" = String, Header, description = "The tus version: `1.0.0`"),
    ),
    responses(
        (status = 204, description = "Deleted", headers(
            ("Tus-Resumable" = String, description = "`1.0.0`"),
        )),
        (status = 404, description = "No such upload of yours, or it expired", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me/uploads/{id}")]
pub async fn delete_upload(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> HttpResponse {
    let r = async {
        auth.require(RESIDENT)?;
        check_version(&req)?;
        let up = find_my_upload(&state, &auth, path.into_inner()).await?;
        drop_upload(&state, &up.id).await?;
        Ok::<_, ApiError>(HttpResponse::NoContent().finish())
    };
    answer(r.await)
}
