//! The simulated Vobiz's settings (see [`crate::SimConfig::vobiz`]).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How the simulated Vobiz answers where its docs disagree or are silent.
#[derive(Debug, Clone, Default)]
pub struct VobizConfig {
    /// Which of the two documented success answers DELETE gives.
    pub delete_style: DeleteStyle,
    /// Which of the two documented error bodies it gives.
    pub error_shape: VobizErrorShape,
    /// Every request of an authenticated parent answers 403 (not allowed to manage
    /// sub-accounts).
    pub forbidden: bool,
    /// Sub-accounts created after each list page is served, so paging shifts.
    pub created_per_page: usize,
    /// A server that serves at most this many rows a page, silently: it skips
    /// `(page - 1) * size` rows of the size asked for, gives no more than the cap, and echoes
    /// the size asked for. The docs give `size` a default of 25 and no maximum
    /// (shared/reference/providers.md §2), so a client must read back how many rows it got.
    /// `None`: every page is the size asked for.
    pub page_cap: Option<usize>,
}

/// Vobiz's DELETE documents both a 200 with a message and a bare 204; clients must take both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteStyle {
    /// 200 `{"message":"Sub-account deleted successfully"}`.
    #[default]
    WithMessage,
    /// 204 with an empty body.
    NoContent,
}

impl FromStr for DeleteStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "with_message" => Ok(DeleteStyle::WithMessage),
            "no_content" => Ok(DeleteStyle::NoContent),
            _ => Err(format!(
                "unknown delete style {s:?} (expected with_message or no_content)"
            )),
        }
    }
}

/// Vobiz documents two contradictory error bodies; the simulator can speak either, so the
/// client's parser is tested against both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VobizErrorShape {
    /// `{"status":"error","error":{"code","message","details"},"timestamp","requestId"}`.
    #[default]
    Envelope,
    /// `{"api_id":"<uuid>","error":"<message>"}` (the Plivo-style SDK schema).
    Plivo,
    /// `{"code": 404, "detail": ["…"], "request_id": "…"}`: a numeric code, a list of details
    /// and a snake_case request id, which a lenient client must read too.
    Loose,
}

impl FromStr for VobizErrorShape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "envelope" => Ok(VobizErrorShape::Envelope),
            "plivo" => Ok(VobizErrorShape::Plivo),
            "loose" => Ok(VobizErrorShape::Loose),
            _ => Err(format!(
                "unknown error shape {s:?} (expected envelope, plivo or loose)"
            )),
        }
    }
}
