//! Resumable uploads (tus 1.0.0): pieces, a broken connection and `HEAD` to resume, the same
//! cleaned document as a direct upload, offsets, ownership, refusals at the end, expiry — on
//! the folder store and on a real S3-compatible server when `TEST_S3_ENDPOINT` is set.

use crate::backend_test;
use crate::documents::{files_under, jpeg_with_exif_gps, plan_with_photo_step};
use crate::helpers::{Backend, Login, Reply, TestApp, spawn_app_with};
use diesel::prelude::*;
use serde_json::json;
use std::io::{Read, Write};

const TUS: &str = "1.0.0";

async fn create(app: &TestApp, who: &Login, step: &str, length: usize) -> Reply {
    app.send(
        app.client
            .post(app.url(&format!("/v1/me/steps/{step}/uploads")))
            .bearer_auth(&who.token)
            .header("Tus-Resumable", TUS)
            .header("Upload-Length", length.to_string())
            .header("Upload-Metadata", "filename bG9vbnN0cm9vay5qcGc="),
    )
    .await
}

async fn patch(app: &TestApp, who: &Login, location: &str, offset: usize, piece: &[u8]) -> Reply {
    app.send(
        app.client
            .patch(app.url(location))
            .bearer_auth(&who.token)
            .header("Tus-Resumable", TUS)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(piece.to_vec()),
    )
    .await
}

async fn head(app: &TestApp, who: &Login, location: &str) -> Reply {
    app.send(
        app.client
            .head(app.url(location))
            .bearer_auth(&who.token)
            .header("Tus-Resumable", TUS),
    )
    .await
}

fn offset_of(r: &Reply) -> usize {
    r.header("upload-offset")
        .unwrap_or_else(|| panic!("Upload-Offset in {r:?}"))
        .parse()
        .unwrap()
}

/// Sends a PATCH announcing `announced` bytes, writes only `piece`, and closes the connection:
/// a phone losing its signal mid-upload.
fn broken_patch(
    app: &TestApp,
    who: &Login,
    location: &str,
    offset: usize,
    announced: usize,
    piece: &[u8],
) {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "PATCH {location} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {announced}\r\n\r\n",
        who.token
    )
    .unwrap();
    s.write_all(piece).unwrap();
    s.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    s.shutdown(std::net::Shutdown::Both).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
}

/// A second photo step in the plan of `plan_with_photo_step`.
async fn second_photo_step(
    app: &TestApp,
    w: &crate::helpers::World,
    plan_id: &str,
    first: &str,
) -> String {
    app.post(
        &format!("/v1/plans/{plan_id}/steps"),
        Some(&w.caseworker_a.token),
        &json!({"category": "papieren", "title": {"nl": "Foto van je brief", "en": "Photo of your letter"}, "evidence": "photo"}),
    )
    .await
    .assert_status(201);
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    current["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["evidence"] == "photo" && s["id"] != first)
        .unwrap_or_else(|| panic!("a second photo step is open: {current}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Three pieces with a break in the second, resumed after `HEAD`; the result is the same
/// cleaned document a direct upload gives. `store_keys` lists what the store holds.
async fn three_pieces_with_a_break(app: &TestApp, store_keys: impl AsyncFn() -> Vec<String>) {
    let w = app.world().await;
    let (plan_id, raw_step) = plan_with_photo_step(app, &w).await;
    let tus_step = second_photo_step(app, &w, &plan_id, &raw_step).await;
    let photo = jpeg_with_exif_gps(300, 120);
    let n = photo.len();
    let (a, b) = (n / 3, 2 * n / 3);

    let options = app
        .send(
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/v1/me/uploads")),
        )
        .await;
    options.assert_status(204);
    assert_eq!(options.header("tus-version"), Some(TUS));
    assert!(
        options
            .header("tus-extension")
            .unwrap()
            .contains("creation")
    );
    assert_eq!(
        options.header("tus-max-size"),
        Some(app.settings.documents_max_file_bytes.to_string().as_str())
    );

    let created = create(app, &w.resident_a, &tus_step, n).await;
    created.assert_status(201);
    assert_eq!(created.header("tus-resumable"), Some(TUS));
    assert!(created.header("upload-expires").unwrap().ends_with(" GMT"));
    let location = created.header("location").unwrap().to_owned();
    assert_eq!(created.value()["location"], location.as_str());
    assert_eq!(created.value()["upload_offset"], 0);

    let first = patch(app, &w.resident_a, &location, 0, &photo[..a]).await;
    first.assert_status(204);
    assert_eq!(offset_of(&first), a);
    assert!(first.header("document-id").is_none());

    // The second piece breaks off after `k` bytes; what arrived is kept.
    let k = (b - a) / 2;
    broken_patch(app, &w.resident_a, &location, a, b - a, &photo[a..a + k]);
    let mut resumed_at = 0;
    for _ in 0..50 {
        let h = head(app, &w.resident_a, &location).await;
        h.assert_status(200);
        assert_eq!(h.header("cache-control"), Some("no-store"));
        assert_eq!(h.header("upload-length"), Some(n.to_string().as_str()));
        resumed_at = offset_of(&h);
        if resumed_at == a + k {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(resumed_at, a + k, "the bytes before the break are kept");

    // A retry of the second piece from its old offset: 409 with where to go on.
    let stale = patch(app, &w.resident_a, &location, a, &photo[a..b]).await;
    stale.assert_problem(409, "upload_offset_mismatch");
    assert_eq!(offset_of(&stale), a + k);
    assert_eq!(stale.header("tus-resumable"), Some(TUS));

    let second = patch(app, &w.resident_a, &location, a + k, &photo[a + k..b]).await;
    second.assert_status(204);
    assert_eq!(offset_of(&second), b);
    let last = patch(app, &w.resident_a, &location, b, &photo[b..]).await;
    last.assert_status(204);
    assert_eq!(offset_of(&last), n);
    let doc_id = last.header("document-id").expect("Document-Id").to_owned();

    // A lost answer: HEAD and the repeated last piece both name the document.
    let h = head(app, &w.resident_a, &location).await;
    assert_eq!(
        (offset_of(&h), h.header("document-id")),
        (n, Some(doc_id.as_str()))
    );
    let again = patch(app, &w.resident_a, &location, b, &photo[b..]).await;
    again.assert_problem(409, "upload_offset_mismatch");
    assert_eq!(again.header("document-id"), Some(doc_id.as_str()));

    // The same photo sent directly, to the other step.
    let direct = app
        .send(
            app.client
                .post(app.url(&format!("/v1/me/steps/{raw_step}/documents")))
                .bearer_auth(&w.resident_a.token)
                .body(photo.clone()),
        )
        .await;
    direct.assert_status(201);
    let direct = direct.value();
    let listed = app
        .get(
            &format!("/v1/me/steps/{tus_step}/documents"),
            Some(&w.resident_a.token),
        )
        .await
        .value();
    let via_tus = &listed[0];
    assert_eq!(via_tus["id"], doc_id.as_str());
    assert_eq!(via_tus["media_type"], direct["media_type"]);
    assert_eq!(via_tus["size_bytes"], direct["size_bytes"]);
    let tus_bytes = app
        .get(
            &format!("/v1/me/documents/{doc_id}"),
            Some(&w.resident_a.token),
        )
        .await
        .body;
    let raw_bytes = app
        .get(
            &format!("/v1/me/documents/{}", direct["id"].as_str().unwrap()),
            Some(&w.resident_a.token),
        )
        .await
        .body;
    assert!(tus_bytes == raw_bytes, "the same cleaned JPEG");
    assert!(!crate::documents::contains(&tus_bytes, b"Pieterburen"));
    let back = image::load_from_memory(&tus_bytes).unwrap();
    assert_eq!((back.width(), back.height()), (120, 300));

    // The pieces are gone; the store holds the two documents only.
    let keys = store_keys().await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().all(|k| k.contains("documents/")), "{keys:?}");
}

backend_test!(
    a_tus_upload_resumes_after_a_break_and_matches_a_direct_upload,
    |app| {
        let dir = app.files.path().join("documents");
        three_pieces_with_a_break(&app, async || {
            files_under(&dir)
                .iter()
                .map(|p| p.display().to_string())
                .collect()
        })
        .await;
    }
);

#[actix_web::test]
async fn a_tus_upload_resumes_on_s3() {
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
    let bucket = format!("svs-tus-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{}/{bucket}", endpoint.trim_end_matches('/')))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        s.documents_store = stapvoorstap::config::DocumentStoreKind::S3;
        s.documents_s3_bucket = Some(bucket);
        s.documents_s3_endpoint = Some(endpoint);
        s.documents_s3_access_key_id = Some("testing".into());
        s.documents_s3_secret_access_key = Some(secrecy::SecretString::from("testing".to_owned()));
    })
    .await
    .unwrap();
    assert_eq!(app.state.documents.store.kind(), "s3");
    let store = app.state.documents.store.clone();
    three_pieces_with_a_break(&app, async || {
        let mut keys = store.list("documents").await.unwrap();
        keys.extend(store.list("uploads").await.unwrap());
        keys
    })
    .await;
    assert!(
        files_under(&app.files.path().join("documents")).is_empty(),
        "nothing went to the folder"
    );
}

backend_test!(offsets_versions_types_and_lengths_are_checked, |app| {
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    let photo = jpeg_with_exif_gps(60, 40);
    let created = create(&app, &w.resident_a, &step, photo.len()).await;
    created.assert_status(201);
    let location = created.header("location").unwrap().to_owned();

    let ahead = patch(&app, &w.resident_a, &location, 10, &photo[10..20]).await;
    ahead.assert_problem(409, "upload_offset_mismatch");
    assert_eq!(offset_of(&ahead), 0);

    let too_long = [photo.clone(), b"extra".to_vec()].concat();
    patch(&app, &w.resident_a, &location, 0, &too_long)
        .await
        .assert_problem(413, "upload_exceeds_length");

    let no_version = app
        .send(
            app.client
                .patch(app.url(&location))
                .bearer_auth(&w.resident_a.token)
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/offset+octet-stream")
                .body(photo.clone()),
        )
        .await;
    no_version.assert_problem(412, "tus_version_unsupported");
    assert_eq!(no_version.header("tus-version"), Some(TUS));

    let wrong_type = app
        .send(
            app.client
                .patch(app.url(&location))
                .bearer_auth(&w.resident_a.token)
                .header("Tus-Resumable", TUS)
                .header("Upload-Offset", "0")
                .header("Content-Type", "image/jpeg")
                .body(photo.clone()),
        )
        .await;
    wrong_type.assert_problem(415, "wrong_upload_content_type");

    for bad in ["", "-1", "12a", "99999999999999999999"] {
        let r = app
            .send(
                app.client
                    .patch(app.url(&location))
                    .bearer_auth(&w.resident_a.token)
                    .header("Tus-Resumable", TUS)
                    .header("Upload-Offset", bad)
                    .header("Content-Type", "application/offset+octet-stream")
                    .body(photo.clone()),
            )
            .await;
        r.assert_problem(400, "invalid_tus_header");
    }
    assert_eq!(offset_of(&head(&app, &w.resident_a, &location).await), 0);

    // Limits apply to Upload-Length up front.
    let limit = app.settings.documents_max_file_bytes as usize;
    create(&app, &w.resident_a, &step, limit + 1)
        .await
        .assert_problem(413, "document_too_large");
    let missing = app
        .send(
            app.client
                .post(app.url(&format!("/v1/me/steps/{step}/uploads")))
                .bearer_auth(&w.resident_a.token)
                .header("Tus-Resumable", TUS),
        )
        .await;
    missing.assert_problem(400, "invalid_tus_header");
    // The plan's room counts unfinished uploads: ten uploads of the largest file fill 100 MiB.
    let plan_limit = app.settings.documents_max_plan_bytes as usize;
    let mut reserved = photo.len();
    while reserved + limit <= plan_limit {
        create(&app, &w.resident_a, &step, limit)
            .await
            .assert_status(201);
        reserved += limit;
    }
    create(&app, &w.resident_a, &step, limit)
        .await
        .assert_problem(413, "plan_documents_full");

    // The whole photo in one piece still finishes.
    let done = patch(&app, &w.resident_a, &location, 0, &photo).await;
    done.assert_status(204);
    assert!(done.header("document-id").is_some());
});

backend_test!(another_residents_upload_does_not_exist, |app| {
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    let created = create(&app, &w.resident_a, &step, 100).await;
    created.assert_status(201);
    let location = created.header("location").unwrap().to_owned();
    let other = &w.resident_b;
    let h = head(&app, other, &location).await;
    h.assert_status(404);
    assert!(h.header("upload-offset").is_none());
    patch(&app, other, &location, 0, b"%PDF-1.7\n")
        .await
        .assert_problem(404, "not_found");
    app.send(
        app.client
            .delete(app.url(&location))
            .bearer_auth(&other.token)
            .header("Tus-Resumable", TUS),
    )
    .await
    .assert_problem(404, "not_found");
    // Nor may anyone start one on a step that is not theirs.
    create(&app, other, &step, 100)
        .await
        .assert_problem(404, "not_found");
    create(&app, &w.caseworker_a, &step, 100)
        .await
        .assert_status(403);
    // The owner's upload is untouched.
    assert_eq!(offset_of(&head(&app, &w.resident_a, &location).await), 0);
});

backend_test!(a_refusal_at_the_end_leaves_nothing_stored, |app| {
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    let text = b"Beste meneer, hierbij mijn loonstrook. Met vriendelijke groet.".repeat(40);
    let created = create(&app, &w.resident_a, &step, text.len()).await;
    let location = created.header("location").unwrap().to_owned();
    let half = text.len() / 2;
    patch(&app, &w.resident_a, &location, 0, &text[..half])
        .await
        .assert_status(204);
    assert!(
        !files_under(&app.files.path().join("documents")).is_empty(),
        "the first piece is stored"
    );
    let end = patch(&app, &w.resident_a, &location, half, &text[half..]).await;
    let p = end.assert_problem(415, "unsupported_document_type");
    assert!(!p["detail"].as_str().unwrap().is_empty());
    assert_eq!(
        end.header("content-language"),
        Some("nl"),
        "Dutch by default"
    );
    assert_eq!(end.header("tus-resumable"), Some(TUS));
    let left = files_under(&app.files.path().join("documents"));
    assert!(left.is_empty(), "nothing stays in the store: {left:?}");
    head(&app, &w.resident_a, &location)
        .await
        .assert_status(404);
    let mut conn = app.state.pool.get().unwrap();
    use stapvoorstap::db::schema::{documents, upload_parts, uploads};
    let counts: (i64, i64, i64) = (
        documents::table.count().get_result(&mut *conn).unwrap(),
        uploads::table.count().get_result(&mut *conn).unwrap(),
        upload_parts::table.count().get_result(&mut *conn).unwrap(),
    );
    assert_eq!(counts, (0, 0, 0));
});

backend_test!(expired_and_terminated_uploads_are_deleted, |app| {
    use stapvoorstap::db::schema::{upload_parts, uploads};
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    let photo = jpeg_with_exif_gps(60, 40);
    let store_dir = app.files.path().join("documents");
    let mut locations = Vec::new();
    for _ in 0..3 {
        let c = create(&app, &w.resident_a, &step, photo.len()).await;
        let l = c.header("location").unwrap().to_owned();
        patch(&app, &w.resident_a, &l, 0, &photo[..100])
            .await
            .assert_status(204);
        locations.push(l);
    }
    assert_eq!(files_under(&store_dir).len(), 3);

    // Termination: the upload and its piece go at once.
    let del = app
        .send(
            app.client
                .delete(app.url(&locations[0]))
                .bearer_auth(&w.resident_a.token)
                .header("Tus-Resumable", TUS),
        )
        .await;
    del.assert_status(204);
    assert_eq!(del.header("tus-resumable"), Some(TUS));
    head(&app, &w.resident_a, &locations[0])
        .await
        .assert_status(404);
    assert_eq!(files_under(&store_dir).len(), 2);

    // One expires (its last piece came longer than DOCUMENTS_UPLOAD_TTL ago); a stray piece
    // whose upload row is gone is found too.
    let expired_id = locations[1].rsplit('/').next().unwrap().to_owned();
    {
        let mut conn = app.state.pool.get().unwrap();
        diesel::update(uploads::table.find(&expired_id))
            .set(uploads::expires_at.eq(stapvoorstap::db::now() - chrono::Duration::seconds(1)))
            .execute(&mut *conn)
            .unwrap();
    }
    head(&app, &w.resident_a, &locations[1])
        .await
        .assert_status(404);
    let stray = format!("uploads/{}/0-stray", uuid::Uuid::now_v7());
    app.state
        .documents
        .store
        .put(&stray, bytes::Bytes::from_static(b"x"))
        .await
        .unwrap();
    let pruned = app
        .state
        .documents
        .prune_uploads(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let left = files_under(&store_dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0]
            .to_string_lossy()
            .contains(&locations[2].rsplit('/').next().unwrap().to_string())
    );
    let mut conn = app.state.pool.get().unwrap();
    let ids: Vec<String> = uploads::table.select(uploads::id).load(&mut *conn).unwrap();
    assert_eq!(
        ids,
        vec![locations[2].rsplit('/').next().unwrap().to_owned()]
    );
    let parts: i64 = upload_parts::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(parts, 1);
    drop(conn);
    // The live one goes on.
    patch(&app, &w.resident_a, &locations[2], 100, &photo[100..])
        .await
        .assert_status(204);
});

backend_test!(an_unfinished_upload_is_in_the_residents_export, |app| {
    let w = app.world().await;
    let (_, step) = plan_with_photo_step(&app, &w).await;
    let created = create(&app, &w.resident_a, &step, 100).await;
    created.assert_status(201);
    let location = created.header("location").unwrap().to_owned();
    patch(&app, &w.resident_a, &location, 0, b"%PDF-1.7\n")
        .await
        .assert_status(204);

    let export = app.get("/v1/me/export", Some(&w.resident_a.token)).await;
    export.assert_status(200);
    let v = export.value();
    let uploads = v["plans"][0]["unfinished_uploads"].as_array().unwrap();
    assert_eq!(uploads.len(), 1, "{v}");
    assert_eq!(uploads[0]["step_id"], step);
    assert_eq!(uploads[0]["upload_length"], 100);
    assert_eq!(uploads[0]["upload_offset"], 9);
    assert!(location.ends_with(uploads[0]["resume"].as_str().unwrap()));
    assert!(uploads[0]["expires_at"].as_str().unwrap().ends_with('Z'));
    // The name the phone sent in Upload-Metadata is never kept, so it is not there either.
    assert!(!export.text().contains("loonstrook.jpg"));
    // Someone else's export does not show it.
    let other = app.get("/v1/me/export", Some(&w.resident_b.token)).await;
    assert!(!other.text().contains(uploads[0]["id"].as_str().unwrap()));
});
