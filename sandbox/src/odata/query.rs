//! Splitting and decoding a raw query string into system query options.

use crate::error::GraphError;

/// One `name=value` pair as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawParam<'a> {
    /// The pair exactly as it appeared (kept verbatim when rebuilding nextLinks).
    pub raw: &'a str,
    /// Decoded name (`%24top` → `$top`, `+` → space).
    pub name: String,
    /// Decoded value.
    pub value: String,
}

/// Percent-decodes a query component; `+` is a space (HTML form encoding, which clients such as
/// python-requests use for query strings). Invalid UTF-8 is replaced, never rejected.
pub(crate) fn decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

/// Splits a raw query string on `&` (empty pieces dropped).
pub(crate) fn split(raw: Option<&str>) -> Vec<RawParam<'_>> {
    let Some(raw) = raw else { return Vec::new() };
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            RawParam {
                raw: p,
                name: decode(n).trim().to_string(),
                value: decode(v),
            }
        })
        .collect()
}

/// The system query options Graph knows, lower-cased.
pub(crate) const KNOWN: &[&str] = &[
    "$select",
    "$filter",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$search",
    "$expand",
    "$skiptoken",
    "$format",
    "$deltatoken",
];

/// System query options (names starting with `$`), lower-cased, with duplicates and unknown
/// names rejected as Graph does. Other parameters (`startDateTime`, …) are left to the caller.
///
/// * Twice: "Query option '$top' was specified more than once, but it must be specified at most
///   once." — ODL `QueryOptionUtils_QueryParameterMustBeSpecifiedOnce`, seen from Graph in
///   msgraph-sdk-php#127 (`BadRequest`).
/// * Unknown `$foo`: "The query parameter '$foo' is not supported." — the ASP.NET OData
///   `QueryParameterNotSupported` text that Graph's OData-based workloads return; Exchange's own
///   wording for this case was not found.
pub(crate) fn system_options(params: &[RawParam<'_>]) -> Result<Vec<(String, String)>, GraphError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for p in params {
        if !p.name.starts_with('$') {
            continue;
        }
        let lower = p.name.to_ascii_lowercase();
        if !KNOWN.contains(&lower.as_str()) {
            return Err(GraphError::bad_request(format!(
                "The query parameter '{}' is not supported.",
                p.name
            )));
        }
        if out.iter().any(|(n, _)| *n == lower) {
            return Err(GraphError::bad_request(format!(
                "Query option '{}' was specified more than once, but it must be specified at most once.",
                p.name
            )));
        }
        out.push((lower, p.value.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_dollar_plus_and_unicode() {
        let ps = split(Some(
            "%24top=5&$filter=subject+eq+%27caf%C3%A9%27&x&&startDateTime=a%2Bb",
        ));
        assert_eq!(ps.len(), 4);
        assert_eq!(ps[0].name, "$top");
        assert_eq!(ps[1].value, "subject eq 'café'");
        assert_eq!(ps[2].name, "x");
        assert_eq!(ps[3].value, "a+b");
        assert_eq!(decode("%ZZ%"), "%ZZ%");
        assert_eq!(decode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn duplicates_and_unknown_options() {
        let e = system_options(&split(Some("$top=1&%24TOP=2"))).unwrap_err();
        assert!(e
            .message
            .starts_with("Query option '$TOP' was specified more than once"));
        let e = system_options(&split(Some("$foo=1"))).unwrap_err();
        assert_eq!(e.message, "The query parameter '$foo' is not supported.");
        assert!(
            system_options(&split(Some("foo=1&$Top=3"))).unwrap()
                == vec![("$top".to_string(), "3".to_string())]
        );
    }
}
