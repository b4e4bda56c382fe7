//! Parsing and validating requests to `/token` (RFC 6749 §3.2, §4.1.3, §6) and `/revoke`
//! (RFC 7009 §2.1), independent of storage.
//!
//! * Only `application/x-www-form-urlencoded` bodies are accepted (RFC 6749 §3.2); anything
//!   else, a body that is not UTF-8 after decoding, or a body over [`MAX_BODY_BYTES`] is
//!   `invalid_request`.
//! * A parameter sent twice is `invalid_request` (RFC 6749 §3.2), except `resource`, which
//!   RFC 8707 §2 allows to repeat: several resources are `invalid_target`, since a token here is
//!   only ever for one resource.
//! * A parameter sent without a value is treated as omitted (RFC 6749 §3.1); unknown parameters
//!   are ignored (RFC 6749 §3.2).
//! * Grants: `authorization_code` needs `code`, `redirect_uri` and `code_verifier` (PKCE is
//!   mandatory here, OAuth 2.1 §4.1.3); `refresh_token` needs `refresh_token` and may carry
//!   `scope`; both may carry `resource`. Any other `grant_type` is `unsupported_grant_type`.
//! * Client authentication (RFC 6749 §2.3): HTTP Basic (`client_secret_basic`; both halves are
//!   form-urlencoded before base64, RFC 6749 §2.3.1), `client_id` + `client_secret` in the body
//!   (`client_secret_post`), or `client_id` alone (`none`, public clients). Using two methods at
//!   once (Basic plus `client_secret`) is `invalid_request` (RFC 6749 §2.3); a body `client_id`
//!   equal to the Basic one is tolerated, a different one is `invalid_request`. No client
//!   identification at all, an unusable `Authorization` header or an unsupported method is
//!   `invalid_client` (RFC 6749 §5.2). When the request used the `Authorization` header, the
//!   caller answers `invalid_client` with 401 and `WWW-Authenticate: Basic` (RFC 6749 §5.2).
//! * [`check_client_auth`] compares what was presented with the registration: the method must
//!   be the registered `token_endpoint_auth_method`, and the secret's SHA-256 must equal the
//!   stored hash ([`hash_client_secret`]), compared in constant time.

use std::collections::BTreeSet;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use percent_encoding::percent_decode;
use sha2::{Digest, Sha256};

use super::error::OAuthError;
use super::tokens::{ct_eq, Secret};

/// Largest body accepted at `/token` and `/revoke`. Real requests are well under 4 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Standard base64 that accepts Basic credentials with or without padding.
const BASIC_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How the client authenticated (RFC 7591 §2 `token_endpoint_auth_method` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// A public client: `client_id` in the body, no secret.
    None,
    /// `Authorization: Basic` with the form-urlencoded id and secret.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost,
}

impl ClientAuthMethod {
    /// The RFC 7591 name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
        }
    }
}

/// The client identification presented with a request; check it with [`check_client_auth`].
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub client_id: String,
    pub secret: Option<Secret>,
    pub method: ClientAuthMethod,
}

/// The grant-specific part of a token request.
#[derive(Debug, Clone)]
pub enum TokenGrant {
    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5).
    AuthorizationCode {
        code: Secret,
        redirect_uri: String,
        code_verifier: Secret,
        resource: Option<String>,
    },
    /// RFC 6749 §6.
    RefreshToken {
        refresh_token: Secret,
        scope: Option<String>,
        resource: Option<String>,
    },
}

/// A syntactically valid token request.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub client: ClientAuth,
    pub grant: TokenGrant,
}

/// A syntactically valid RFC 7009 revocation request. `token_type_hint` is informational only:
/// our tokens name their kind ([`super::tokens::parse`]).
#[derive(Debug, Clone)]
pub struct RevocationRequest {
    pub client: ClientAuth,
    pub token: Secret,
    pub token_type_hint: Option<String>,
}

/// Parses a `/token` request: `Content-Type` header, raw body, `Authorization` header.
pub fn parse_token_request(
    content_type: Option<&str>,
    body: &[u8],
    authorization_header: Option<&str>,
) -> Result<TokenRequest, OAuthError> {
    let form = Form::parse(content_type, body)?;
    let client = client_auth(&form, authorization_header)?;
    let grant = match form.get("grant_type") {
        None => return Err(OAuthError::invalid_request("missing grant_type")),
        Some("authorization_code") => TokenGrant::AuthorizationCode {
            code: Secret::new(form.require("code", "missing code")?),
            redirect_uri: form
                .require("redirect_uri", "missing redirect_uri")?
                .to_owned(),
            code_verifier: Secret::new(
                form.require("code_verifier", "missing code_verifier (PKCE is required)")?,
            ),
            resource: form.resource()?,
        },
        Some("refresh_token") => TokenGrant::RefreshToken {
            refresh_token: Secret::new(form.require("refresh_token", "missing refresh_token")?),
            scope: form.get("scope").map(str::to_owned),
            resource: form.resource()?,
        },
        Some(_) => {
            return Err(OAuthError::unsupported_grant_type(
                "grant_type must be authorization_code or refresh_token",
            ))
        }
    };
    Ok(TokenRequest { client, grant })
}

/// Parses a `/revoke` request (RFC 7009 §2.1): `token`, optional `token_type_hint`, and the same
/// client authentication as `/token`.
pub fn parse_revocation_request(
    content_type: Option<&str>,
    body: &[u8],
    authorization_header: Option<&str>,
) -> Result<RevocationRequest, OAuthError> {
    let form = Form::parse(content_type, body)?;
    let client = client_auth(&form, authorization_header)?;
    Ok(RevocationRequest {
        client,
        token: Secret::new(form.require("token", "missing token")?),
        token_type_hint: form.get("token_type_hint").map(str::to_owned),
    })
}

/// The hash stored for a client secret at registration: SHA-256 of its UTF-8 bytes.
pub fn hash_client_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Checks presented client authentication against the registration: `registered_method` is
/// the client's `token_endpoint_auth_method`, `registered_secret_hash` the
/// [`hash_client_secret`] of its secret (for confidential clients). Any mismatch is
/// `invalid_client` (401). The client id itself is the caller's lookup key, so it is not
/// checked here.
pub fn check_client_auth(
    auth: &ClientAuth,
    registered_method: &str,
    registered_secret_hash: Option<&[u8]>,
) -> Result<(), OAuthError> {
    if auth.method.as_str() != registered_method {
        return Err(OAuthError::invalid_client(
            "client authentication method does not match the registration",
        ));
    }
    match auth.method {
        ClientAuthMethod::None => Ok(()),
        ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost => {
            let (Some(secret), Some(expected)) = (&auth.secret, registered_secret_hash) else {
                return Err(OAuthError::invalid_client("client authentication failed"));
            };
            if ct_eq(&hash_client_secret(secret.expose()), expected) {
                Ok(())
            } else {
                Err(OAuthError::invalid_client("client authentication failed"))
            }
        }
    }
}

/// Works out which client authentication method was used (RFC 6749 §2.3).
fn client_auth(form: &Form, authorization_header: Option<&str>) -> Result<ClientAuth, OAuthError> {
    if form.get("client_assertion").is_some() || form.get("client_assertion_type").is_some() {
        return Err(OAuthError::invalid_client(
            "unsupported client authentication method",
        ));
    }
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    if let Some(header) = authorization_header {
        let (id, secret) = parse_basic(header)?;
        if body_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "more than one client authentication method used",
            ));
        }
        if body_id.is_some_and(|b| b != id) {
            return Err(OAuthError::invalid_request(
                "client_id in the body differs from the Authorization header",
            ));
        }
        return Ok(ClientAuth {
            client_id: id,
            secret: Some(secret),
            method: ClientAuthMethod::ClientSecretBasic,
        });
    }
    let Some(client_id) = body_id else {
        return Err(OAuthError::invalid_client("missing client authentication"));
    };
    Ok(match body_secret {
        Some(secret) => ClientAuth {
            client_id: client_id.to_owned(),
            secret: Some(Secret::new(secret)),
            method: ClientAuthMethod::ClientSecretPost,
        },
        None => ClientAuth {
            client_id: client_id.to_owned(),
            secret: None,
            method: ClientAuthMethod::None,
        },
    })
}

/// Decodes `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 7617, RFC 6749 §2.3.1).
fn parse_basic(header: &str) -> Result<(String, Secret), OAuthError> {
    let bad = || OAuthError::invalid_client("malformed Basic authorization header");
    let header = header.trim();
    let (scheme, rest) = header.split_once([' ', '\t']).ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "unsupported client authentication method",
        ));
    }
    let decoded = BASIC_B64.decode(rest.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let id = form_decode(id.as_bytes()).ok_or_else(bad)?;
    let secret = form_decode(secret.as_bytes()).ok_or_else(bad)?;
    if id.is_empty() || secret.is_empty() {
        return Err(bad());
    }
    Ok((id, Secret::new(secret)))
}

/// `application/x-www-form-urlencoded` decoding of one name or value: `+` is a space, `%XX` a
/// byte, and the result must be UTF-8.
fn form_decode(raw: &[u8]) -> Option<String> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&plus_as_space).collect();
    String::from_utf8(bytes).ok()
}

/// A decoded form body with RFC 6749 §3.1/§3.2 rules applied.
#[derive(Debug)]
struct Form {
    /// Non-empty parameters, each name at most once (except `resource`).
    params: Vec<(String, String)>,
    /// Every non-empty `resource` value, in order (RFC 8707 allows repeats).
    resources: Vec<String>,
}

impl Form {
    fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Self, OAuthError> {
        let media_type = content_type
            .and_then(|ct| ct.split(';').next())
            .map(str::trim)
            .unwrap_or_default();
        if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "content type must be application/x-www-form-urlencoded",
            ));
        }
        if body.len() > MAX_BODY_BYTES {
            return Err(OAuthError::invalid_request("request body too large"));
        }
        let mut seen = BTreeSet::new();
        let mut params = Vec::new();
        let mut resources = Vec::new();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            let bad = || OAuthError::invalid_request("malformed form body");
            let name = form_decode(name).ok_or_else(bad)?;
            let value = form_decode(value).ok_or_else(bad)?;
            if name == "resource" {
                if !value.is_empty() {
                    resources.push(value);
                }
                continue;
            }
            if !seen.insert(name.clone()) {
                return Err(OAuthError::invalid_request(
                    "a parameter is included more than once",
                ));
            }
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        Ok(Self { params, resources })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn require(&self, name: &str, missing: &'static str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(missing))
    }

    /// The single `resource` (RFC 8707 §2), if any.
    fn resource(&self) -> Result<Option<String>, OAuthError> {
        match self.resources.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            _ => Err(OAuthError::invalid_target(
                "tokens are issued for one resource at a time",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    fn basic(id: &str, secret: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    }

    #[test]
    fn form_decoding_rules() {
        let f = Form::parse(FORM, b"a=1+2&b=%41%2B&c=&&d").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(f.get("a"), Some("1 2"));
        assert_eq!(f.get("b"), Some("A+"));
        assert_eq!(f.get("c"), None);
        assert_eq!(f.get("d"), None);
        assert!(Form::parse(FORM, b"a=%FF").is_err());
        assert!(Form::parse(FORM, &[b'a', b'=', 0xff]).is_err());
        assert!(Form::parse(FORM, b"a=1&a=1").is_err());
        assert!(Form::parse(FORM, b"a=&a=1").is_err());
        assert!(Form::parse(FORM, &vec![b'a'; MAX_BODY_BYTES + 1]).is_err());
    }

    #[test]
    fn check_client_auth_table() {
        let h = hash_client_secret("s3cret");
        let auth = |method, secret: Option<&str>| ClientAuth {
            client_id: "c".into(),
            secret: secret.map(Secret::new),
            method,
        };
        use ClientAuthMethod::*;
        assert!(check_client_auth(&auth(None, Option::None), "none", Option::None).is_ok());
        assert!(check_client_auth(
            &auth(ClientSecretBasic, Some("s3cret")),
            "client_secret_basic",
            Some(&h)
        )
        .is_ok());
        assert!(check_client_auth(
            &auth(ClientSecretPost, Some("s3cret")),
            "client_secret_post",
            Some(&h)
        )
        .is_ok());
        let bad = [
            check_client_auth(
                &auth(ClientSecretPost, Some("s3cret")),
                "client_secret_basic",
                Some(&h),
            ),
            check_client_auth(&auth(None, Option::None), "client_secret_basic", Some(&h)),
            check_client_auth(
                &auth(ClientSecretBasic, Some("nope")),
                "client_secret_basic",
                Some(&h),
            ),
            check_client_auth(
                &auth(ClientSecretBasic, Some("s3cret")),
                "client_secret_basic",
                Option::None,
            ),
            check_client_auth(
                &auth(ClientSecretBasic, Some("s3cret")),
                "client_secret_basic",
                Some(&h[..31]),
            ),
            check_client_auth(
                &auth(ClientSecretPost, Some("s3cret")),
                "none",
                Option::None,
            ),
        ];
        for r in bad {
            let e = r.err();
            assert_eq!(
                e.map(|e| (e.code(), e.http_status())),
                Some(("invalid_client", 401))
            );
        }
    }

    #[test]
    fn basic_header_variants() {
        let ok = parse_basic(&basic("id", "pw")).map(|(i, s)| (i, s.into_inner()));
        assert_eq!(ok.ok(), Some(("id".to_string(), "pw".to_string())));
        // Scheme is case-insensitive; padding optional.
        let unpadded = format!(
            "bAsIc {}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode("id:pw")
        );
        assert!(parse_basic(&unpadded).is_ok());
        for bad in [
            "Basic",
            "Basic !!!",
            "Bearer abc",
            &basic("", "pw"),
            &basic("id", ""),
            "Basic aWQ=",
        ] {
            assert_eq!(
                parse_basic(bad).err().map(|e| e.code()),
                Some("invalid_client"),
                "{bad}"
            );
        }
    }
}
