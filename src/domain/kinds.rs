//! Small closed vocabularies shared by templates, plans, steps and the API.
//!
//! Each enum is stored as its `snake_case` text in the database and spoken as the same text in
//! JSON, so the database, the API and the template file all use one spelling.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// Declares a text-backed enum with `as_str`, `FromStr`, `Display` and the list of all values.
///
/// The serde spelling comes from `rename_all` written literally here (derive macros do not see
/// through macro fragments), and a unit test checks it equals `as_str` for every value.
macro_rules! text_enum {
    (@define [$($derive_rename:tt)*] $(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        $($derive_rename)*
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and serialised spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    (UPPERCASE $($rest:tt)*) => {
        text_enum!(@define [#[serde(rename_all = "UPPERCASE")]] $($rest)*);
    };
    ($($rest:tt)*) => {
        text_enum!(@define [#[serde(rename_all = "snake_case")]] $($rest)*);
    };
}

/// A stored or supplied text that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

text_enum! {
    UPPERCASE
    /// Urgency of a step. `P0` is a crisis (eviction, disconnection, cancelled insurance) and
    /// always comes first; `P1` soon; `P2` normal. Ordering: P0 < P1 < P2 (most urgent first).
    Priority { P0 => "P0", P1 => "P1", P2 => "P2" }
}

text_enum! {
    /// Who does a template item by default.
    OwnerRole {
        /// The resident (inwoner), possibly with a volunteer's help.
        Resident => "resident",
        /// A professional: generalist or specialist caseworker.
        Professional => "professional",
        /// A volunteer or expert by experience.
        Volunteer => "volunteer",
        /// Resident and professional together (e.g. in a conversation); owned by the professional.
        Together => "together",
    }
}

text_enum! {
    /// What proof a step expects when it is completed.
    Evidence {
        None => "none",
        Photo => "photo",
        Document => "document",
        CaseworkerCheck => "caseworker_check",
    }
}

text_enum! {
    /// Life cycle of a step: `planned` → `open` (issued) → `done` → `verified`;
    /// or `skipped` (not applicable, "n.v.t.") / `cancelled`.
    StepStatus {
        Planned => "planned",
        Open => "open",
        Done => "done",
        Verified => "verified",
        Skipped => "skipped",
        Cancelled => "cancelled",
    }
}

impl StepStatus {
    /// A dependency in this state no longer blocks the steps that wait for it.
    pub fn releases_dependents(self) -> bool {
        matches!(
            self,
            StepStatus::Done | StepStatus::Verified | StepStatus::Skipped | StepStatus::Cancelled
        )
    }

    /// The step was carried out (counts as progress).
    pub fn is_completed(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Verified)
    }
}

text_enum! {
    /// Who a concrete step in a plan belongs to.
    OwnerType {
        Resident => "resident",
        Staff => "staff",
        Volunteer => "volunteer",
    }
}

text_enum! {
    /// Status of a resident's plan (trajectory).
    PlanStatus {
        Active => "active",
        Paused => "paused",
        Stabilised => "stabilised",
        DroppedOut => "dropped_out",
        Closed => "closed",
    }
}

text_enum! {
    /// Language of texts a person reads.
    Language { Nl => "nl", En => "en" }
}

text_enum! {
    /// The five roles of the service.
    Role {
        Resident => "resident",
        Caseworker => "caseworker",
        Volunteer => "volunteer",
        Admin => "admin",
        Researcher => "researcher",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + FromStr + fmt::Display,
        <T as FromStr>::Err: std::fmt::Debug,
    {
        for v in all {
            let text = v.to_string();
            assert_eq!(text.parse::<T>().ok(), Some(*v));
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{text}\""));
        }
    }

    #[test]
    fn text_round_trips_for_every_value() {
        check(Priority::ALL);
        check(OwnerRole::ALL);
        check(Evidence::ALL);
        check(StepStatus::ALL);
        check(OwnerType::ALL);
        check(PlanStatus::ALL);
        check(Language::ALL);
        check(Role::ALL);
        assert!("P3".parse::<Priority>().is_err());
        assert!(Priority::P0 < Priority::P2);
    }
}
