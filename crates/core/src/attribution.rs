//! Who did an action and why, as the history keeps it: the OS user, the display name set in
//! Settings at the time, and the reason or ticket the user gave (`non-payment #4711`).
//!
//! Both texts are typed by a person and end up in exports read by spreadsheets, so they are
//! checked here, in core, whatever the window sent: trimmed, kept on one line, and bounded.

use crate::error::{Error, Result};

/// The longest reason kept, in characters.
pub const MAX_REASON: usize = 200;
/// The longest display name kept, in characters.
pub const MAX_DISPLAY_NAME: usize = 60;

/// Who acts and why, stamped on every history entry of one action or one bulk job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    /// The OS user who ran Subdesk.
    pub actor: String,
    /// The operator's display name from Settings, when one is set.
    pub operator_name: Option<String>,
    /// The reason or ticket reference the user gave, when any.
    pub reason: Option<String>,
}

/// Line breaks, tabs and other control characters become one space each run, so a pasted
/// reason stays one line in the history and in every export; the ends are trimmed.
fn one_line(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reason as kept: `None` when empty, or why it cannot be kept.
pub fn checked_reason(raw: Option<&str>) -> Result<Option<String>> {
    let Some(text) = raw.map(one_line).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_REASON {
        return Err(Error::ReasonTooLong { max: MAX_REASON });
    }
    Ok(Some(text))
}

/// The display name as kept: `None` when empty, or why it cannot be kept.
pub fn checked_display_name(raw: Option<&str>) -> Result<Option<String>> {
    let Some(text) = raw.map(one_line).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_DISPLAY_NAME {
        return Err(Error::DisplayNameTooLong {
            max: MAX_DISPLAY_NAME,
        });
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_optional_trimmed_and_kept_on_one_line() {
        assert_eq!(checked_reason(None).unwrap(), None);
        assert_eq!(checked_reason(Some("   \n\t ")).unwrap(), None);
        assert_eq!(
            checked_reason(Some("  non-payment #4711 ")).unwrap(),
            Some("non-payment #4711".into())
        );
        assert_eq!(
            checked_reason(Some("late, \"again\"\r\nsee #12\u{0}\u{2028}ok")).unwrap(),
            Some("late, \"again\" see #12 ok".into())
        );
    }

    #[test]
    fn a_reason_longer_than_the_limit_is_refused_with_a_sentence() {
        let ok = "é".repeat(MAX_REASON);
        assert_eq!(checked_reason(Some(&ok)).unwrap(), Some(ok.clone()));
        let e = checked_reason(Some(&format!("{ok}x"))).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Validation);
        assert_eq!(e.field(), Some("reason"));
        assert!(e.user_message().contains("200 characters"), "{e}");
    }

    #[test]
    fn a_display_name_is_checked_the_same_way() {
        assert_eq!(checked_display_name(Some(" ")).unwrap(), None);
        assert_eq!(
            checked_display_name(Some(" Dana\nK. ")).unwrap(),
            Some("Dana K.".into())
        );
        let e = checked_display_name(Some(&"x".repeat(MAX_DISPLAY_NAME + 1))).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Validation);
        assert_eq!(e.field(), Some("operatorDisplayName"));
    }
}
