//! The handover file for the debt-arrangement organisation: the document checklist (received /
//! checked / not applicable / missing per item) and the exit criteria, as JSON or a PDF.

use crate::api::plans::{find_visible_plan, language_of};
use crate::api::steps_view::{pick, progress_of};
use crate::auth::AuthUser;
use crate::db::{self, plans};
use crate::domain::gate::Criterion;
use crate::domain::kinds::{Evidence, HandoverState};
use crate::domain::policy::CASEWORKERS;
use crate::error::ApiResult;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One item of the checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverItem {
    /// Template item key (absent for custom steps).
    pub key: Option<String>,
    /// What it is.
    pub title: String,
    /// Category key.
    pub category: String,
    /// Expected proof (never `none`: such steps are not on the checklist).
    pub evidence: Evidence,
    /// Where it stands.
    pub state: HandoverState,
}

/// The handover file.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverResponse {
    /// The plan.
    pub plan_id: Uuid,
    /// Checklist items with expected proof.
    pub items: Vec<HandoverItem>,
    /// Exit criteria E1–E8.
    pub criteria: Vec<Criterion>,
    /// All criteria met.
    pub ready_for_arrangement: bool,
}

/// The handover checklist (caseworkers of the team). `Accept: application/pdf` gives a
/// printable PDF of the same content; `Accept: application/zip` one archive with that PDF and
/// every accepted document, named after its checklist item.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "The checklist", content(
        (HandoverResponse = "application/json"),
        (String = "application/pdf"),
        (Vec<u8> = "application/zip"),
    )))
)]
#[get("/v1/plans/{id}/handover")]
pub async fn handover(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner();
    let plan_id = id.to_string();
    let (items, progress, lang) = db::run(&state.pool, move |conn| {
        let plan = find_visible_plan(conn, &auth, &plan_id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            crate::domain::kinds::AuditAction::Read,
            crate::domain::kinds::AuditObject::Handover,
            Some(&plan.id),
        )?;
        let lang = language_of(conn, &auth.id)?;
        let steps = plans::list_steps(conn, &plan.id)?;
        let items: Vec<HandoverItem> = steps
            .iter()
            .filter(|s| s.evidence != "none")
            .map(|s| HandoverItem {
                key: s.item_key.clone(),
                title: pick(lang, &s.title_nl, &s.title_en).to_owned(),
                category: s.category.clone(),
                evidence: crate::api::types::parse_or(&s.evidence, Evidence::Document),
                state: match s.status.as_str() {
                    "verified" => HandoverState::Checked,
                    "done" => HandoverState::Received,
                    "skipped" | "cancelled" => HandoverState::NotApplicable,
                    _ => HandoverState::Missing,
                },
            })
            .collect();
        Ok((items, progress_of(&steps, lang), lang))
    })
    .await?;
    let body = HandoverResponse {
        plan_id: id,
        items,
        ready_for_arrangement: progress.ready_for_arrangement,
        criteria: progress.criteria,
    };
    let wants_zip = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/zip"));
    if wants_zip {
        let plan_id = body.plan_id.to_string();
        return crate::api::documents::handover_archive(&state, plan_id, lang, pdf(&body)).await;
    }
    let wants_pdf = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/pdf"));
    if wants_pdf {
        return Ok(HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((
                "content-disposition",
                "attachment; filename=\"overdracht.pdf\"",
            ))
            .body(pdf(&body)));
    }
    Ok(HttpResponse::Ok().json(body))
}

fn pdf(h: &HandoverResponse) -> Vec<u8> {
    let mut lines = vec![
        "Overdracht stabilisatie / Handover".to_owned(),
        format!("Plan {}", h.plan_id),
        format!(
            "Klaar voor schuldregeling / ready: {}",
            if h.ready_for_arrangement {
                "ja / yes"
            } else {
                "nee / no"
            }
        ),
        String::new(),
        "Criteria".to_owned(),
    ];
    for c in &h.criteria {
        lines.push(format!(
            "  [{}] {} {}",
            if c.met { "x" } else { " " },
            c.code,
            c.name
        ));
    }
    lines.push(String::new());
    lines.push("Documenten / Documents".to_owned());
    for i in &h.items {
        lines.push(format!("  {:<15} {} ({})", i.state, i.title, i.evidence));
    }
    simple_pdf(&lines)
}

/// A minimal PDF of text lines in Helvetica (WinAnsi), paginated. Written by hand because a
/// checklist needs nothing a PDF crate adds, and this keeps the build small; characters outside
/// Latin-1 become `?`.
pub fn simple_pdf(lines: &[String]) -> Vec<u8> {
    const PER_PAGE: usize = 60;
    let pages: Vec<&[String]> = if lines.is_empty() {
        vec![&[][..]]
    } else {
        lines.chunks(PER_PAGE).collect()
    };
    let mut objects: Vec<Vec<u8>> = Vec::new();
    // 1: catalog, 2: pages, 3: font, then per page: page + content.
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + i * 2))
        .collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, page) in pages.iter().enumerate() {
        let mut content: Vec<u8> = b"BT /F1 10 Tf 14 TL 50 800 Td\n".to_vec();
        for line in page.iter() {
            content.push(b'(');
            for ch in line.chars() {
                let b = u32::from(ch);
                match ch {
                    '(' | ')' | '\\' => {
                        content.push(b'\\');
                        content.push(ch as u8);
                    }
                    _ if (32..=126).contains(&b) || (160..=255).contains(&b) => {
                        content.push(b as u8)
                    }
                    _ => content.push(b'?'),
                }
            }
            content.extend_from_slice(b") Tj T*\n");
        }
        content.extend_from_slice(b"ET");
        objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>", 5 + i * 2).into_bytes());
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(&content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
