//! The handover file for the debt-arrangement organisation: the document checklist (received /
//! checked / not applicable / missing per item) and the exit criteria, as JSON or a PDF.

use crate::api::plans::{find_visible_plan, language_of};
use crate::auth::AuthUser;
use crate::db::{self, plans};
use crate::domain::gate::Criterion;
use crate::domain::kinds::Language;
use crate::domain::kinds::{Evidence, HandoverState};
use crate::domain::policy::CASEWORKERS;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use crate::wire::steps::{pick, progress_of};
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
                evidence: crate::wire::types::parse_or(&s.evidence, Evidence::Document),
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
        return crate::api::documents::handover_archive(&state, plan_id, lang, pdf(&body, lang)?)
            .await;
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
            .body(pdf(&body, lang)?));
    }
    Ok(HttpResponse::Ok().json(body))
}

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`): covers Latin,
/// Greek, Cyrillic, Arabic and more, so names and titles print as typed ("2–3", "€", "ş", "ł").
static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in PDF points, and the layout on it.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const LINE: f32 = 15.0;
/// Where the title of a checklist item starts (the state is in the column before it).
const ITEM_X: f32 = MARGIN + 110.0;
/// Characters per line of 10 pt text in the item column: DejaVu Sans averages well under
/// 0.6 em per character, so this stays inside the margin. The shaper is krilla's; it offers no
/// width measurement, and a checklist needs no justified text.
const ITEM_CHARS: usize = 68;
const TEXT_CHARS: usize = 86;

/// One line of the laid-out document.
struct Line {
    x: f32,
    size: f32,
    bold: bool,
    text: String,
    /// Extra space before the line (section breaks).
    gap: f32,
}

impl Line {
    fn new(x: f32, size: f32, bold: bool, text: impl Into<String>) -> Self {
        Self {
            x,
            size,
            bold,
            text: text.into(),
            gap: 0.0,
        }
    }

    fn after_gap(mut self, gap: f32) -> Self {
        self.gap = gap;
        self
    }
}

/// Splits text into lines of at most `max` characters at spaces (a longer word is cut).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > max {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            lines.push(word.drain(..max).collect());
        }
        let word: String = word.into_iter().collect();
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if !current.is_empty() && needed > max {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// How a checklist state reads in the PDF.
fn state_label(state: &str, lang: Language) -> &'static str {
    match (state, lang) {
        ("checked", Language::Nl) => "gecontroleerd",
        ("checked", Language::En) => "checked",
        ("received", Language::Nl) => "ontvangen",
        ("received", Language::En) => "received",
        ("not_applicable", Language::Nl) => "n.v.t.",
        ("not_applicable", Language::En) => "not applicable",
        (_, Language::Nl) => "ontbreekt",
        (_, Language::En) => "missing",
    }
}

fn evidence_label(evidence: &str, lang: Language) -> &'static str {
    match (evidence, lang) {
        ("photo", Language::Nl) => "foto",
        ("photo", Language::En) => "photo",
        ("document", Language::Nl) => "document",
        ("document", Language::En) => "document",
        (_, Language::Nl) => "controle door de klantmanager",
        (_, Language::En) => "check by the caseworker",
    }
}

/// The lines of the handover document, before pagination.
fn layout(h: &HandoverResponse, lang: Language) -> Vec<Line> {
    let nl = lang == Language::Nl;
    let mut lines = vec![
        Line::new(
            MARGIN,
            16.0,
            true,
            if nl {
                "Overdracht stabilisatiefase"
            } else {
                "Handover of the stabilisation phase"
            },
        ),
        Line::new(MARGIN, 10.0, false, format!("Plan {}", h.plan_id)).after_gap(4.0),
        Line::new(
            MARGIN,
            10.0,
            true,
            match (nl, h.ready_for_arrangement) {
                (true, true) => "Klaar voor de schuldregeling: ja",
                (true, false) => "Klaar voor de schuldregeling: nog niet",
                (false, true) => "Ready for the debt arrangement: yes",
                (false, false) => "Ready for the debt arrangement: not yet",
            },
        ),
        Line::new(
            MARGIN,
            12.0,
            true,
            if nl { "Criteria" } else { "Exit criteria" },
        )
        .after_gap(12.0),
    ];
    for c in &h.criteria {
        let mark = if c.met { "[x]" } else { "[ ]" };
        for (i, part) in wrap(&format!("{} {}", c.code, c.name), ITEM_CHARS)
            .into_iter()
            .enumerate()
        {
            let text = if i == 0 {
                format!("{mark} {part}")
            } else {
                part
            };
            let x = if i == 0 { MARGIN } else { MARGIN + 22.0 };
            lines.push(Line::new(x, 10.0, false, text));
        }
    }
    lines.push(
        Line::new(
            MARGIN,
            12.0,
            true,
            if nl { "Documenten" } else { "Documents" },
        )
        .after_gap(12.0),
    );
    if h.items.is_empty() {
        lines.push(Line::new(
            MARGIN,
            10.0,
            false,
            if nl {
                "Geen stappen vragen om een document."
            } else {
                "No step asks for a document."
            },
        ));
    }
    for item in &h.items {
        let title = format!(
            "{} ({})",
            item.title,
            evidence_label(item.evidence.as_str(), lang)
        );
        for (i, part) in wrap(&title, ITEM_CHARS).into_iter().enumerate() {
            if i == 0 {
                // The state goes first, on the same baseline, so the line reads "state title".
                lines.push(Line::new(
                    MARGIN,
                    10.0,
                    true,
                    state_label(item.state.as_str(), lang),
                ));
                lines.push(Line::new(ITEM_X, 10.0, false, part).after_gap(-LINE));
            } else {
                lines.push(Line::new(ITEM_X, 10.0, false, part));
            }
        }
    }
    for l in &mut lines {
        // Headings and plain lines outside the item column wrap at the text width.
        if l.x == MARGIN && l.text.chars().count() > TEXT_CHARS {
            l.text = wrap(&l.text, TEXT_CHARS).join(" ");
        }
    }
    lines
}

/// The handover checklist as an A4 PDF with the embedded font (subset by krilla).
fn pdf(h: &HandoverResponse, lang: Language) -> ApiResult<Vec<u8>> {
    use krilla::Document;
    use krilla::geom::Point;
    use krilla::metadata::Metadata;
    use krilla::page::PageSettings;
    use krilla::text::{Font, TextDirection};

    let font = |bytes: &'static [u8]| {
        Font::new(bytes.into(), 0)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("embedded PDF font does not load")))
    };
    let (regular, bold) = (font(FONT_REGULAR)?, font(FONT_BOLD)?);
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("invalid PDF page size")))?;

    // Paginate first, so every page can say "page n of m".
    let bottom = PAGE_H - MARGIN - 2.0 * LINE;
    let mut pages: Vec<Vec<(f32, Line)>> = vec![Vec::new()];
    let mut y = MARGIN + LINE;
    for line in layout(h, lang) {
        let next = y + line.gap;
        let (y_line, fresh) = if next > bottom && line.gap >= 0.0 {
            (MARGIN + LINE, true)
        } else {
            (next, false)
        };
        if fresh {
            pages.push(Vec::new());
        }
        if let Some(page) = pages.last_mut() {
            page.push((y_line, line));
        }
        y = y_line + LINE;
    }

    let mut document = Document::new();
    let total = pages.len();
    for (n, page_lines) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for (y, line) in page_lines {
            let f = if line.bold {
                bold.clone()
            } else {
                regular.clone()
            };
            surface.draw_text(
                Point::from_xy(line.x, y),
                f,
                line.size,
                &line.text,
                false,
                TextDirection::Auto,
            );
        }
        let footer = match lang {
            Language::Nl => format!("Stap voor Stap · pagina {} van {total}", n + 1),
            Language::En => format!("Stap voor Stap · page {} of {total}", n + 1),
        };
        surface.draw_text(
            Point::from_xy(MARGIN, PAGE_H - MARGIN),
            regular.clone(),
            8.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(match lang {
                Language::Nl => "Overdracht stabilisatiefase".to_owned(),
                Language::En => "Handover of the stabilisation phase".to_owned(),
            })
            .language(lang.as_str().to_owned())
            .creator("Stap voor Stap".to_owned()),
    );
    document
        .finish()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("PDF could not be written: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text =
            "Vraag 2–3 maanden bijzondere bijstand aan voor de huur van € 120 bij Ayşe en Łukasz";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("", 10), vec![String::new()]);
        assert_eq!(wrap("abcdefghij klm", 4), vec!["abcd", "efgh", "ij", "klm"]);
    }
}
