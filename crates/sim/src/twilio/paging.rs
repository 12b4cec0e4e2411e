//! Twilio's list paging: `PageSize`, `Page`, `PageToken` and the envelope's page URIs.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::error::TwilioError;

const MAX_PAGE_SIZE: usize = 1000;
const DEFAULT_PAGE_SIZE: usize = 50;

/// Where a page starts: `PageToken` = `PA` + the SID of the item just before the page.
/// Twilio's tokens are opaque; naming the boundary item (rather than an offset) keeps pages
/// stable while accounts before the boundary change status underneath a paging client.
pub(super) struct PageRequest {
    size: usize,
    page: Option<usize>,
    /// The raw token (echoed in `uri`) and the boundary SID.
    token: Option<(String, String)>,
}

pub(super) fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, TwilioError> {
    serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|_| TwilioError::bad_request(20001, "Invalid query string"))
}

pub(super) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(super) fn parse_paging(pairs: &[(String, String)]) -> Result<PageRequest, TwilioError> {
    let size = match first(pairs, "PageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                return Err(TwilioError::bad_request(
                    20001,
                    format!(
                        "Invalid PageSize {v:?}: must be an integer between 1 and {MAX_PAGE_SIZE}"
                    ),
                ))
            }
        },
    };
    let page = match first(pairs, "Page") {
        None => None,
        Some(v) => Some(v.parse::<usize>().map_err(|_| {
            TwilioError::bad_request(
                20001,
                format!("Invalid Page {v:?}: must be a non-negative integer"),
            )
        })?),
    };
    let token = match first(pairs, "PageToken") {
        None | Some("") => None,
        Some(raw) => {
            let Some(sid) = raw.strip_prefix("PA") else {
                return Err(TwilioError::bad_request(
                    20001,
                    format!("Invalid PageToken {raw:?}"),
                ));
            };
            Some((raw.to_owned(), sid.to_owned()))
        }
    };
    Ok(PageRequest { size, page, token })
}

/// The page metadata of a list envelope.
pub(super) struct Paged {
    pub(super) start: usize,
    pub(super) end_exclusive: usize,
    fields: Map<String, Value>,
}

/// Picks the page out of `keys` (the filtered list, in order; each entry is the item's
/// position in the unfiltered list and its SID) and builds the envelope's URIs.
pub(super) fn paginate(
    base: &str,
    filters: &[(&str, &str)],
    all_sids: &[&str],
    kept: &[(usize, &str)],
    req: &PageRequest,
) -> Result<Paged, TwilioError> {
    let size = req.size;
    let (start, end) = match &req.token {
        None => {
            let start = req.page.unwrap_or(0).saturating_mul(size).min(kept.len());
            (start, (start + size).min(kept.len()))
        }
        Some((raw, sid)) => {
            let pos = all_sids.iter().position(|s| s == sid).ok_or_else(|| {
                TwilioError::bad_request(20001, format!("Invalid PageToken {raw:?}"))
            })?;
            let start = kept.partition_point(|(i, _)| *i <= pos);
            (start, (start + size).min(kept.len()))
        }
    };
    let page = req.page.unwrap_or(start / size);
    let filter_qs = serde_urlencoded::to_string(filters).unwrap_or_default();
    let uri = |page: usize, token: Option<&str>| {
        let mut u = format!("{base}?");
        if !filter_qs.is_empty() {
            u.push_str(&filter_qs);
            u.push('&');
        }
        u.push_str(&format!("PageSize={size}&Page={page}"));
        if let Some(t) = token {
            u.push_str("&PageToken=");
            u.push_str(t);
        }
        u
    };
    let next = (end < kept.len() && end > 0)
        .then(|| uri(page + 1, Some(&format!("PA{}", kept[end - 1].1))));
    // The previous page is [start - size, start): anchored on the item before it, or
    // token-less when it is the first page.
    let previous = (start > 0).then(|| {
        let prev_start = start.saturating_sub(size);
        let token = (prev_start > 0).then(|| format!("PA{}", kept[prev_start - 1].1));
        uri(page.saturating_sub(1), token.as_deref())
    });
    let mut fields = Map::new();
    fields.insert("first_page_uri".into(), Value::String(uri(0, None)));
    fields.insert(
        "uri".into(),
        Value::String(uri(page, req.token.as_ref().map(|(raw, _)| raw.as_str()))),
    );
    fields.insert(
        "next_page_uri".into(),
        next.map_or(Value::Null, Value::String),
    );
    fields.insert(
        "previous_page_uri".into(),
        previous.map_or(Value::Null, Value::String),
    );
    fields.insert("page".into(), json!(page));
    fields.insert("page_size".into(), json!(size));
    fields.insert("start".into(), json!(start));
    // Spec semantics: the index of the last item on this page.
    fields.insert("end".into(), json!(end.saturating_sub(1).max(start)));
    Ok(Paged {
        start,
        end_exclusive: end,
        fields,
    })
}

pub(super) fn envelope(mut paged: Paged, key: &str, items: Vec<Value>) -> Response {
    paged.fields.insert(key.to_owned(), Value::Array(items));
    Json(Value::Object(paged.fields)).into_response()
}
