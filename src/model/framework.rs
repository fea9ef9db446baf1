//! Frameworks and their controls.

use super::{CheckId, ControlId, FrameworkId, Origin, RiskId};

/// A control set such as SOC 2 or ISO/IEC 27001:2022 Annex A.
#[derive(Debug, Clone)]
pub struct Framework {
    pub id: FrameworkId,
    pub name: String,
    pub version: String,
    pub publisher: String,
    pub notes: String,
    /// Named subsets a project may select (`nist-800-53@moderate`).
    pub baselines: Vec<String>,
    /// Controls in the order the framework file lists them.
    pub controls: Vec<Control>,
    pub origin: Origin,
}

/// One requirement of a framework, evidenced by checks and mitigating risks.
#[derive(Debug, Clone)]
pub struct Control {
    pub id: ControlId,
    pub title: String,
    /// Checks that show the control operating; empty means a manual control.
    pub checks: Vec<CheckId>,
    pub mitigates: Vec<Mitigation>,
    /// How the control works against a risk, in Open FAIR's terms.
    pub function: Function,
    /// Controls of one overlap group are one safeguard: a risk counts the strongest.
    pub overlap: Option<String>,
    /// The baselines that include this control.
    pub baselines: Vec<String>,
    pub origin: Origin,
}

impl Control {
    pub fn is_manual(&self) -> bool {
        self.checks.is_empty()
    }
}

/// A framework as a project selects it: whole, or one of its baselines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub framework: FrameworkId,
    pub baseline: Option<String>,
}

impl Selection {
    /// Parses `id` or `id@baseline`.
    pub fn parse(text: &str) -> Self {
        match text.split_once('@') {
            Some((id, baseline)) => Self {
                framework: FrameworkId::new(id),
                baseline: Some(baseline.to_owned()),
            },
            None => Self {
                framework: FrameworkId::new(text),
                baseline: None,
            },
        }
    }

    /// Whether the selection includes this control.
    pub fn includes(&self, control: &Control) -> bool {
        self.baseline
            .as_ref()
            .is_none_or(|b| control.baselines.contains(b))
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.baseline {
            Some(b) => write!(f, "{}@{b}", self.framework),
            None => write!(f, "{}", self.framework),
        }
    }
}

/// What a control does against a risk (Open FAIR's control analytics): the
/// first three make events rarer, the last two make each event cost less.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Function {
    /// Keeps the threat from contact with the asset.
    Avoid,
    /// Discourages the threat from acting.
    Deter,
    /// Makes an attempt fail.
    #[default]
    Resist,
    /// Notices an event, so it is contained sooner.
    Detect,
    /// Limits the loss once an event happens.
    Respond,
}

impl Function {
    pub const NAMES: &'static str = "avoid, deter, resist, detect, respond";

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "avoid" => Some(Self::Avoid),
            "deter" => Some(Self::Deter),
            "resist" => Some(Self::Resist),
            "detect" => Some(Self::Detect),
            "respond" => Some(Self::Respond),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Avoid => "avoid",
            Self::Deter => "deter",
            Self::Resist => "resist",
            Self::Detect => "detect",
            Self::Respond => "respond",
        }
    }

    /// Whether the control reduces how often the risk happens (else how much each event costs).
    pub fn reduces_frequency(self) -> bool {
        matches!(self, Self::Avoid | Self::Deter | Self::Resist)
    }
}

/// How strongly a control reduces one risk when it operates.
#[derive(Debug, Clone, PartialEq)]
pub struct Mitigation {
    pub risk: RiskId,
    /// Fraction of the risk removed, in `0..=1`.
    pub effect: f64,
}

/// A control together with the framework it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct ControlRef<'a> {
    pub framework: &'a Framework,
    pub control: &'a Control,
}

impl ControlRef<'_> {
    /// `framework:control`, unique across frameworks.
    pub fn qualified_id(&self) -> String {
        format!("{}:{}", self.framework.id, self.control.id)
    }
}
