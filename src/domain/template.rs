//! Action-list templates: the versioned catalogue of steps a plan is built from.
//!
//! A template is plain data. The shipped default lives in `templates/stabilisatie-v1.toml` and is
//! compiled into the binary ([`DEFAULT_TEMPLATE_TOML`], [`default_template`]). Admins can upload
//! their own (for example a per-municipality override) as TOML ([`Template::from_toml`]) or JSON
//! ([`Template::from_json`]); both end in the same [`Template::validate`], which does not depend
//! on the text format.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::kinds::{Evidence, Language, OwnerRole, Priority};

/// The shipped default stabilisation template, as TOML text.
pub const DEFAULT_TEMPLATE_TOML: &str = include_str!("../../templates/stabilisatie-v1.toml");

/// The exit criteria (milestone gates) an item may count towards; see DOMAIN.md, E1–E8.
pub const GATES: [&str; 8] = ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"];

/// Fewest items a custom template may have.
pub const MIN_ITEMS: usize = 1;
/// Most items a custom template may have.
pub const MAX_ITEMS: usize = 200;
/// Fewest items the shipped default template has (a realistic, complete list).
pub const DEFAULT_MIN_ITEMS: usize = 40;
/// Most items the shipped default template has (more would no longer be dosed sensibly).
pub const DEFAULT_MAX_ITEMS: usize = 60;
/// Longest allowed key (template, category, condition or item), in characters.
pub const MAX_KEY_LEN: usize = 64;
/// Longest allowed item title, in characters, per language.
pub const MAX_TITLE_CHARS: usize = 80;
/// Smallest allowed effort estimate, in minutes.
pub const MIN_MINUTES: i32 = 1;
/// Largest allowed effort estimate, in minutes (one working day).
pub const MAX_MINUTES: i32 = 480;

/// A text in both product languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// Dutch text (B1 plain language, addressing the resident with "je").
    pub nl: String,
    /// English text.
    pub en: String,
}

impl Localized {
    /// The text in the given language.
    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::Nl => &self.nl,
            Language::En => &self.en,
        }
    }
}

/// The usual length of the phase when a template does not say: 13 weeks.
pub const DEFAULT_USUAL_WEEKS: u32 = 13;

fn default_usual_weeks() -> u32 {
    DEFAULT_USUAL_WEEKS
}

/// A versioned action-list template: categories, intake conditions and items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Stable key of the template, e.g. `stabilisatie` (characters `a-z`, `0-9`, `_`, `.`, `-`).
    pub key: String,
    /// Version of the template (1 or higher); a changed list gets a new version.
    pub version: i32,
    /// Display name.
    pub name: Localized,
    /// What the template is for.
    pub description: Localized,
    /// How long this phase usually takes, in weeks (1–104; default 13, about three months as
    /// NVVK and GKB advise). Residents see it in "what happens next"; a municipality sets its
    /// own in its template.
    #[serde(default = "default_usual_weeks")]
    #[schema(minimum = 1, maximum = 104, default = 13, example = 13)]
    pub usual_weeks: u32,
    /// Categories the items are grouped in, each with its display order.
    pub categories: Vec<CategoryDef>,
    /// Intake questions; items refer to them in `conditions`.
    pub conditions: Vec<ConditionDef>,
    /// The steps, in template order.
    pub items: Vec<ItemDef>,
}

/// A category of items, e.g. `spoed` (urgent) or `papieren` (documents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// Stable key of the category, e.g. `spoed`.
    pub key: String,
    /// Display and dosing order (unique within the template; lower comes first).
    pub order: i32,
    /// Display name.
    pub name: Localized,
}

/// An intake answer that decides whether conditional items apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionDef {
    /// Stable key of the condition, e.g. `rent_arrears`.
    pub key: String,
    /// The yes/no question the caseworker asks in the intake conversation.
    pub question: Localized,
}

/// One step of the action list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    /// Stable key, e.g. `spoed.ontruiming`: lowercase `[a-z0-9_]` segments joined by dots.
    pub key: String,
    /// Key of the category the item belongs to.
    pub category: String,
    /// Imperative title in plain language (at most 80 characters).
    pub title: Localized,
    /// One line on why this step matters on the way to stability.
    pub why: Localized,
    /// Short how-to of one to three sentences.
    pub description: Localized,
    /// Estimated effort in minutes (1–480).
    pub minutes: i32,
    /// Who does the step by default.
    pub owner: OwnerRole,
    /// Urgency: `P0` crisis (always first), `P1` soon, `P2` normal.
    pub priority: Priority,
    /// Intake conditions; the item applies when ANY is true. Empty: the item always applies.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// What proof completing the step expects.
    pub evidence: Evidence,
    /// Item keys that must all be done (or not applicable) before this item is ready.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Source keys behind the item (see DOMAIN.md), e.g. `VL; ALM`.
    pub source: String,
    /// Exit criteria (`E1`–`E8`) this item counts towards.
    #[serde(default)]
    pub gate: Vec<String>,
    /// The step is normally completed in the first conversation itself (counts as progress from
    /// the start).
    #[serde(default)]
    pub intake_done: bool,
}

/// Why a template was rejected. Every variant names the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The text is not a well-formed template in the given format.
    #[error("template is not valid {format}: {message}")]
    Parse {
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's message, with the position where it could tell.
        message: String,
    },
    /// The template key is empty, too long or has characters outside `a-z 0-9 _ . -`.
    #[error("template key {0:?} is invalid: use 1–64 characters from a-z, 0-9, '_', '.' and '-'")]
    InvalidTemplateKey(String),
    /// The version is below 1.
    #[error("template version must be 1 or higher, not {0}")]
    InvalidVersion(i32),
    /// The usual duration is out of bounds.
    #[error("usual_weeks must be between 1 and 104, not {0}")]
    InvalidUsualWeeks(u32),
    /// Too few or too many items.
    #[error("template has {count} items; it must have between {min} and {max}")]
    ItemCount {
        /// Number of items found.
        count: usize,
        /// Fewest allowed.
        min: usize,
        /// Most allowed.
        max: usize,
    },
    /// A category or condition key does not have the `[a-z0-9_]+` form.
    #[error("{kind} key {key:?} is invalid: use 1–64 characters from a-z, 0-9 and '_'")]
    InvalidKey {
        /// `category` or `condition`.
        kind: &'static str,
        /// The offending key.
        key: String,
    },
    /// Two categories share a key.
    #[error("category key {0:?} is used more than once")]
    DuplicateCategory(String),
    /// Two categories share an order.
    #[error("category {key:?} has order {order}, which another category already has")]
    DuplicateCategoryOrder {
        /// The second category with this order.
        key: String,
        /// The shared order.
        order: i32,
    },
    /// Two conditions share a key.
    #[error("condition key {0:?} is used more than once")]
    DuplicateCondition(String),
    /// Two items share a key.
    #[error("item key {0:?} is used more than once")]
    DuplicateItem(String),
    /// An item key does not have the `segment(.segment)*` form.
    #[error(
        "item key {0:?} is invalid: use lowercase segments of a-z, 0-9 and '_' joined by '.', \
         at most 64 characters"
    )]
    InvalidItemKey(String),
    /// An item names a category the template does not define.
    #[error("item {item:?} has unknown category {category:?}")]
    UnknownCategory {
        /// The item.
        item: String,
        /// The category it names.
        category: String,
    },
    /// An item names a condition the template does not define.
    #[error("item {item:?} has unknown condition {condition:?}")]
    UnknownCondition {
        /// The item.
        item: String,
        /// The condition it names.
        condition: String,
    },
    /// An item names a gate other than `E1`–`E8`.
    #[error("item {item:?} has gate {gate:?}; allowed are E1 to E8")]
    InvalidGate {
        /// The item.
        item: String,
        /// The gate it names.
        gate: String,
    },
    /// An item depends on a key that is not an item of the template.
    #[error("item {item:?} depends on unknown item {dependency:?}")]
    UnknownDependency {
        /// The item.
        item: String,
        /// The missing dependency.
        dependency: String,
    },
    /// An item depends on itself.
    #[error("item {0:?} depends on itself")]
    SelfDependency(String),
    /// The dependencies form a cycle; the key is one item on it.
    #[error("item {0:?} is part of a dependency cycle")]
    DependencyCycle(String),
    /// A text is empty (or only white space) in one language.
    #[error("{place} {key:?}: the {lang} {field} is empty")]
    EmptyText {
        /// `template`, `category`, `condition` or `item`.
        place: &'static str,
        /// Key of the template, category, condition or item.
        key: String,
        /// The field: `name`, `description`, `question`, `title` or `why`.
        field: &'static str,
        /// The language that is missing.
        lang: Language,
    },
    /// An item title is longer than 80 characters.
    #[error("item {item:?}: the {lang} title has {chars} characters; at most 80 are allowed")]
    TitleTooLong {
        /// The item.
        item: String,
        /// The language of the long title.
        lang: Language,
        /// Its length in characters.
        chars: usize,
    },
    /// An item's minutes are outside 1–480.
    #[error("item {item:?} has {minutes} minutes; it must be between 1 and 480")]
    InvalidMinutes {
        /// The item.
        item: String,
        /// The given estimate.
        minutes: i32,
    },
    /// A category has no items (checked for the shipped default only).
    #[error("category {0:?} has no items")]
    EmptyCategory(String),
}

/// The shipped default template, parsed and validated (cached after the first call).
///
/// # Panics
///
/// Panics if the compiled-in `templates/stabilisatie-v1.toml` is invalid. That file is shipped
/// data, fixed at build time, and the unit tests of this module prove that it parses and
/// validates, so a panic here can only come from a broken build, never from user input.
pub fn default_template() -> Template {
    static PARSED: LazyLock<Template> = LazyLock::new(|| {
        Template::from_toml(DEFAULT_TEMPLATE_TOML)
            .and_then(|t| t.validate_default_shape().map(|()| t))
            .expect("the shipped templates/stabilisatie-v1.toml is a valid template")
    });
    PARSED.clone()
}

impl Template {
    /// Parses a template from TOML and validates it.
    pub fn from_toml(s: &str) -> Result<Template, TemplateError> {
        let template: Template = toml::from_str(s).map_err(|e| TemplateError::Parse {
            format: "TOML",
            message: e.to_string().trim_end().to_owned(),
        })?;
        template.validate()?;
        Ok(template)
    }

    /// Parses a template from JSON (same fields as the TOML file) and validates it.
    pub fn from_json(s: &str) -> Result<Template, TemplateError> {
        let template: Template = serde_json::from_str(s).map_err(|e| TemplateError::Parse {
            format: "JSON",
            message: e.to_string(),
        })?;
        template.validate()?;
        Ok(template)
    }

    /// Checks the template's internal consistency; the first problem found is returned.
    ///
    /// Checks: key and version; 1–200 items; unique, well-formed category, condition and item
    /// keys; unique category orders; known categories, conditions and gates; dependencies that
    /// exist, are not the item itself and form no cycle; non-empty Dutch and English texts;
    /// titles of at most 80 characters; minutes between 1 and 480.
    pub fn validate(&self) -> Result<(), TemplateError> {
        if !is_valid_template_key(&self.key) {
            return Err(TemplateError::InvalidTemplateKey(self.key.clone()));
        }
        if self.version < 1 {
            return Err(TemplateError::InvalidVersion(self.version));
        }
        if !(1..=104).contains(&self.usual_weeks) {
            return Err(TemplateError::InvalidUsualWeeks(self.usual_weeks));
        }
        check_text("template", &self.key, "name", &self.name)?;
        check_text("template", &self.key, "description", &self.description)?;
        check_count(self.items.len(), MIN_ITEMS, MAX_ITEMS)?;

        let mut categories = HashSet::new();
        let mut orders = HashSet::new();
        for category in &self.categories {
            if !is_valid_segment_key(&category.key) {
                return Err(TemplateError::InvalidKey {
                    kind: "category",
                    key: category.key.clone(),
                });
            }
            if !categories.insert(category.key.as_str()) {
                return Err(TemplateError::DuplicateCategory(category.key.clone()));
            }
            if !orders.insert(category.order) {
                return Err(TemplateError::DuplicateCategoryOrder {
                    key: category.key.clone(),
                    order: category.order,
                });
            }
            check_text("category", &category.key, "name", &category.name)?;
        }

        let mut conditions = HashSet::new();
        for condition in &self.conditions {
            if !is_valid_segment_key(&condition.key) {
                return Err(TemplateError::InvalidKey {
                    kind: "condition",
                    key: condition.key.clone(),
                });
            }
            if !conditions.insert(condition.key.as_str()) {
                return Err(TemplateError::DuplicateCondition(condition.key.clone()));
            }
            check_text("condition", &condition.key, "question", &condition.question)?;
        }

        let mut items = HashSet::new();
        for item in &self.items {
            if !is_valid_item_key(&item.key) {
                return Err(TemplateError::InvalidItemKey(item.key.clone()));
            }
            if !items.insert(item.key.as_str()) {
                return Err(TemplateError::DuplicateItem(item.key.clone()));
            }
            self.check_item(item, &categories, &conditions)?;
        }

        for item in &self.items {
            for dependency in &item.depends_on {
                if *dependency == item.key {
                    return Err(TemplateError::SelfDependency(item.key.clone()));
                }
                if !items.contains(dependency.as_str()) {
                    return Err(TemplateError::UnknownDependency {
                        item: item.key.clone(),
                        dependency: dependency.clone(),
                    });
                }
            }
        }
        self.check_acyclic()
    }

    /// [`validate`](Self::validate) plus the stricter shape of the shipped default: 40–60 items
    /// and at least one item in every category.
    pub fn validate_default_shape(&self) -> Result<(), TemplateError> {
        self.validate()?;
        check_count(self.items.len(), DEFAULT_MIN_ITEMS, DEFAULT_MAX_ITEMS)?;
        for category in &self.categories {
            if !self.items.iter().any(|i| i.category == category.key) {
                return Err(TemplateError::EmptyCategory(category.key.clone()));
            }
        }
        Ok(())
    }

    /// The item with this key, if any.
    pub fn item(&self, key: &str) -> Option<&ItemDef> {
        self.items.iter().find(|i| i.key == key)
    }

    /// The display order of the category with this key, if any.
    pub fn category_order(&self, key: &str) -> Option<i32> {
        self.categories
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.order)
    }

    /// Per-item checks that need only the category and condition keys.
    fn check_item(
        &self,
        item: &ItemDef,
        categories: &HashSet<&str>,
        conditions: &HashSet<&str>,
    ) -> Result<(), TemplateError> {
        if !categories.contains(item.category.as_str()) {
            return Err(TemplateError::UnknownCategory {
                item: item.key.clone(),
                category: item.category.clone(),
            });
        }
        if let Some(condition) = item
            .conditions
            .iter()
            .find(|c| !conditions.contains(c.as_str()))
        {
            return Err(TemplateError::UnknownCondition {
                item: item.key.clone(),
                condition: condition.clone(),
            });
        }
        if let Some(gate) = item.gate.iter().find(|g| !GATES.contains(&g.as_str())) {
            return Err(TemplateError::InvalidGate {
                item: item.key.clone(),
                gate: gate.clone(),
            });
        }
        if !(MIN_MINUTES..=MAX_MINUTES).contains(&item.minutes) {
            return Err(TemplateError::InvalidMinutes {
                item: item.key.clone(),
                minutes: item.minutes,
            });
        }
        check_text("item", &item.key, "title", &item.title)?;
        check_text("item", &item.key, "why", &item.why)?;
        check_text("item", &item.key, "description", &item.description)?;
        for lang in Language::ALL {
            let chars = item.title.get(*lang).chars().count();
            if chars > MAX_TITLE_CHARS {
                return Err(TemplateError::TitleTooLong {
                    item: item.key.clone(),
                    lang: *lang,
                    chars,
                });
            }
        }
        Ok(())
    }

    /// Depth-first search over `depends_on`; expects every dependency to exist.
    fn check_acyclic(&self) -> Result<(), TemplateError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Finished,
        }
        let index: HashMap<&str, usize> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.key.as_str(), i))
            .collect();
        let deps: Vec<Vec<usize>> = self
            .items
            .iter()
            .map(|item| {
                item.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        let mut marks = vec![Mark::New; self.items.len()];
        for root in 0..self.items.len() {
            if marks[root] != Mark::New {
                continue;
            }
            // Stack of (node, index of the next dependency to visit).
            let mut stack = vec![(root, 0usize)];
            marks[root] = Mark::Active;
            while let Some(top) = stack.last_mut() {
                let (node, next) = *top;
                if let Some(&dep) = deps[node].get(next) {
                    top.1 += 1;
                    match marks[dep] {
                        Mark::Active => {
                            return Err(TemplateError::DependencyCycle(
                                self.items[dep].key.clone(),
                            ));
                        }
                        Mark::New => {
                            marks[dep] = Mark::Active;
                            stack.push((dep, 0));
                        }
                        Mark::Finished => {}
                    }
                } else {
                    marks[node] = Mark::Finished;
                    stack.pop();
                }
            }
        }
        Ok(())
    }
}

/// Both languages must have text that is not only white space.
fn check_text(
    place: &'static str,
    key: &str,
    field: &'static str,
    text: &Localized,
) -> Result<(), TemplateError> {
    for lang in Language::ALL {
        if text.get(*lang).trim().is_empty() {
            return Err(TemplateError::EmptyText {
                place,
                key: key.to_owned(),
                field,
                lang: *lang,
            });
        }
    }
    Ok(())
}

fn check_count(count: usize, min: usize, max: usize) -> Result<(), TemplateError> {
    if (min..=max).contains(&count) {
        Ok(())
    } else {
        Err(TemplateError::ItemCount { count, min, max })
    }
}

/// `[a-z0-9_.-]{1,64}`.
fn is_valid_template_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-'))
}

/// `[a-z0-9_]{1,64}`.
fn is_valid_segment_key(key: &str) -> bool {
    key.len() <= MAX_KEY_LEN && is_segment(key)
}

/// `[a-z0-9_]+(\.[a-z0-9_]+)*`, at most 64 characters.
fn is_valid_item_key(key: &str) -> bool {
    key.len() <= MAX_KEY_LEN && key.split('.').all(is_segment)
}

fn is_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_usual_duration_defaults_to_13_weeks_and_is_bounded() {
        let t = Template::from_toml(DEFAULT_TEMPLATE_TOML).unwrap();
        assert_eq!(t.usual_weeks, 13);
        let mut json: serde_json::Value = serde_json::to_value(&t).unwrap();
        json.as_object_mut().unwrap().remove("usual_weeks");
        let older = Template::from_json(&json.to_string()).unwrap();
        assert_eq!(
            older.usual_weeks, DEFAULT_USUAL_WEEKS,
            "stored templates without it"
        );
        json["usual_weeks"] = 0.into();
        assert_eq!(
            Template::from_json(&json.to_string()),
            Err(TemplateError::InvalidUsualWeeks(0))
        );
        json["usual_weeks"] = 26.into();
        assert_eq!(
            Template::from_json(&json.to_string()).unwrap().usual_weeks,
            26
        );
    }

    use super::*;

    /// The keys of DOMAIN.md's reference list, in its order.
    const REFERENCE_KEYS: [&str; 60] = [
        "start.driegesprek",
        "start.toestemming",
        "start.contact",
        "start.postplek",
        "start.post_openen",
        "start.digid",
        "start.id",
        "spoed.ontruiming",
        "spoed.afsluiting",
        "spoed.zorgverzekering",
        "spoed.voorziening",
        "spoed.regeling_verhuurder",
        "spoed.eerst_vaste_lasten",
        "spoed.geen_nieuwe",
        "pap.bank",
        "pap.inkomen",
        "pap.contract_beschikking",
        "pap.huur",
        "pap.polis",
        "pap.toeslagen",
        "pap.belasting",
        "pap.alimentatie",
        "pap.kinderopvang",
        "pap.auto",
        "pap.meterstanden",
        "pap.bewind",
        "ink.overzicht",
        "ink.recht",
        "ink.heffingskorting",
        "ink.teruggaaf",
        "ink.kostgeld",
        "toe.huurtoeslag",
        "toe.zorgtoeslag",
        "toe.kinderen",
        "toe.kwijtschelding",
        "toe.upas",
        "toe.bijzondere",
        "toe.collectief",
        "las.overzicht",
        "las.automatisch",
        "las.abonnementen",
        "las.energietermijn",
        "las.begroting",
        "las.budgetbeheer",
        "sch.stapel",
        "sch.lijst",
        "sch.bkr",
        "sch.cjib",
        "sch.belastingdienst",
        "sch.saldi",
        "sch.rust",
        "bes.brief",
        "bes.bvv",
        "bes.verrekening",
        "afr.op_tijd",
        "afr.verhaal",
        "afr.overzicht_tekenen",
        "afr.overeenkomst",
        "afr.controle",
        "afr.aanvraag",
    ];

    fn shipped() -> Template {
        default_template()
    }

    #[test]
    fn shipped_template_parses_and_validates() {
        let t = Template::from_toml(DEFAULT_TEMPLATE_TOML).expect("shipped template is valid");
        t.validate_default_shape()
            .expect("shipped template has the default shape");
        assert_eq!(t, shipped());
        assert_eq!(t.key, "stabilisatie");
        assert_eq!(t.version, 1);
    }

    #[test]
    fn shipped_template_follows_the_reference_list() {
        let t = shipped();
        let keys: Vec<&str> = t.items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, REFERENCE_KEYS);
        assert!((DEFAULT_MIN_ITEMS..=DEFAULT_MAX_ITEMS).contains(&t.items.len()));
    }

    #[test]
    fn shipped_template_has_nine_ordered_categories_each_with_items() {
        let t = shipped();
        assert_eq!(t.categories.len(), 9);
        let orders: Vec<i32> = t.categories.iter().map(|c| c.order).collect();
        assert_eq!(orders, (1..=9).collect::<Vec<_>>());
        for c in &t.categories {
            assert!(
                t.items.iter().any(|i| i.category == c.key),
                "category {} has no items",
                c.key
            );
        }
        // Items appear grouped by category, in category order.
        let item_orders: Vec<i32> = t
            .items
            .iter()
            .map(|i| t.category_order(&i.category).expect("known category"))
            .collect();
        assert!(item_orders.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn shipped_p0_items_are_all_urgent_category() {
        let t = shipped();
        let p0: Vec<&ItemDef> = t
            .items
            .iter()
            .filter(|i| i.priority == Priority::P0)
            .collect();
        assert!(!p0.is_empty());
        for item in p0 {
            assert_eq!(
                item.category, "spoed",
                "P0 item {} is not in spoed",
                item.key
            );
        }
    }

    #[test]
    fn shipped_items_are_mostly_small() {
        let t = shipped();
        let small = t.items.iter().filter(|i| i.minutes <= 30).count();
        assert!(
            small * 100 >= t.items.len() * 80,
            "only {small} of {} items take 30 minutes or less",
            t.items.len()
        );
    }

    #[test]
    fn shipped_texts_exist_in_both_languages_and_titles_are_short() {
        let t = shipped();
        for item in &t.items {
            for lang in Language::ALL {
                for text in [&item.title, &item.why, &item.description] {
                    assert!(!text.get(*lang).trim().is_empty(), "{} {lang}", item.key);
                }
                let words = item.title.get(*lang).split_whitespace().count();
                assert!(words < 10, "{} {lang} title has {words} words", item.key);
                assert!(
                    !item.why.get(*lang).contains('\n'),
                    "{} {lang} why must be one line",
                    item.key
                );
            }
        }
        for c in &t.conditions {
            assert!(!c.question.nl.trim().is_empty() && !c.question.en.trim().is_empty());
        }
        assert_eq!(t.name.get(Language::Nl), "Stabilisatie");
        assert_eq!(t.name.get(Language::En), "Stabilisation");
    }

    #[test]
    fn shipped_conditions_are_all_used_and_intake_steps_are_marked() {
        let t = shipped();
        for c in &t.conditions {
            assert!(
                t.items.iter().any(|i| i.conditions.contains(&c.key)),
                "condition {} is never used",
                c.key
            );
        }
        assert!(t.item("start.driegesprek").is_some_and(|i| i.intake_done));
        let voorziening = t.item("spoed.voorziening").expect("item exists");
        assert_eq!(voorziening.conditions, ["rent_arrears", "energy_arrears"]);
        assert!(voorziening.depends_on.is_empty());
        assert!(t.item("nope").is_none());
        assert_eq!(t.category_order("spoed"), Some(2));
        assert_eq!(t.category_order("nope"), None);
        // Every gate E1–E8 has at least one item.
        for gate in GATES {
            assert!(
                t.items.iter().any(|i| i.gate.iter().any(|g| g == gate)),
                "no item counts towards {gate}"
            );
        }
    }

    #[test]
    fn json_round_trip_gives_the_same_template() {
        let t = shipped();
        let json = serde_json::to_string(&t).expect("serialises");
        assert_eq!(Template::from_json(&json), Ok(t));
    }

    #[test]
    fn parse_errors_are_reported() {
        assert!(matches!(
            Template::from_toml("key = "),
            Err(TemplateError::Parse { format: "TOML", .. })
        ));
        let unknown_field = DEFAULT_TEMPLATE_TOML.replacen(
            "intake_done = true",
            "intake_done = true\ncolour = \"red\"",
            1,
        );
        assert!(matches!(
            Template::from_toml(&unknown_field),
            Err(TemplateError::Parse { format: "TOML", ref message }) if message.contains("colour")
        ));
        let bad_owner =
            DEFAULT_TEMPLATE_TOML.replacen("owner = \"together\"", "owner = \"boss\"", 1);
        assert!(matches!(
            Template::from_toml(&bad_owner),
            Err(TemplateError::Parse { .. })
        ));
        assert!(matches!(
            Template::from_json("{}"),
            Err(TemplateError::Parse { format: "JSON", .. })
        ));
    }

    type Mutation = fn(&mut Template);
    type Check = fn(&TemplateError) -> bool;

    fn key_of(t: &Template, i: usize) -> String {
        t.items[i].key.clone()
    }

    #[test]
    fn invalid_templates_are_rejected_with_the_specific_error() {
        let cases: Vec<(&str, Mutation, Check)> = vec![
            (
                "duplicate item key",
                |t| t.items[5].key = t.items[4].key.clone(),
                |e| *e == TemplateError::DuplicateItem("start.post_openen".into()),
            ),
            (
                "unknown category",
                |t| t.items[0].category = "wonen".into(),
                |e| {
                    *e == TemplateError::UnknownCategory {
                        item: "start.driegesprek".into(),
                        category: "wonen".into(),
                    }
                },
            ),
            (
                "unknown condition",
                |t| t.items[3].conditions.push("has_boat".into()),
                |e| {
                    *e == TemplateError::UnknownCondition {
                        item: "start.postplek".into(),
                        condition: "has_boat".into(),
                    }
                },
            ),
            (
                "unknown dependency",
                |t| t.items[1].depends_on.push("start.koffie".into()),
                |e| {
                    *e == TemplateError::UnknownDependency {
                        item: "start.toestemming".into(),
                        dependency: "start.koffie".into(),
                    }
                },
            ),
            (
                "self-dependency",
                |t| {
                    let own = key_of(t, 2);
                    t.items[2].depends_on.push(own);
                },
                |e| *e == TemplateError::SelfDependency("start.contact".into()),
            ),
            (
                "three-item cycle",
                |t| {
                    // a -> c -> b -> a; replacing all their dependencies leaves this the only cycle.
                    let (a, b, c) = (key_of(t, 10), key_of(t, 20), key_of(t, 30));
                    t.items[10].depends_on = vec![c];
                    t.items[20].depends_on = vec![a];
                    t.items[30].depends_on = vec![b];
                },
                |e| {
                    matches!(e, TemplateError::DependencyCycle(k)
                        if ["spoed.voorziening", "pap.belasting", "ink.kostgeld"]
                            .contains(&k.as_str()))
                },
            ),
            (
                "empty English title",
                |t| t.items[7].title.en = "  ".into(),
                |e| {
                    *e == TemplateError::EmptyText {
                        place: "item",
                        key: "spoed.ontruiming".into(),
                        field: "title",
                        lang: Language::En,
                    }
                },
            ),
            (
                "empty Dutch category name",
                |t| t.categories[2].name.nl = String::new(),
                |e| {
                    *e == TemplateError::EmptyText {
                        place: "category",
                        key: "papieren".into(),
                        field: "name",
                        lang: Language::Nl,
                    }
                },
            ),
            (
                "empty condition question",
                |t| t.conditions[0].question.en = "\n".into(),
                |e| matches!(e, TemplateError::EmptyText { place: "condition", key, .. } if key == "renter"),
            ),
            (
                "bad gate",
                |t| t.items[8].gate.push("E9".into()),
                |e| {
                    *e == TemplateError::InvalidGate {
                        item: "spoed.afsluiting".into(),
                        gate: "E9".into(),
                    }
                },
            ),
            (
                "lowercase gate",
                |t| t.items[8].gate = vec!["e1".into()],
                |e| matches!(e, TemplateError::InvalidGate { gate, .. } if gate == "e1"),
            ),
            (
                "duplicate category key",
                |t| t.categories[1].key = "start".into(),
                |e| *e == TemplateError::DuplicateCategory("start".into()),
            ),
            (
                "duplicate category order",
                |t| t.categories[8].order = 1,
                |e| {
                    *e == TemplateError::DuplicateCategoryOrder {
                        key: "afronden".into(),
                        order: 1,
                    }
                },
            ),
            (
                "duplicate condition",
                |t| t.conditions[1].key = "renter".into(),
                |e| *e == TemplateError::DuplicateCondition("renter".into()),
            ),
            (
                "bad condition key",
                |t| t.conditions[0].key = "Renter".into(),
                |e| {
                    *e == TemplateError::InvalidKey {
                        kind: "condition",
                        key: "Renter".into(),
                    }
                },
            ),
            (
                "uppercase item key",
                |t| t.items[59].key = "afr.Aanvraag".into(),
                |e| *e == TemplateError::InvalidItemKey("afr.Aanvraag".into()),
            ),
            (
                "empty key segment",
                |t| t.items[59].key = "afr..aanvraag".into(),
                |e| *e == TemplateError::InvalidItemKey("afr..aanvraag".into()),
            ),
            (
                "item key too long",
                |t| t.items[59].key = format!("afr.{}", "a".repeat(61)),
                |e| matches!(e, TemplateError::InvalidItemKey(_)),
            ),
            (
                "title too long",
                |t| t.items[0].title.nl = "a".repeat(81),
                |e| {
                    *e == TemplateError::TitleTooLong {
                        item: "start.driegesprek".into(),
                        lang: Language::Nl,
                        chars: 81,
                    }
                },
            ),
            (
                "zero minutes",
                |t| t.items[0].minutes = 0,
                |e| {
                    *e == TemplateError::InvalidMinutes {
                        item: "start.driegesprek".into(),
                        minutes: 0,
                    }
                },
            ),
            (
                "too many minutes",
                |t| t.items[0].minutes = 481,
                |e| matches!(e, TemplateError::InvalidMinutes { minutes: 481, .. }),
            ),
            (
                "bad template key",
                |t| t.key = "Stabilisatie v2".into(),
                |e| *e == TemplateError::InvalidTemplateKey("Stabilisatie v2".into()),
            ),
            (
                "empty template key",
                |t| t.key = String::new(),
                |e| *e == TemplateError::InvalidTemplateKey(String::new()),
            ),
            (
                "version zero",
                |t| t.version = 0,
                |e| *e == TemplateError::InvalidVersion(0),
            ),
            (
                "no items",
                |t| t.items.clear(),
                |e| {
                    *e == TemplateError::ItemCount {
                        count: 0,
                        min: MIN_ITEMS,
                        max: MAX_ITEMS,
                    }
                },
            ),
            (
                "too many items",
                |t| {
                    let extra: Vec<ItemDef> = (0..141)
                        .map(|n| {
                            let mut item = t.items[0].clone();
                            item.key = format!("extra.item_{n}");
                            item.depends_on.clear();
                            item
                        })
                        .collect();
                    t.items.extend(extra);
                },
                |e| {
                    *e == TemplateError::ItemCount {
                        count: 201,
                        min: MIN_ITEMS,
                        max: MAX_ITEMS,
                    }
                },
            ),
        ];
        let base = shipped();
        for (name, mutate, check) in cases {
            let mut t = base.clone();
            mutate(&mut t);
            let err = t.validate().expect_err(name);
            assert!(check(&err), "{name}: unexpected error {err:?}");
            // The message is readable and names something concrete.
            assert!(!err.to_string().is_empty(), "{name}");
        }
    }

    #[test]
    fn custom_template_may_be_small_but_default_shape_may_not() {
        let mut t = shipped();
        t.items.retain(|i| i.depends_on.is_empty());
        assert!(t.items.len() < DEFAULT_MIN_ITEMS);
        assert_eq!(t.validate(), Ok(()));
        assert!(matches!(
            t.validate_default_shape(),
            Err(TemplateError::ItemCount {
                min: DEFAULT_MIN_ITEMS,
                ..
            }) | Err(TemplateError::EmptyCategory(_))
        ));
        let mut t = shipped();
        t.categories.push(CategoryDef {
            key: "extra".into(),
            order: 10,
            name: Localized {
                nl: "Extra".into(),
                en: "Extra".into(),
            },
        });
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(
            t.validate_default_shape(),
            Err(TemplateError::EmptyCategory("extra".into()))
        );
    }

    #[test]
    fn dependencies_on_conditional_items_and_long_chains_are_fine() {
        // spoed.regeling_verhuurder depends on a conditional item; a chain is not a cycle.
        let t = shipped();
        assert_eq!(
            t.item("spoed.regeling_verhuurder")
                .map(|i| i.depends_on.clone()),
            Some(vec!["spoed.ontruiming".to_owned()])
        );
        let mut chain = t.clone();
        for i in 1..chain.items.len() {
            let prev = chain.items[i - 1].key.clone();
            chain.items[i].depends_on = vec![prev];
        }
        assert_eq!(chain.validate(), Ok(()));
        let first = chain.items[0].key.clone();
        let last = chain.items[59].key.clone();
        chain.items[0].depends_on = vec![last];
        assert_eq!(chain.validate(), Err(TemplateError::DependencyCycle(first)));
    }

    #[test]
    fn error_messages_are_readable() {
        let e = TemplateError::UnknownDependency {
            item: "a.b".into(),
            dependency: "c.d".into(),
        };
        assert_eq!(
            e.to_string(),
            "item \"a.b\" depends on unknown item \"c.d\""
        );
        let e = TemplateError::EmptyText {
            place: "item",
            key: "a.b".into(),
            field: "title",
            lang: Language::En,
        };
        assert_eq!(e.to_string(), "item \"a.b\": the en title is empty");
    }
}
