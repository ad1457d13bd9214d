//! Standard Web Push (issue 19): a browser subscribes with the service's VAPID key, and the
//! dispatcher delivers reminders to a real local push service that checks the VAPID signature
//! (RFC 8292) and decrypts the message (RFC 8291, decrypted here by hand, independently of the
//! crate that encrypts it).

use crate::backend_test;
use crate::helpers::{Backend, TestApp};
use crate::push::{dispatch, make_plan, push_app, register_device};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// One request the push service received.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A local push service: records every message; `/gone/...` answers 410 like an expired
/// subscription, everything else 201 Created.
struct PushService {
    origin: String,
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for PushService {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    store: web::Data<Mutex<Vec<Received>>>,
) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    store.lock().unwrap().push(Received {
        path: req.path().to_owned(),
        headers,
        body: body.to_vec(),
    });
    if req.path().starts_with("/gone/") {
        HttpResponse::Gone().finish()
    } else {
        HttpResponse::Created().finish()
    }
}

impl PushService {
    async fn start() -> PushService {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let received = Arc::new(Mutex::new(Vec::new()));
        let data = web::Data::from(received.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::post().to(receive))
        })
        .listen(listener)
        .unwrap()
        .workers(1)
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        PushService {
            origin,
            received,
            handle,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// A browser's side of a subscription: its key pair and auth secret.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
    endpoint: String,
}

impl Browser {
    fn new(endpoint: String) -> Browser {
        let mut auth = [0u8; 16];
        rand::Rng::fill(&mut rand::rng(), &mut auth);
        Browser {
            secret: p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng),
            auth,
            endpoint,
        }
    }

    fn public(&self) -> Vec<u8> {
        self.secret
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    fn registration(&self) -> Value {
        json!({
            "token": self.endpoint,
            "platform": "web_push",
            "web_push_keys": {"p256dh": B64.encode(self.public()), "auth": B64.encode(self.auth)},
            "locale": "nl-NL",
        })
    }

    /// RFC 8291 §3.4 and RFC 8188 §2, by hand: header (salt, record size, key id = the
    /// server's ephemeral public key), then one record ending in the 0x02 delimiter.
    fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        use hkdf::Hkdf;
        use sha2::Sha256;
        let salt = &body[..16];
        let rs = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
        let idlen = body[20] as usize;
        assert_eq!(idlen, 65, "key id is the sender's uncompressed P-256 key");
        let as_public = &body[21..21 + idlen];
        let ciphertext = &body[21 + idlen..];
        assert!(ciphertext.len() <= rs, "a single record");
        let sender = p256::PublicKey::from_sec1_bytes(as_public).unwrap();
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut key_info = b"WebPush: info\0".to_vec();
        key_info.extend_from_slice(&self.public());
        key_info.extend_from_slice(as_public);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&key_info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut cek = [0u8; 16];
        let mut nonce = [0u8; 12];
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let mut plain = aes_gcm::Aes128Gcm::new(&cek.into())
            .decrypt(&nonce.into(), ciphertext)
            .expect("the message decrypts with the subscription's keys");
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "last-record delimiter");
        plain
    }
}

/// Checks the VAPID header (RFC 8292 §3) and returns the key it names.
fn check_vapid(r: &Received, origin: &str) -> String {
    let auth = r.header("authorization").expect("VAPID authorization");
    let rest = auth.strip_prefix("vapid ").expect("vapid scheme");
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("t=") {
            t = Some(v.to_owned());
        } else if let Some(v) = part.strip_prefix("k=") {
            k = Some(v.to_owned());
        }
    }
    let (t, k) = (t.expect("t="), k.expect("k="));
    let raw = B64.decode(&k).unwrap();
    assert_eq!(raw.len(), 65);
    let key = jsonwebtoken::DecodingKey::from_ec_components(
        &B64.encode(&raw[1..33]),
        &B64.encode(&raw[33..]),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[origin]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(&t, &key, &validation)
        .expect("a valid ES256 VAPID token for this origin")
        .claims;
    assert_eq!(claims["sub"], "mailto:beheer@example.org");
    let exp = claims["exp"].as_u64().unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    assert!(
        exp > now && exp <= now + 24 * 3600,
        "valid for at most a day"
    );
    k
}

/// Like `backend_test!`, but the body gets the backend and makes its own app.
macro_rules! per_backend {
    ($name:ident, |$backend:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: Backend) $body

            #[actix_web::test]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                run(Backend::Postgres).await;
            }
        }
    };
}

async fn web_push_app(backend: Backend, service: &PushService) -> Option<TestApp> {
    let origin = service.origin.clone();
    let (app, fake, dir) = push_app(backend, |s| {
        s.web_push_contact = Some("mailto:beheer@example.org".into());
        s.web_push_allowed_origins = origin;
    })
    .await?;
    // The FCM fake and its folder live as long as the test.
    std::mem::forget(fake);
    std::mem::forget(dir);
    Some(app)
}

per_backend!(
    a_browser_gets_its_reminder_encrypted_and_signed,
    |backend| {
        let service = PushService::start().await;
        let Some(app) = web_push_app(backend, &service).await else {
            return;
        };
        let w = app.world().await;
        let r = &w.resident_a;
        let info = app.get("/v1/me/web-push", Some(&r.token)).await;
        info.assert_status(200);
        let info = info.value();
        assert_eq!(info["available"], true);
        let public_key = info["public_key"].as_str().unwrap().to_owned();

        let browser = Browser::new(format!("{}/push/sub-1", service.origin));
        let reg = app
            .post("/v1/me/devices", Some(&r.token), &browser.registration())
            .await;
        reg.assert_status(200);
        assert_eq!(reg.value()["platform"], "web_push");
        assert_eq!(reg.value()["this_session"], true);
        register_device(&app, r, "android-phone").await;
        let listed = app.get("/v1/me/devices", Some(&r.token)).await;
        listed.assert_status(200);
        let platforms: Vec<Value> = listed.value()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["platform"].clone())
            .collect();
        assert_eq!(platforms, vec![json!("web_push"), json!("android")]);
        let text = listed.text();
        assert!(
            !text.contains("sub-1") && !text.contains("android-phone"),
            "tokens never shown: {text}"
        );

        let plan = make_plan(&app, &w, r, json!({"items": ["start.postplek"]})).await;
        dispatch(&app).await;
        let got = service.received();
        assert_eq!(got.len(), 1, "one message to the browser: {got:?}");
        let m = &got[0];
        assert_eq!(m.path, "/push/sub-1");
        assert_eq!(
            check_vapid(m, &service.origin),
            public_key,
            "signed with the published key"
        );
        assert_eq!(m.header("content-encoding"), Some("aes128gcm"));
        let ttl: u64 = m.header("ttl").unwrap().parse().unwrap();
        assert!(ttl > 0);
        let topic = m.header("topic").unwrap();
        assert!(
            !topic.is_empty()
                && topic.len() <= 32
                && topic.chars().all(|c| c.is_ascii_alphanumeric())
        );
        let payload: Value = serde_json::from_slice(&browser.decrypt(&m.body)).unwrap();
        assert_eq!(payload["data"]["kind"], "new_step");
        assert_eq!(payload["data"]["plan_id"], plan["id"]);
        assert!(!payload["title"].as_str().unwrap().is_empty());
        assert!(!payload["body"].as_str().unwrap().is_empty());
        assert_eq!(
            payload["tag"], payload["data"]["reminder_id"],
            "collapses like the FCM message"
        );
        // Lock-screen safe: no step title or other plan content, only opaque ids.
        let plain = payload.to_string();
        let step_titles: Vec<String> = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap().to_owned())
            .collect();
        for t in &step_titles {
            assert!(!plain.contains(t.as_str()), "{t} leaked into {plain}");
        }
        assert!(
            !m.body.windows(4).any(|w| w == b"kind"),
            "the push service sees only ciphertext"
        );
    }
);

per_backend!(an_expired_subscription_is_removed, |backend| {
    let service = PushService::start().await;
    let Some(app) = web_push_app(backend, &service).await else {
        return;
    };
    let w = app.world().await;
    let r = &w.resident_a;
    let browser = Browser::new(format!("{}/gone/sub-2", service.origin));
    app.post("/v1/me/devices", Some(&r.token), &browser.registration())
        .await
        .assert_status(200);
    make_plan(&app, &w, r, json!({"items": ["start.postplek"]})).await;
    dispatch(&app).await;
    assert_eq!(service.received().len(), 1);
    let listed = app.get("/v1/me/devices", Some(&r.token)).await;
    assert_eq!(
        listed.value()["items"],
        json!([]),
        "410 Gone removed the browser"
    );
});

per_backend!(
    subscriptions_are_checked_before_they_are_stored,
    |backend| {
        let service = PushService::start().await;
        let Some(app) = web_push_app(backend, &service).await else {
            return;
        };
        let w = app.world().await;
        let r = &w.resident_a;
        let good = Browser::new(format!("{}/push/ok", service.origin));
        let mut body = good.registration();
        for (endpoint, why) in [
            ("https://evil.example/push".to_owned(), "another host"),
            (
                "http://169.254.169.254/latest".to_owned(),
                "a metadata address",
            ),
            (
                format!("{}/push/x", service.origin.replace("http://", "https://")),
                "another scheme",
            ),
        ] {
            body["token"] = json!(endpoint);
            let reply = app.post("/v1/me/devices", Some(&r.token), &body).await;
            let p = reply.assert_problem(422, "validation_failed");
            assert!(p.to_string().contains("token"), "{why}: {p}");
        }
        let mut bad_key = good.registration();
        bad_key["web_push_keys"]["p256dh"] = json!(B64.encode([4u8; 65]));
        app.post("/v1/me/devices", Some(&r.token), &bad_key)
            .await
            .assert_problem(422, "validation_failed");
        let mut no_keys = good.registration();
        no_keys.as_object_mut().unwrap().remove("web_push_keys");
        app.post("/v1/me/devices", Some(&r.token), &no_keys)
            .await
            .assert_problem(422, "validation_failed");
        let mut android_with_keys = good.registration();
        android_with_keys["platform"] = json!("android");
        app.post("/v1/me/devices", Some(&r.token), &android_with_keys)
            .await
            .assert_problem(422, "validation_failed");
        let listed = app.get("/v1/me/devices", Some(&r.token)).await;
        assert_eq!(listed.value()["items"], json!([]), "nothing stored");
        assert!(service.received().is_empty());
        // Another resident cannot remove this browser once it is registered.
        let reg = app
            .post("/v1/me/devices", Some(&r.token), &good.registration())
            .await;
        reg.assert_status(200);
        let id = reg.value()["id"].as_str().unwrap().to_owned();
        app.send(
            app.client
                .delete(app.url(&format!("/v1/me/devices/{id}")))
                .bearer_auth(&w.resident_b.token),
        )
        .await
        .assert_problem(404, "not_found");
        assert_eq!(
            app.get("/v1/me/devices", Some(&r.token)).await.value()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
);

backend_test!(without_a_contact_web_push_is_off, |app| {
    let w = app.world().await;
    let r = &w.resident_a;
    let info = app.get("/v1/me/web-push", Some(&r.token)).await;
    info.assert_status(200);
    assert_eq!(
        info.value(),
        json!({"available": false, "public_key": null})
    );
    let browser = Browser::new("https://fcm.googleapis.com/fcm/send/abc".into());
    app.post("/v1/me/devices", Some(&r.token), &browser.registration())
        .await
        .assert_problem(409, "web_push_off");
    app.get("/v1/me/web-push", None).await.assert_status(401);
});
