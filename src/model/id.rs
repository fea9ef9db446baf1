//! Identifier newtypes, so a check id can never be passed where a risk id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A check id such as `repo.secrets.aws-access-key`.
    CheckId
);
id_type!(
    /// A framework id such as `soc2`.
    FrameworkId
);
id_type!(
    /// A control id within its framework, such as `CC6.1`.
    ControlId
);
id_type!(
    /// A risk id such as `cloud-credential-leak`.
    RiskId
);

/// Rules for the shape of ids, checked by the loader.
pub(crate) mod shape {
    /// Check, framework and risk ids: lower-case ASCII words joined by `.`, `-` or `_`.
    pub fn is_slug(id: &str) -> bool {
        let mut chars = id.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
            && chars.all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
            })
    }

    /// Control ids follow their framework (`CC6.1`, `A.5.15`): printable, no spaces or `:`.
    pub fn is_control_id(id: &str) -> bool {
        !id.is_empty() && id.chars().all(|c| c.is_ascii_graphic() && c != ':')
    }
}

#[cfg(test)]
mod tests {
    use super::shape::*;

    #[test]
    fn slugs() {
        assert!(is_slug("repo.secrets.aws-access-key"));
        assert!(is_slug("soc2"));
        assert!(!is_slug("Repo"));
        assert!(!is_slug(""));
        assert!(!is_slug("-x"));
        assert!(!is_slug("a b"));
    }

    #[test]
    fn control_ids() {
        assert!(is_control_id("CC6.1"));
        assert!(is_control_id("A.5.15"));
        assert!(!is_control_id("A 5"));
        assert!(!is_control_id("soc2:CC6.1"));
    }
}
