//! Documents as evidence: upload (sniffing, cleaning, encryption, idempotency, limits),
//! review, authorization, the handover archive, export and erasure — on the real folder store,
//! and on a real S3-compatible server when `TEST_S3_ENDPOINT` is set.

use crate::backend_test;
use crate::helpers::{Backend, Login, Reply, TestApp, World, spawn_app_with};
use diesel::prelude::*;
use serde_json::{Value, json};
use std::path::Path;

/// A JPEG carrying an EXIF block with a GPS position, an owner name and orientation 6
/// (rotate 90°). The APP1 segment is built by hand: no encoder writes GPS.
pub fn jpeg_with_exif_gps(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&img)
        .unwrap();
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    let artist = b"Zwaantje Pieterburen\0";
    let ifd0_len = 2 + 3 * 12 + 4;
    let gps_ifd = 8 + ifd0_len;
    let gps_len = 2 + 2 * 12 + 4;
    let artist_at = gps_ifd + gps_len;
    let lat_at = artist_at + artist.len();
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&typ.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value.to_be_bytes());
    };
    tiff.extend_from_slice(&3u16.to_be_bytes());
    entry(&mut tiff, 0x0112, 3, 1, 6 << 16);
    entry(&mut tiff, 0x013B, 2, artist.len() as u32, artist_at as u32);
    entry(&mut tiff, 0x8825, 4, 1, gps_ifd as u32);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut tiff, 0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0"));
    entry(&mut tiff, 0x0002, 5, 3, lat_at as u32);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(artist);
    for (n, d) in [(52u32, 1u32), (5, 1), (0, 1)] {
        tiff.extend_from_slice(&n.to_be_bytes());
        tiff.extend_from_slice(&d.to_be_bytes());
    }
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&seg);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A PDF-looking file of about `n` bytes (only its first bytes matter to the server).
fn pdf(n: usize, seed: u8) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut x = u32::from(seed) + 1;
    while out.len() < n {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        out.push((x >> 16) as u8);
    }
    out.extend_from_slice(b"\n%%EOF\n");
    out
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir` (the folder store), recursively.
pub(crate) fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn store_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    files_under(&app.files.path().join("documents"))
}

/// A plan for the world's resident A with one open step asking for a photo; returns
/// (plan id, step id).
pub(crate) async fn plan_with_photo_step(app: &TestApp, w: &World) -> (String, String) {
    let plan = app
        .post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({"dose": 5, "items": ["start.postplek"]}),
        )
        .await;
    plan.assert_status(201);
    let plan_id = plan.value()["id"].as_str().unwrap().to_owned();
    let view = app
        .post(
            &format!("/v1/plans/{plan_id}/steps"),
            Some(&w.caseworker_a.token),
            &json!({"category": "papieren", "title": {"nl": "Foto van je loonstrook", "en": "Photo of your payslip"}, "evidence": "photo"}),
        )
        .await;
    view.assert_status(201);
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let step = current["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["evidence"] == "photo")
        .unwrap_or_else(|| panic!("the photo step is open: {current}"));
    (plan_id, step["id"].as_str().unwrap().to_owned())
}

async fn upload(
    app: &TestApp,
    who: &Login,
    step: &str,
    body: Vec<u8>,
    content_type: &str,
    key: Option<&str>,
) -> Reply {
    let mut req = app
        .client
        .post(app.url(&format!("/v1/me/steps/{step}/documents")))
        .bearer_auth(&who.token)
        .header("content-type", content_type)
        .body(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    app.send(req).await
}

backend_test!(photos_are_cleaned_and_stored_encrypted, |app| {
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    let original = jpeg_with_exif_gps(300, 120);
    assert!(contains(&original, b"Exif") && contains(&original, b"Pieterburen"));
    // Declared as a PDF named like a payslip: the bytes decide.
    let r = upload(
        &app,
        &w.resident_a,
        &step,
        original.clone(),
        "application/pdf",
        None,
    )
    .await;
    r.assert_status(201);
    let doc = r.value();
    assert_eq!(doc["media_type"], "image/jpeg");
    assert_eq!(doc["review"], "pending");
    let id = doc["id"].as_str().unwrap();

    // What the store holds is ciphertext under our header, named by id only.
    let files = store_files(&app);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].to_string_lossy().ends_with(id));
    let raw = std::fs::read(&files[0]).unwrap();
    assert!(raw.starts_with(b"SVSD1"));
    assert!(!contains(&raw, &[0xFF, 0xD8, 0xFF]), "no JPEG in the clear");

    // Decrypted, it is a fresh JPEG: upright, no EXIF, no GPS, no owner name.
    let got = app
        .get(&format!("/v1/me/documents/{id}"), Some(&w.resident_a.token))
        .await;
    got.assert_status(200);
    assert_eq!(got.header("content-type"), Some("image/jpeg"));
    assert_eq!(got.body.len() as i64, doc["size_bytes"].as_i64().unwrap());
    for marker in [&b"Exif"[..], b"Pieterburen", &[0xFF, 0xE1]] {
        assert!(!contains(&got.body, marker), "{marker:?} survived");
    }
    let back = image::load_from_memory(&got.body).unwrap();
    assert_eq!(
        (back.width(), back.height()),
        (120, 300),
        "orientation applied"
    );

    let list = app
        .get(
            &format!("/v1/me/steps/{step}/documents"),
            Some(&w.resident_a.token),
        )
        .await;
    list.assert_status(200);
    assert_eq!(list.value().as_array().unwrap().len(), 1);
});

backend_test!(refusals_leave_nothing_stored, |app| {
    let w = app.world().await;
    let (plan_id, step) = plan_with_photo_step(&app, &w).await;
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "a zip named .jpg",
            b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0rest".to_vec(),
            415,
            "unsupported_document_type",
        ),
        (
            "HEIC",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heicmore".to_vec(),
            415,
            "unsupported_document_type",
        ),
        (
            "HTML",
            b"<html><body>hello</body></html>".to_vec(),
            415,
            "unsupported_document_type",
        ),
        (
            "plain text",
            b"just a short note".to_vec(),
            415,
            "unsupported_document_type",
        ),
        ("empty", Vec::new(), 415, "unsupported_document_type"),
        (
            "a broken JPEG",
            b"\xFF\xD8\xFF\xE0\0\x10JFIF\0broken-broken-broken".to_vec(),
            422,
            "unreadable_document",
        ),
    ];
    for (what, body, status, code) in cases {
        let r = upload(&app, &w.resident_a, &step, body, "image/jpeg", None).await;
        let p = r.assert_problem(status, code);
        let detail = p["detail"].as_str().unwrap();
        // In the resident's own language (Dutch), one language at a time.
        assert_eq!(r.header("content-language"), Some("nl"), "{what}");
        assert!(
            !detail.is_empty() && !detail.contains(" / "),
            "{what}: {detail}"
        );
    }
    let heic = upload(
        &app,
        &w.resident_a,
        &step,
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
        "image/heic",
        None,
    )
    .await;
    assert!(heic.value()["detail"].as_str().unwrap().contains("HEIC"));
    // Not mine, not open, no evidence asked: nothing read, nothing stored.
    upload(
        &app,
        &w.resident_b,
        &step,
        pdf(100, 1),
        "application/pdf",
        None,
    )
    .await
    .assert_problem(404, "not_found");
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let plain = current["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["evidence"] == "none")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    upload(
        &app,
        &w.resident_a,
        &plain,
        pdf(100, 1),
        "application/pdf",
        None,
    )
    .await
    .assert_problem(409, "step_takes_no_documents");
    // Staff cannot upload as a resident.
    upload(
        &app,
        &w.caseworker_a,
        &step,
        pdf(100, 1),
        "application/pdf",
        None,
    )
    .await
    .assert_problem(403, "forbidden");
    assert!(store_files(&app).is_empty(), "{:?}", store_files(&app));
    let docs = app
        .get(
            &format!("/v1/plans/{plan_id}/documents"),
            Some(&w.caseworker_a.token),
        )
        .await;
    assert_eq!(docs.value(), json!([]));
});

/// Limits: a file over the limit (declared or streamed) and a plan that is full.
async fn limits(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.documents_max_file_bytes = 200_000;
        s.documents_max_plan_bytes = 250_000;
    })
    .await
    else {
        return;
    };
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    // The server answers a refused upload without reading the rest of it and closes the
    // connection, so these requests use a client that keeps no connection for reuse.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    app.send(
        fresh
            .post(app.url(&format!("/v1/me/steps/{step}/documents")))
            .bearer_auth(&w.resident_a.token)
            .body(pdf(300_000, 1)),
    )
    .await
    .assert_problem(413, "document_too_large");
    // Streamed without a length: refused mid-stream, the partial blob dropped.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = pdf(300_000, 2)
        .chunks(50_000)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let r = app
        .send(
            fresh
                .post(app.url(&format!("/v1/me/steps/{step}/documents")))
                .bearer_auth(&w.resident_a.token)
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                ))),
        )
        .await;
    r.assert_problem(413, "document_too_large");
    upload(
        &app,
        &w.resident_a,
        &step,
        pdf(150_000, 3),
        "application/pdf",
        None,
    )
    .await
    .assert_status(201);
    upload(
        &app,
        &w.resident_a,
        &step,
        pdf(150_000, 4),
        "application/pdf",
        None,
    )
    .await
    .assert_problem(413, "plan_documents_full");
    assert_eq!(store_files(&app).len(), 1, "{:?}", store_files(&app));
}

#[actix_web::test]
async fn limits_on_sqlite() {
    limits(Backend::Sqlite).await;
}

#[actix_web::test]
async fn limits_on_postgres() {
    limits(Backend::Postgres).await;
}

backend_test!(retries_and_repeats_store_once, |app| {
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    let file = pdf(200_000, 9);
    let first = upload(
        &app,
        &w.resident_a,
        &step,
        file.clone(),
        "application/pdf",
        Some("k-1"),
    )
    .await;
    first.assert_status(201);
    let id = first.value()["id"].clone();
    let again = upload(
        &app,
        &w.resident_a,
        &step,
        file.clone(),
        "application/pdf",
        Some("k-1"),
    )
    .await;
    again.assert_status(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.value()["id"], id);
    // The same bytes without a key (a double tap): the first document, not a second.
    let dup = upload(
        &app,
        &w.resident_a,
        &step,
        file.clone(),
        "application/pdf",
        None,
    )
    .await;
    dup.assert_status(200);
    assert_eq!(dup.value()["id"], id);
    let list = app
        .get(
            &format!("/v1/me/steps/{step}/documents"),
            Some(&w.resident_a.token),
        )
        .await
        .value();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(store_files(&app).len(), 1);
    // The PDF comes back byte for byte.
    let got = app
        .get(
            &format!("/v1/me/documents/{}", id.as_str().unwrap()),
            Some(&w.resident_a.token),
        )
        .await;
    got.assert_status(200);
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    assert!(got.body == file);
    // A key reused for another step is a conflict.
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let other = current["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] != step.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    upload(
        &app,
        &w.resident_a,
        &other,
        file,
        "application/pdf",
        Some("k-1"),
    )
    .await
    .assert_problem(409, "idempotency_key_reused");
});

fn notification_kinds(app: &TestApp, user: &str) -> Vec<(String, Option<String>)> {
    use stapvoorstap::db::schema::notifications;
    let mut conn = app.state.pool.get().unwrap();
    notifications::table
        .filter(notifications::user_id.eq(user))
        .select((notifications::kind, notifications::step_id))
        .load(&mut *conn)
        .unwrap()
}

fn audit_actions(app: &TestApp, object_id: &str) -> Vec<String> {
    use stapvoorstap::db::schema::audit_log;
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::object_id.eq(object_id))
        .select(audit_log::action)
        .load(&mut *conn)
        .unwrap()
}

backend_test!(
    caseworkers_review_reject_reopens_and_accept_verifies,
    |app| {
        let w = app.world().await;
        let (plan_id, step) = plan_with_photo_step(&app, &w).await;
        let cw = &w.caseworker_a.token;
        let r = upload(
            &app,
            &w.resident_a,
            &step,
            jpeg_with_exif_gps(64, 48),
            "image/jpeg",
            None,
        )
        .await;
        r.assert_status(201);
        let first = r.value()["id"].as_str().unwrap().to_owned();
        // The resident completes the step; the caseworker looks and downloads.
        app.complete_my_step(&w.resident_a, &step)
            .await
            .assert_status(200);
        let list = app
            .get(&format!("/v1/plans/{plan_id}/documents"), Some(cw))
            .await;
        list.assert_status(200);
        assert_eq!(list.value()[0]["id"], first.as_str());
        let got = app.get(&format!("/v1/documents/{first}"), Some(cw)).await;
        got.assert_status(200);
        assert!(image::load_from_memory(&got.body).is_ok());
        app.get(&format!("/v1/documents/{first}"), Some(cw))
            .await
            .assert_status(200);
        let downloads = audit_actions(&app, &first)
            .iter()
            .filter(|a| *a == "download")
            .count();
        assert_eq!(downloads, 2, "every download is in the audit log");

        // Reject: the step opens again, the resident sees why and gets a generic push.
        app.post(
            &format!("/v1/documents/{first}/reject"),
            Some(cw),
            &json!({"reason": ""}),
        )
        .await
        .assert_problem(422, "validation_failed");
        let reason = "De foto is onscherp. Kun je een nieuwe maken?";
        let rej = app
            .post(
                &format!("/v1/documents/{first}/reject"),
                Some(cw),
                &json!({"reason": reason}),
            )
            .await;
        rej.assert_status(200);
        assert_eq!(rej.value()["review"], "rejected");
        let mine = app
            .get(
                &format!("/v1/me/steps/{step}/documents"),
                Some(&w.resident_a.token),
            )
            .await
            .value();
        assert_eq!(mine[0]["review_reason"], reason);
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        assert!(
            current["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["id"] == step.as_str()),
            "the step is open again: {current}"
        );
        let kinds = notification_kinds(&app, &w.resident_a.id);
        assert!(
            kinds.contains(&("document_question".to_owned(), None)),
            "{kinds:?}"
        );
        let (_, body) = stapvoorstap::push::dispatcher::texts(
            stapvoorstap::domain::reminders::ReminderKind::DocumentQuestion,
            stapvoorstap::domain::kinds::Language::Nl,
        );
        assert_eq!(body, "Er is een vraag over je stap.");
        // A reviewed document can no longer be deleted by the resident.
        app.method_json(
            reqwest::Method::DELETE,
            &format!("/v1/me/documents/{first}"),
            Some(&w.resident_a.token),
            &json!(null),
        )
        .await
        .assert_problem(409, "document_reviewed");

        // A new photo (a wrong one first, deleted before review), then accepted: verified.
        let wrong = upload(
            &app,
            &w.resident_a,
            &step,
            pdf(5000, 1),
            "application/pdf",
            None,
        )
        .await;
        wrong.assert_status(201);
        let wrong_id = wrong.value()["id"].as_str().unwrap().to_owned();
        assert_eq!(store_files(&app).len(), 2);
        app.method_json(
            reqwest::Method::DELETE,
            &format!("/v1/me/documents/{wrong_id}"),
            Some(&w.resident_a.token),
            &json!(null),
        )
        .await
        .assert_status(204);
        assert_eq!(store_files(&app).len(), 1, "the deleted blob is gone");
        app.get(
            &format!("/v1/me/documents/{wrong_id}"),
            Some(&w.resident_a.token),
        )
        .await
        .assert_problem(404, "not_found");
        let second = upload(
            &app,
            &w.resident_a,
            &step,
            jpeg_with_exif_gps(80, 40),
            "image/jpeg",
            None,
        )
        .await;
        second.assert_status(201);
        let second = second.value()["id"].as_str().unwrap().to_owned();
        let acc = app
            .post(
                &format!("/v1/documents/{second}/accept"),
                Some(cw),
                &json!(null),
            )
            .await;
        acc.assert_status(200);
        assert_eq!(acc.value()["review"], "accepted");
        let plan = app
            .get(&format!("/v1/plans/{plan_id}"), Some(cw))
            .await
            .value();
        let s = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == step.as_str())
            .unwrap();
        assert_eq!(s["status"], "verified", "{s}");
    }
);

backend_test!(documents_are_seen_only_by_those_who_may, |app| {
    let w = app.world().await;
    let (plan_id, step) = plan_with_photo_step(&app, &w).await;
    let r = upload(
        &app,
        &w.resident_a,
        &step,
        pdf(3000, 5),
        "application/pdf",
        None,
    )
    .await;
    r.assert_status(201);
    let doc = r.value()["id"].as_str().unwrap().to_owned();
    let paths = [
        format!("/v1/plans/{plan_id}/documents"),
        format!("/v1/steps/{step}/documents"),
        format!("/v1/documents/{doc}"),
    ];
    // Another team's caseworker: as if nothing exists.
    for p in &paths {
        app.get(p, Some(&w.caseworker_b.token))
            .await
            .assert_problem(404, "not_found");
    }
    app.post(
        &format!("/v1/documents/{doc}/accept"),
        Some(&w.caseworker_b.token),
        &json!(null),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &format!("/v1/documents/{doc}/reject"),
        Some(&w.caseworker_b.token),
        &json!({"reason": "nee"}),
    )
    .await
    .assert_problem(404, "not_found");
    // A volunteer the step is not assigned to: 404; the plan list is not for volunteers.
    app.get(&paths[1], Some(&w.volunteer.token))
        .await
        .assert_problem(404, "not_found");
    app.get(&paths[2], Some(&w.volunteer.token))
        .await
        .assert_problem(404, "not_found");
    app.get(&paths[0], Some(&w.volunteer.token))
        .await
        .assert_problem(403, "forbidden");
    // Researchers never see documents.
    for p in &paths {
        app.get(p, Some(&w.researcher.token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.post(
        &format!("/v1/documents/{doc}/accept"),
        Some(&w.researcher.token),
        &json!(null),
    )
    .await
    .assert_problem(403, "forbidden");
    // Another resident: not theirs.
    app.get(
        &format!("/v1/me/documents/{doc}"),
        Some(&w.resident_b.token),
    )
    .await
    .assert_problem(404, "not_found");
    app.method_json(
        reqwest::Method::DELETE,
        &format!("/v1/me/documents/{doc}"),
        Some(&w.resident_b.token),
        &json!(null),
    )
    .await
    .assert_problem(404, "not_found");
    app.get(
        &format!("/v1/me/steps/{step}/documents"),
        Some(&w.resident_b.token),
    )
    .await
    .assert_problem(404, "not_found");
    // Handed to the volunteer (the resident asked for help): now they see it.
    let etag = app
        .get(&format!("/v1/plans/{plan_id}"), Some(&w.caseworker_a.token))
        .await
        .value()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == step.as_str())
        .unwrap()["version"]
        .clone();
    let patch = app
        .send(
            app.client
                .patch(app.url(&format!("/v1/steps/{step}")))
                .bearer_auth(&w.caseworker_a.token)
                .header("If-Match", "*")
                .json(&json!({"owner": {"type": "volunteer", "user_id": w.volunteer.id}})),
        )
        .await;
    patch.assert_status(200);
    let _ = etag;
    app.get(&paths[1], Some(&w.volunteer.token))
        .await
        .assert_status(200);
    let got = app.get(&paths[2], Some(&w.volunteer.token)).await;
    got.assert_status(200);
    assert!(got.body == pdf(3000, 5));
    // Accept and reject stay with caseworkers.
    app.post(
        &format!("/v1/documents/{doc}/accept"),
        Some(&w.volunteer.token),
        &json!(null),
    )
    .await
    .assert_problem(403, "forbidden");
});

backend_test!(
    the_handover_archive_holds_the_checklist_and_accepted_documents,
    |app| {
        let w = app.world().await;
        let (plan_id, step) = plan_with_photo_step(&app, &w).await;
        let cw = &w.caseworker_a.token;
        let photo = upload(
            &app,
            &w.resident_a,
            &step,
            jpeg_with_exif_gps(50, 30),
            "image/jpeg",
            None,
        )
        .await
        .value();
        let letter = upload(
            &app,
            &w.resident_a,
            &step,
            pdf(90_000, 7),
            "application/pdf",
            None,
        )
        .await
        .value();
        let pending = upload(
            &app,
            &w.resident_a,
            &step,
            pdf(1000, 8),
            "application/pdf",
            None,
        )
        .await
        .value();
        for d in [&photo, &letter] {
            app.post(
                &format!("/v1/documents/{}/accept", d["id"].as_str().unwrap()),
                Some(cw),
                &json!(null),
            )
            .await
            .assert_status(200);
        }
        let _ = pending;
        let r = app
            .send(
                app.client
                    .get(app.url(&format!("/v1/plans/{plan_id}/handover")))
                    .bearer_auth(cw)
                    .header("Accept", "application/zip"),
            )
            .await;
        r.assert_status(200);
        assert_eq!(r.header("content-type"), Some("application/zip"));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.body.clone())).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"00 Overdracht.pdf".to_owned()), "{names:?}");
        let jpg = names
            .iter()
            .find(|n| n.ends_with("Foto van je loonstrook.jpg"))
            .unwrap_or_else(|| panic!("{names:?}"));
        let pdfname = names
            .iter()
            .find(|n| n.ends_with("Foto van je loonstrook (2).pdf"))
            .unwrap_or_else(|| panic!("{names:?}"));
        let mut read = |name: &str| {
            use std::io::Read;
            let mut out = Vec::new();
            zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
            out
        };
        assert!(read("00 Overdracht.pdf").starts_with(b"%PDF"));
        assert!(read(pdfname) == pdf(90_000, 7));
        let jpeg = read(jpg);
        assert!(image::load_from_memory(&jpeg).is_ok());
        // Researchers see counts only.
        let rows = app
            .get("/v1/research/plans", Some(&w.researcher.token))
            .await
            .value();
        assert!(
            rows["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["documents"] == 3 && r["documents_accepted"] == 2),
            "{rows}"
        );
        // Other teams and researchers get no archive.
        for (token, status) in [(&w.caseworker_b.token, 404), (&w.researcher.token, 403)] {
            let r = app
                .send(
                    app.client
                        .get(app.url(&format!("/v1/plans/{plan_id}/handover")))
                        .bearer_auth(token)
                        .header("Accept", "application/zip"),
                )
                .await;
            assert_eq!(r.status, status);
        }
    }
);

/// Export shows the documents; erasure removes rows and blobs; the store is scanned after.
async fn export_and_erasure(app: &TestApp, list_store: impl AsyncFn() -> Vec<String>) {
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(app, &w).await;
    let a = upload(
        app,
        &w.resident_a,
        &step,
        jpeg_with_exif_gps(40, 40),
        "image/jpeg",
        None,
    )
    .await
    .value();
    let b = upload(
        app,
        &w.resident_a,
        &step,
        pdf(70_000, 3),
        "application/pdf",
        None,
    )
    .await
    .value();
    assert_eq!(list_store().await.len(), 2);
    let export = app.get("/v1/me/export", Some(&w.resident_a.token)).await;
    export.assert_status(200);
    let docs: Vec<Value> = export.value()["plans"][0]["documents"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(docs.len(), 2);
    let link = docs[1]["download"].as_str().unwrap();
    assert_eq!(
        link,
        format!("/v1/me/documents/{}", b["id"].as_str().unwrap())
    );
    app.get(link, Some(&w.resident_a.token))
        .await
        .assert_status(200);
    app.method_json(
        reqwest::Method::DELETE,
        &format!("/v1/residents/{}", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &json!({"reason": "verzoek van de inwoner"}),
    )
    .await
    .assert_status(204);
    let left = list_store().await;
    assert!(
        left.is_empty(),
        "blobs of the erased resident remain: {left:?}"
    );
    for d in [&a, &b] {
        app.get(
            &format!("/v1/documents/{}", d["id"].as_str().unwrap()),
            Some(&w.caseworker_a.token),
        )
        .await
        .assert_problem(404, "not_found");
    }
    let mut conn = app.state.pool.get().unwrap();
    use stapvoorstap::db::schema::{blob_deletions, documents};
    let rows: i64 = documents::table.count().get_result(&mut *conn).unwrap();
    let queued: i64 = blob_deletions::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!((rows, queued), (0, 0));
}

backend_test!(
    export_lists_documents_and_erasure_deletes_every_blob,
    |app| {
        let dir = app.files.path().join("documents");
        export_and_erasure(&app, async || {
            files_under(&dir)
                .iter()
                .map(|p| p.display().to_string())
                .collect()
        })
        .await;
    }
);

// A failed blob deletion stays queued and is retried.
backend_test!(blob_deletions_are_retried_until_the_store_confirms, |app| {
    use stapvoorstap::db::documents as q;
    let key = "documents/0190a0a0-0000-7000-8000-000000000001";
    app.state
        .documents
        .store
        .put(key, bytes::Bytes::from_static(b"x"))
        .await
        .unwrap();
    {
        let mut conn = app.state.pool.get().unwrap();
        q::queue_blob_deletion(&mut conn, "not a valid//key").unwrap();
        q::queue_blob_deletion(&mut conn, key).unwrap();
    }
    let n = app
        .state
        .documents
        .sweep_deletions(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(store_files(&app).is_empty());
    let mut conn = app.state.pool.get().unwrap();
    let left = q::list_due_deletions(&mut conn, 10).unwrap();
    assert!(left.is_empty(), "the failed one waits for its back-off");
    assert_eq!(q::count_queued_deletions(&mut conn).unwrap(), 1);
});

/// The same flow against a real S3-compatible server (`moto_server` in CI).
#[actix_web::test]
async fn export_and_erasure_on_s3() {
    let Some(endpoint) = std::env::var("TEST_S3_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty())
    else {
        assert!(
            std::env::var_os("REQUIRE_S3_TESTS").is_none(),
            "REQUIRE_S3_TESTS is set but TEST_S3_ENDPOINT is not"
        );
        eprintln!("SKIPPED on S3: TEST_S3_ENDPOINT is not set");
        return;
    };
    let bucket = format!("svs-api-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{}/{bucket}", endpoint.trim_end_matches('/')))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let (e, b) = (endpoint.clone(), bucket.clone());
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        s.documents_store = stapvoorstap::config::DocumentStoreKind::S3;
        s.documents_s3_bucket = Some(b);
        s.documents_s3_endpoint = Some(e);
        s.documents_s3_access_key_id = Some("testing".into());
        s.documents_s3_secret_access_key = Some(secrecy::SecretString::from("testing".to_owned()));
    })
    .await
    .unwrap();
    assert_eq!(app.state.documents.store.kind(), "s3");
    let store = app.state.documents.store.clone();
    export_and_erasure(&app, async || store.list("documents").await.unwrap()).await;
    assert!(store_files(&app).is_empty(), "nothing went to the folder");
}
