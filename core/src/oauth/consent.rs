//! The consent page the user sees before the worker sends them to Microsoft, and what protects it:
//! CSRF tokens, security headers, `__Host-` cookies. Also the two other HTML pages of the
//! authorization flow: the "continue" page that answers the consent form, and the error page for
//! authorize errors that must not be redirected (RFC 6749 §4.1.2.1).
//!
//! Why there is a consent page at all: the worker is one Entra client (static client id) fronting
//! many dynamically registered MCP clients, the confused-deputy setting of the MCP security best
//! practices. Its consent UI "MUST" name the client, show the third-party scopes and the registered
//! `redirect_uri`, use CSRF protection and prevent framing; its cookies use `__Host-`, `Secure`,
//! `HttpOnly`, `SameSite=Lax` (MCP 2026-07-28 security best practices, "Confused Deputy Problem").
//!
//! Everything shown comes from the client and is untrusted: it is HTML-escaped, control and bidi
//! characters are removed from the client name, and the page has no script and no external
//! resource. The only style is one `<style>` block allowed by its hash in the CSP.
//!
//! **form-action and the redirect after the form.** Browsers disagree on whether CSP
//! `form-action` also governs the redirects that follow a form submission: Chrome blocks them,
//! Firefox does not (MDN form-action; w3c/webappsec-csp#8; ascorbic/cirrus#66 dropped form-action
//! for this reason). Checked with Chromium 156: a page with `form-action 'self'` whose POST is
//! answered `303 Location: <other origin>` is blocked ("violates … form-action 'self'"), while a
//! `200` page whose `<meta http-equiv="refresh">` goes to the other origin works. Listing the
//! Microsoft authority and the client's redirect origin in `form-action` would not be enough: the
//! chain after Microsoft can also pass through `login.live.com` (personal accounts), a federated
//! identity provider, or — with single sign-on — straight back through `/callback` to the client.
//! So the consent POST is answered with a `200` [`render_continue_page`] that navigates with a meta
//! refresh (plus a link), and the consent page keeps `form-action 'self'`. Scripted clients follow
//! the `url=` of the meta refresh ([`continue_page_target`] reads it back).
//!
//! **Cookies on plain-http loopback.** `__Host-` requires `Secure`, and `Secure` cookies are
//! accepted from `http://localhost` / `http://127.0.0.1` by Chrome 89+ (crbug 1056543) and
//! Firefox 75+ (bugzilla 1618113), but not by Safari (WebKit 281149, mdn/browser-compat-data#28461).
//! Checked with Chromium 156: `__Host-t=1; Path=/; Secure; HttpOnly; SameSite=Lax` set over
//! `http://127.0.0.1:…` and `http://localhost:…` is stored and sent back. [`is_secure_origin`]
//! treats https and loopback http as secure; for any other plain-http origin (a LAN dev box),
//! [`cookie_name`] and [`set_cookie`] fall back to an unprefixed, non-`Secure` cookie.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::entra::{graph_scope_strings, KNOWN_GRAPH_SCOPES};

/// Where the consent form posts.
pub const CONSENT_PATH: &str = "/authorize/consent";
/// Longest client name shown, in characters.
const MAX_NAME_CHARS: usize = 80;

/// The one style block of every page here. Its SHA-256 is the CSP `style-src` source; change the
/// text and the hash follows (computed by [`style_hash`]).
pub const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1b1f;--muted:#5f6368;--bg:#f4f5f7;--card:#fff;--line:#dadce0;--accent:#0f6cbd;--on-accent:#fff;--warn-bg:#fff4ce;--warn-fg:#5c4400}\
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#9aa0a6;--bg:#1f1f23;--card:#2b2b30;--line:#44474c;--accent:#6cb8f6;--on-accent:#0b1b2b;--warn-bg:#4a3b00;--warn-fg:#ffe083}}\
*{box-sizing:border-box}\
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\
main{max-width:34rem;margin:2rem auto;padding:1.5rem 1.75rem;background:var(--card);border:1px solid var(--line);border-radius:12px}\
h1{font-size:1.3rem;line-height:1.35;margin:0 0 .5rem}\
h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:1.4rem 0 .4rem}\
p{margin:.35rem 0}\
.client{overflow-wrap:anywhere}\
.sub,.meta,.note{color:var(--muted);font-size:.9rem}\
.host{font-size:1.15rem;font-weight:600;overflow-wrap:anywhere}\
code{font:.85rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}\
.warn{background:var(--warn-bg);color:var(--warn-fg);border-radius:8px;padding:.6rem .8rem;margin:.6rem 0}\
ul.scopes{list-style:none;padding:0;margin:0}\
ul.scopes li{padding:.45rem 0;border-bottom:1px solid var(--line)}\
ul.scopes li:last-child{border-bottom:0}\
ul.scopes code{display:block;color:var(--muted)}\
form{display:flex;gap:.75rem;justify-content:flex-end;margin-top:1.5rem}\
button{font:inherit;padding:.55rem 1.3rem;border-radius:8px;border:1px solid var(--line);background:transparent;color:var(--fg);cursor:pointer}\
button.approve{background:var(--accent);border-color:var(--accent);color:var(--on-accent)}\
a{color:var(--accent)}";

/// The CSP source for [`STYLE`]: `'sha256-<base64 of SHA-256(STYLE)>'` (CSP3 hash-source).
pub fn style_hash() -> String {
    format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(STYLE.as_bytes()))
    )
}

/// `Content-Security-Policy` of every page here: nothing loads, only [`STYLE`] applies, forms post
/// only to this origin (see the module docs on redirects), no framing, no `<base>`.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        style_hash()
    )
}

/// The headers for the consent, continue and error pages (add them to the HTML response).
pub fn security_headers() -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "text/html; charset=utf-8".to_string()),
        ("Content-Security-Policy", content_security_policy()),
        ("X-Frame-Options", "DENY".to_string()),
        ("Referrer-Policy", "no-referrer".to_string()),
        ("Cache-Control", "no-store".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ]
}

/// How the MCP client identified itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentClientKind<'a> {
    /// Registered itself at `/register` (RFC 7591): its name is whatever it claimed.
    Dynamic,
    /// A client ID metadata document: the `client_id` is this https URL, so its host is vouched for
    /// by TLS.
    MetadataDocument { url: &'a str },
}

/// What the consent page shows. Every string except `csrf_token` and `request_id` comes from the
/// client and is treated as hostile.
#[derive(Debug, Clone, Copy)]
pub struct ConsentView<'a> {
    pub client_name: Option<&'a str>,
    pub client_id: &'a str,
    /// The exact registered redirect URI of this request.
    pub redirect_uri: &'a str,
    pub client_kind: ConsentClientKind<'a>,
    /// Microsoft (Graph) permissions the worker will ask Entra for. `openid profile offline_access`
    /// are always requested and always listed.
    pub scopes: &'a [String],
    /// From [`csrf_token`].
    pub csrf_token: &'a str,
    /// The opaque id of the pending authorization request.
    pub request_id: &'a str,
}

/// Escape text for HTML element content and quoted attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Characters that can disguise text: controls, bidi overrides and isolates, zero-width and other
/// invisible format characters.
fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}')
}

/// A client-supplied name made safe to display (before escaping): deceptive characters dropped,
/// whitespace collapsed, at most [`MAX_NAME_CHARS`] characters.
fn display_name(name: Option<&str>) -> String {
    let cleaned: String = name
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !is_deceptive(*c))
        .collect();
    let collapsed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return "An unnamed application".to_string();
    }
    let mut chars = collapsed.chars();
    let mut out: String = chars.by_ref().take(MAX_NAME_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Scheme and host (lowercased; IPv6 with brackets; no port, no userinfo) of an absolute URI.
pub fn uri_host(uri: &str) -> Option<(String, String)> {
    let (scheme, rest) = uri.trim().split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        format!("[{}]", &v6[..v6.find(']')?])
    } else {
        host_port.split(':').next().unwrap_or("").to_string()
    };
    if host.is_empty() || host == "[]" {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// `localhost`, `*.localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") || h == "[::1]" || h == "::1" {
        return true;
    }
    let octets: Vec<&str> = h.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|b| b.is_ascii_digit())
                && o.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Whether cookies for `origin` (this server's public origin, e.g. `https://mcp.example.com` or
/// `http://127.0.0.1:8787`) can be `Secure` and `__Host-` prefixed: https, or http on loopback
/// (see the module docs for browser support).
pub fn is_secure_origin(origin: &str) -> bool {
    match uri_host(origin) {
        Some((scheme, _)) if scheme == "https" => true,
        Some((scheme, host)) if scheme == "http" => is_loopback_host(&host),
        _ => false,
    }
}

/// The human description of a scope, when known.
pub fn scope_description(scope: &str) -> Option<&'static str> {
    KNOWN_GRAPH_SCOPES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(scope))
        .map(|(_, d)| *d)
}

fn scope_items(scopes: &[String]) -> String {
    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let mut items = String::new();
    for s in graph_scope_strings(&refs) {
        let desc = if s.ends_with("/.default") {
            "Every Microsoft Graph permission this server's app registration has been granted"
        } else {
            scope_description(&s)
                .unwrap_or("A Microsoft Graph permission without a description here")
        };
        items.push_str(&format!(
            "<li><strong>{}</strong><code>{}</code></li>\n",
            html_escape(desc),
            html_escape(&s)
        ));
    }
    items.push_str("<li><strong>Sign you in and read your basic profile (name, sign-in name, account id)</strong><code>openid profile</code></li>\n");
    items.push_str("<li><strong>Keep this access while you are not using the app, until you revoke it</strong><code>offline_access</code></li>\n");
    items
}

/// What to say about where the browser goes after approval.
fn redirect_section(redirect_uri: &str) -> String {
    let parsed = uri_host(redirect_uri);
    let (headline, warning) = match &parsed {
        Some((scheme, host)) if (scheme == "http" || scheme == "https") && is_loopback_host(host) => (
            format!("A program on this computer ({})", html_escape(host)),
            Some("This application receives the approval on this computer (a loopback address), so it is a program running on your machine. Approve only if you started it yourself just now."),
        ),
        Some((scheme, host)) if scheme == "https" => (html_escape(host), None),
        Some((scheme, host)) if scheme == "http" => (
            html_escape(host),
            Some("This address is not encrypted (http). Approve only if you trust the network and the application."),
        ),
        Some((scheme, _)) => (
            format!("An app on this device ({}:)", html_escape(scheme)),
            Some("The approval is handed to an app installed on this device through a custom link scheme. Any app can claim such a scheme; approve only if you started this sign-in yourself."),
        ),
        None => ("An unrecognised address".to_string(), Some("The redirect address could not be read. Do not approve unless you know this application.")),
    };
    let mut out = format!(
        "<p class=\"host\" id=\"redirect-host\">{headline}</p>\n<p><code id=\"redirect-uri\">{}</code></p>\n",
        html_escape(redirect_uri)
    );
    if let Some(w) = warning {
        out.push_str(&format!(
            "<p class=\"warn\" id=\"redirect-warning\">{}</p>\n",
            html_escape(w)
        ));
    }
    out
}

fn page(title: &str, head_extra: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n{head_extra}<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        html_escape(title)
    )
}

/// The consent page (send it with [`security_headers`]). Deny comes first in the form so that
/// pressing Enter does not approve.
pub fn render_consent_page(view: &ConsentView<'_>) -> String {
    let name = html_escape(&display_name(view.client_name));
    let identity = match view.client_kind {
        ConsentClientKind::Dynamic => "This application registered itself with this server; its name is not verified.".to_string(),
        ConsentClientKind::MetadataDocument { url } => match uri_host(url) {
            Some((_, host)) => format!(
                "Verified domain: <strong id=\"verified-domain\">{}</strong> (the application is identified by a document published there).",
                html_escape(&host)
            ),
            None => "This application's identity could not be read.".to_string(),
        },
    };
    let body = format!(
        "<h1>Allow <span class=\"client\" id=\"client-name\">{name}</span> to use your Microsoft 365 account?</h1>\n\
<p class=\"sub\">{identity}</p>\n\
<h2>After you approve, you will be sent to</h2>\n{redirect}\
<h2>Microsoft permissions it will get</h2>\n<ul class=\"scopes\" id=\"scopes\">\n{scopes}</ul>\n\
<p class=\"note\">Next, Microsoft asks you to sign in and may show its own consent screen. The application can then act as you within these permissions until you revoke its access.</p>\n\
<form method=\"post\" action=\"{action}\">\n\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
<input type=\"hidden\" name=\"request\" value=\"{request}\">\n\
<button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button>\n\
<button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\" class=\"approve\">Approve</button>\n\
</form>\n\
<p class=\"meta\">Client ID: <code id=\"client-id\">{client_id}</code></p>\n",
        redirect = redirect_section(view.redirect_uri),
        scopes = scope_items(view.scopes),
        action = CONSENT_PATH,
        csrf = html_escape(view.csrf_token),
        request = html_escape(view.request_id),
        client_id = html_escape(view.client_id),
    );
    page(
        &format!("Allow {} access?", display_name(view.client_name)),
        "",
        &body,
    )
}

/// A page for errors that must not be redirected to the client (unknown client, unregistered
/// redirect URI, …; RFC 6749 §4.1.2.1). Send with [`security_headers`] and a 4xx status.
pub fn render_error_page(title: &str, message: &str) -> String {
    let body = format!(
        "<h1 id=\"error-title\">{}</h1>\n<p id=\"error-message\">{}</p>\n<p class=\"meta\">You can close this window.</p>\n",
        html_escape(title),
        html_escape(message)
    );
    page(title, "", &body)
}

/// Whether a URL may be navigated to from our pages: `http`/`https`, or a custom scheme of a native
/// app, never `javascript:`, `data:`, `vbscript:`, `file:` or `blob:`.
fn navigable(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    !rest.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !["javascript", "data", "vbscript", "file", "blob", "about"].contains(&scheme.as_str())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The answer to the consent POST (status 200, [`security_headers`]): navigates to `target_url`
/// (the Entra authorize URL after Approve; the client's redirect URI with `error=access_denied`
/// after Deny) by meta refresh, with a link for browsers that block refreshes. See the module docs
/// for why this is not a 303. A `target_url` with a dangerous scheme is not navigated to.
pub fn render_continue_page(target_url: &str, message: &str) -> String {
    if !navigable(target_url) {
        return render_error_page(
            "Cannot continue",
            "The address to continue to is not allowed.",
        );
    }
    let url = html_escape(target_url);
    let head = format!("<meta http-equiv=\"refresh\" content=\"0;url={url}\">\n");
    let body = format!(
        "<h1>{}</h1>\n<p><a id=\"continue\" href=\"{url}\">Continue</a></p>\n",
        html_escape(message)
    );
    page(message, &head, &body)
}

/// The target of a page made by [`render_continue_page`] (for scripted clients and tests).
pub fn continue_page_target(html: &str) -> Option<String> {
    let start = html.find("content=\"0;url=")? + "content=\"0;url=".len();
    let end = start + html[start..].find('"')?;
    Some(html_unescape(&html[start..end]))
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The user's choice on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentDecision {
    Approve,
    Deny,
}

/// The posted consent form (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentForm {
    pub decision: ConsentDecision,
    pub csrf: String,
    pub request: String,
}

impl ConsentForm {
    /// Parse the form body. `None` when a field is missing, repeated or `decision` is unknown
    /// (answer 400 with [`render_error_page`]).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let (mut decision, mut csrf, mut request) = (None, None, None);
        for (k, v) in form_urlencoded::parse(body) {
            let slot = match k.as_ref() {
                "decision" => &mut decision,
                "csrf" => &mut csrf,
                "request" => &mut request,
                _ => continue,
            };
            if slot.is_some() {
                return None;
            }
            *slot = Some(v.into_owned());
        }
        let decision = match decision?.as_str() {
            "approve" => ConsentDecision::Approve,
            "deny" => ConsentDecision::Deny,
            _ => return None,
        };
        let (csrf, request) = (csrf?, request?);
        if csrf.is_empty() || request.is_empty() {
            return None;
        }
        Some(Self {
            decision,
            csrf,
            request,
        })
    }
}

fn csrf_mac(secret_key: &[u8], pending_request_id: &str, browser_binding: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret_key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"m365-mcp/consent-csrf/v1");
    for field in [pending_request_id, browser_binding] {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        mac.update(&len.to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac
}

/// The CSRF token of a consent form: base64url(HMAC-SHA256(key, pending request id ‖ browser
/// binding)), fields length-prefixed. `browser_binding` is the value of the `__Host-` cookie set
/// with the consent page, so the token only works from the browser the page was shown to (double
/// submit, signed). `secret_key`: e.g. `VaultKey::derive("consent-csrf")`.
pub fn csrf_token(secret_key: &[u8], pending_request_id: &str, browser_binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(
        csrf_mac(secret_key, pending_request_id, browser_binding)
            .finalize()
            .into_bytes(),
    )
}

/// Check a posted CSRF token in constant time. False for an empty request id, an empty binding
/// (no cookie) or a token that is not base64url.
pub fn verify_csrf(
    secret_key: &[u8],
    pending_request_id: &str,
    browser_binding: &str,
    presented: &str,
) -> bool {
    if pending_request_id.is_empty() || browser_binding.is_empty() {
        return false;
    }
    let Ok(tag) = URL_SAFE_NO_PAD.decode(presented.trim()) else {
        return false;
    };
    csrf_mac(secret_key, pending_request_id, browser_binding)
        .verify_slice(&tag)
        .is_ok()
}

/// Cookie names: letters, digits, `-` and `_` only (anything else is dropped).
fn clean_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Cookie values: URL-safe characters kept, anything else percent-encoded (no `;`, `,`, space,
/// quote or line break can reach the header).
fn clean_value(value: &str) -> String {
    const SAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, SAFE).to_string()
}

/// The full cookie name: `__Host-{name}` on a secure origin, `{name}` otherwise.
pub fn cookie_name(name: &str, secure_origin: bool) -> String {
    let name = clean_name(name);
    if secure_origin {
        format!("__Host-{name}")
    } else {
        name
    }
}

/// `Set-Cookie` value: `__Host-{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=…`.
pub fn host_cookie(name_without_prefix: &str, value: &str, max_age: u64) -> String {
    set_cookie(name_without_prefix, value, max_age, true)
}

/// `Set-Cookie` value for this origin: [`host_cookie`] on a secure origin, otherwise the same
/// without prefix and `Secure` (plain-http development off loopback only).
pub fn set_cookie(name: &str, value: &str, max_age: u64, secure_origin: bool) -> String {
    let secure = if secure_origin { "; Secure" } else { "" };
    format!(
        "{}={}; Path=/{secure}; HttpOnly; SameSite=Lax; Max-Age={max_age}",
        cookie_name(name, secure_origin),
        clean_value(value)
    )
}

/// `Set-Cookie` value that deletes the cookie.
pub fn clear_cookie(name: &str, secure_origin: bool) -> String {
    set_cookie(name, "", 0, secure_origin)
}

/// The value of cookie `full_name` (as made by [`cookie_name`]) in a `Cookie` request header.
pub fn read_cookie<'a>(cookie_header: &'a str, full_name: &str) -> Option<&'a str> {
    cookie_header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == full_name).then(|| v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "app.localhost",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "127.0.0.1.evil.com",
            "localhost.evil.com",
            "128.0.0.1",
            "example.com",
            "127.0.0.256",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn uri_hosts() {
        assert_eq!(
            uri_host("https://user@Claude.AI:443/api/cb?x=1"),
            Some(("https".into(), "claude.ai".into()))
        );
        assert_eq!(
            uri_host("http://[::1]:3000/cb"),
            Some(("http".into(), "[::1]".into()))
        );
        assert_eq!(uri_host("not a uri"), None);
        assert_eq!(uri_host("http://[::1/cb"), None);
    }

    #[test]
    fn secure_origins() {
        assert!(is_secure_origin("https://mcp.example.com"));
        assert!(is_secure_origin("http://127.0.0.1:8787"));
        assert!(is_secure_origin("http://localhost:8787"));
        assert!(!is_secure_origin("http://192.168.1.5:8787"));
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(
            display_name(Some("  Evil\u{202E}gpj.exe \n Tool ")),
            "Evilgpj.exe Tool"
        );
        assert_eq!(display_name(None), "An unnamed application");
        assert_eq!(
            display_name(Some(&"x".repeat(200))).chars().count(),
            MAX_NAME_CHARS + 1
        );
    }

    #[test]
    fn cookies() {
        assert_eq!(
            host_cookie("consent", "abc_-", 600),
            "__Host-consent=abc_-; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600"
        );
        assert_eq!(
            set_cookie("consent", "a;b", 60, false),
            "consent=a%3Bb; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        assert_eq!(cookie_name("x;y", true), "__Host-xy");
        assert_eq!(
            read_cookie("a=1; __Host-consent=tok; b=2", "__Host-consent"),
            Some("tok")
        );
        assert_eq!(read_cookie("a=1", "__Host-consent"), None);
        assert!(clear_cookie("consent", true).ends_with("Max-Age=0"));
    }

    #[test]
    fn continue_page_round_trip() {
        let url = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=a&state=b&scope=openid%20profile";
        let html = render_continue_page(url, "Continuing to Microsoft");
        assert_eq!(continue_page_target(&html).as_deref(), Some(url));
        assert!(html.contains("&amp;state=b"));
        let bad = render_continue_page("javascript:alert(1)", "x");
        assert!(!bad.contains("javascript:") && !bad.contains("refresh"));
    }

    #[test]
    fn form_parse() {
        let f = ConsentForm::parse(b"csrf=abc&request=r1&decision=approve").unwrap();
        assert_eq!(f.decision, ConsentDecision::Approve);
        assert!(
            ConsentForm::parse(b"csrf=abc&request=r1&decision=approve&decision=deny").is_none()
        );
        assert!(ConsentForm::parse(b"request=r1&decision=approve").is_none());
        assert!(ConsentForm::parse(b"csrf=&request=r1&decision=deny").is_none());
        assert!(ConsentForm::parse(b"csrf=a&request=r1&decision=maybe").is_none());
    }

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn view<'a>(name: &'a str, redirect: &'a str, scopes: &'a [String]) -> ConsentView<'a> {
        ConsentView {
            client_name: Some(name),
            client_id: "client-123",
            redirect_uri: redirect,
            client_kind: ConsentClientKind::Dynamic,
            scopes,
            csrf_token: "csrf-tok_-123",
            request_id: "req-42",
        }
    }

    fn graph(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_string()).collect()
    }

    /// No markup can be injected: no tag the template does not write, and (checked by
    /// [`same_structure`]) no extra `<`, `>` or `"` that could open a tag or leave an attribute.
    fn assert_no_injection(html: &str) {
        let lower = html.to_ascii_lowercase();
        for tag in [
            "<script", "<img", "<iframe", "<link", "<object", "<embed", "<svg", "<a ",
        ] {
            assert!(!lower.contains(tag), "found {tag}");
        }
    }

    /// The markup characters of two renderings are the same: everything client-supplied was
    /// escaped into entities.
    fn same_structure(a: &str, b: &str) {
        for c in ['<', '>', '"', '\''] {
            assert_eq!(a.matches(c).count(), b.matches(c).count(), "count of {c}");
        }
    }

    #[test]
    fn escapes_a_malicious_client_name() {
        let scopes = graph(&["Mail.Read"]);
        let benign = render_consent_page(&view(
            "benign",
            "https://claude.ai/api/mcp/auth_callback",
            &scopes,
        ));
        for evil in [
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
            "'><svg onload=alert(1)>",
            "</title><script>alert(1)</script>",
        ] {
            let html = render_consent_page(&view(
                evil,
                "https://claude.ai/api/mcp/auth_callback",
                &scopes,
            ));
            assert_no_injection(&html);
            same_structure(&html, &benign);
            assert!(html.contains(&html_escape(&display_name(Some(evil)))));
        }
        let html = render_consent_page(&view(
            "<script>alert(1)</script>",
            "https://claude.ai/cb",
            &scopes,
        ));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let html = render_consent_page(&view(
            "\"><img src=x onerror=alert(1)>",
            "https://claude.ai/cb",
            &scopes,
        ));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn escapes_every_client_supplied_field() {
        let scopes = graph(&["Mail.Read", "\"><b>x"]);
        let v = ConsentView {
            client_name: Some("ok"),
            client_id: "\"><script>alert(1)</script>",
            redirect_uri: "https://evil.example/cb?a=\"><script>alert(2)</script>",
            client_kind: ConsentClientKind::MetadataDocument {
                url: "https://evil.example/\"><script>alert(3)</script>",
            },
            scopes: &scopes,
            csrf_token: "\"><script>",
            request_id: "'><script>",
        };
        let html = render_consent_page(&v);
        assert_no_injection(&html);
        let benign_scopes = graph(&["Mail.Read", "not valid"]);
        let benign = ConsentView {
            client_name: Some("ok"),
            client_id: "c",
            redirect_uri: "https://good.example/cb",
            client_kind: ConsentClientKind::MetadataDocument {
                url: "https://good.example/meta",
            },
            scopes: &benign_scopes,
            csrf_token: "t",
            request_id: "r",
        };
        same_structure(&html, &render_consent_page(&benign));
        assert_eq!(html.matches("<form").count(), 1);
        assert_eq!(html.matches("<input").count(), 2);
    }

    #[test]
    fn shows_redirect_host_and_loopback_warning() {
        let scopes = graph(&["Mail.Read"]);
        let html = render_consent_page(&view(
            "Claude",
            "https://claude.ai/api/mcp/auth_callback",
            &scopes,
        ));
        assert!(html.contains("<p class=\"host\" id=\"redirect-host\">claude.ai</p>"));
        assert!(html.contains("https://claude.ai/api/mcp/auth_callback"));
        assert!(!html.contains("redirect-warning"));

        for uri in [
            "http://127.0.0.1:33418/callback",
            "http://localhost:5173/oauth/callback",
            "http://[::1]:9000/cb",
        ] {
            let html = render_consent_page(&view("mcp-remote", uri, &scopes));
            assert!(html.contains("A program on this computer"), "{uri}");
            assert!(html.contains("id=\"redirect-warning\""), "{uri}");
            assert!(html.contains("running on your machine"), "{uri}");
        }
        let html = render_consent_page(&view(
            "App",
            "cursor://anysphere.cursor-mcp/oauth/callback",
            &scopes,
        ));
        assert!(html.contains("An app on this device (cursor:)"));
        assert!(html.contains("redirect-warning"));
    }

    #[test]
    fn shows_verified_domain_for_metadata_documents() {
        let scopes = graph(&["Mail.Read"]);
        let mut v = view(
            "ChatGPT",
            "https://chatgpt.com/connector_platform_oauth_redirect",
            &scopes,
        );
        v.client_kind = ConsentClientKind::MetadataDocument {
            url: "https://chatgpt.com/oauth/client-metadata.json",
        };
        let html = render_consent_page(&v);
        assert!(html.contains("<strong id=\"verified-domain\">chatgpt.com</strong>"));
        let html = render_consent_page(&view("x", "https://a.example/cb", &scopes));
        assert!(html.contains("name is not verified"));
    }

    #[test]
    fn lists_permissions_with_descriptions() {
        let scopes = graph(&[
            "mail.read",
            "Mail.Send",
            "Calendars.ReadWrite",
            "Custom.Thing",
            "offline_access",
        ]);
        let html = render_consent_page(&view("x", "https://a.example/cb", &scopes));
        assert!(html.contains("<strong>Read your mail</strong><code>Mail.Read</code>"));
        assert!(html.contains("<strong>Send mail as you</strong><code>Mail.Send</code>"));
        assert!(html.contains("<code>Calendars.ReadWrite</code>"));
        assert!(html.contains("without a description here</strong><code>Custom.Thing</code>"));
        assert!(html.contains("<code>offline_access</code>"));
        assert!(html.contains("<code>openid profile</code>"));
        assert_eq!(html.matches("<code>offline_access</code>").count(), 1);
        for (scope, _) in KNOWN_GRAPH_SCOPES {
            assert!(scope_description(scope).is_some());
        }
        for s in [
            "Contacts.ReadWrite",
            "People.Read",
            "MailboxSettings.ReadWrite",
            "Chat.ReadWrite",
            "ChannelMessage.Send",
            "Team.ReadBasic.All",
            "Channel.ReadBasic.All",
            "OnlineMeetings.ReadWrite",
            "User.Read",
            "Mail.ReadWrite",
        ] {
            assert!(scope_description(s).is_some(), "{s}");
        }
    }

    #[test]
    fn form_has_csrf_request_and_both_buttons() {
        let scopes = graph(&["Mail.Read"]);
        let html = render_consent_page(&view("x", "https://a.example/cb", &scopes));
        assert!(html.contains("<form method=\"post\" action=\"/authorize/consent\">"));
        assert!(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"csrf-tok_-123\">"));
        assert!(html.contains("<input type=\"hidden\" name=\"request\" value=\"req-42\">"));
        let deny = html.find("value=\"deny\"").unwrap();
        let approve = html.find("value=\"approve\"").unwrap();
        assert!(deny < approve, "Deny first, so Enter does not approve");
        assert!(html.contains("client-123"));
    }

    #[test]
    fn csp_style_hash_matches_the_style_block() {
        let scopes = graph(&["Mail.Read"]);
        for html in [
            render_consent_page(&view("x", "https://a.example/cb", &scopes)),
            render_error_page("t", "m"),
            render_continue_page(
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?x=1",
                "Continuing",
            ),
        ] {
            let start = html.find("<style>").unwrap() + "<style>".len();
            let end = html.find("</style>").unwrap();
            let digest = STANDARD.encode(Sha256::digest(&html.as_bytes()[start..end]));
            let headers = security_headers();
            let csp = &headers
                .iter()
                .find(|(k, _)| *k == "Content-Security-Policy")
                .unwrap()
                .1;
            assert!(
                csp.contains(&format!("style-src 'sha256-{digest}'")),
                "{csp}"
            );
            assert_eq!(html.matches("<style>").count(), 1);
            assert!(!html.contains("style=\""), "no inline style attributes");
        }
    }

    #[test]
    fn security_headers_are_strict() {
        let h: std::collections::HashMap<_, _> = security_headers().into_iter().collect();
        let csp = &h["Content-Security-Policy"];
        for d in [
            "default-src 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(d), "{d}");
        }
        assert!(!csp.contains("unsafe"));
        assert_eq!(h["X-Frame-Options"], "DENY");
        assert_eq!(h["Referrer-Policy"], "no-referrer");
        assert_eq!(h["Cache-Control"], "no-store");
        assert_eq!(h["X-Content-Type-Options"], "nosniff");
        assert_eq!(h["Content-Type"], "text/html; charset=utf-8");
    }

    #[test]
    fn error_page_escapes() {
        let html = render_error_page(
            "<b>Bad</b>",
            "redirect_uri \"><script>alert(1)</script> is not registered",
        );
        assert_no_injection(&html);
        same_structure(&html, &render_error_page("Bad", "not registered"));
        assert!(html.contains("&lt;b&gt;Bad&lt;/b&gt;"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;"));
    }

    #[test]
    fn csrf_accepts_the_right_token_only() {
        let t = csrf_token(KEY, "req-42", "cookie-abc");
        assert_eq!(t.len(), 43);
        assert!(verify_csrf(KEY, "req-42", "cookie-abc", &t));
        assert!(verify_csrf(KEY, "req-42", "cookie-abc", &format!(" {t} ")));
        assert!(
            !verify_csrf(KEY, "req-43", "cookie-abc", &t),
            "other request"
        );
        assert!(
            !verify_csrf(KEY, "req-42", "cookie-abd", &t),
            "other browser"
        );
        assert!(
            !verify_csrf(b"another key", "req-42", "cookie-abc", &t),
            "other key"
        );
        assert!(!verify_csrf(KEY, "req-42", "", &t), "no cookie");
        assert!(!verify_csrf(
            KEY,
            "",
            "cookie-abc",
            &csrf_token(KEY, "", "cookie-abc")
        ));
        assert!(!verify_csrf(KEY, "req-42", "cookie-abc", ""), "no token");
        assert!(
            !verify_csrf(KEY, "req-42", "cookie-abc", &t[..42]),
            "truncated"
        );
        assert!(!verify_csrf(
            KEY,
            "req-42",
            "cookie-abc",
            "!!!not base64!!!"
        ));
        // Length prefixes: moving a character between the fields changes the token.
        assert_ne!(csrf_token(KEY, "ab", "c"), csrf_token(KEY, "a", "bc"));
    }
}
