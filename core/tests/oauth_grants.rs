//! Behaviour of our authorization server's grants and tokens: code exchange, refresh rotation
//! with the concurrent-refresh grace rule, reuse detection, access-token checks, revocation,
//! persistence, and parsing of `/token` and `/revoke` requests.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use m365_core::oauth::grant::{
    CodeRedemption, CodeRequest, TokenSet, UserGrants, ACCESS_TOKEN_LIFETIME_SECS,
    CODE_LIFETIME_SECS, REFRESH_ABSOLUTE_LIFETIME_SECS, REFRESH_IDLE_LIFETIME_SECS,
};
use m365_core::oauth::pkce;
use m365_core::oauth::token::{
    check_client_auth, hash_client_secret, parse_revocation_request, parse_token_request,
    ClientAuthMethod, TokenGrant, TokenRequest,
};
use m365_core::oauth::tokens::{self, TokenKind, UserKey};

const NOW: u64 = 1_750_000_000;
const CLIENT: &str = "client-1";
const REDIRECT: &str = "https://claude.ai/api/mcp/auth_callback";
const RESOURCE: &str = "https://m365.example.com/mcp";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

/// A deterministic source of distinct 32-byte values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> [u8; 32] {
        self.0 += 1;
        let mut b = [0x5a; 32];
        b[..8].copy_from_slice(&self.0.to_le_bytes());
        b
    }
}

/// One user's state plus the randomness for it.
struct World {
    user: UserKey,
    grants: UserGrants,
    rng: Rng,
}

impl World {
    fn new() -> Self {
        Self {
            user: tokens::user_key("tenant-guid", "object-guid"),
            grants: UserGrants::new(),
            rng: Rng(0),
        }
    }

    fn code(&mut self, now: u64) -> String {
        self.code_with_scopes(now, &["mcp", "mail.read", "calendar.read"])
    }

    fn code_with_scopes(&mut self, now: u64, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        let secret = self.rng.next();
        self.grants
            .issue_code(
                &self.user,
                &CodeRequest {
                    client_id: CLIENT,
                    redirect_uri: REDIRECT,
                    code_challenge: &pkce::s256_challenge(VERIFIER),
                    resource: RESOURCE,
                    scopes: &scopes,
                },
                now,
                secret,
            )
            .into_inner()
    }

    fn redeem_with(
        &mut self,
        r: CodeRedemption<'_>,
        now: u64,
    ) -> Result<TokenSet, (String, String)> {
        let rng = &mut self.rng;
        self.grants
            .redeem_code(&r, now, &mut || rng.next())
            .map_err(|e| (e.code().to_owned(), e.description().to_owned()))
    }

    fn redeem(&mut self, code: &str, now: u64) -> Result<TokenSet, (String, String)> {
        self.redeem_with(redemption(code), now)
    }

    fn tokens(&mut self) -> (String, String) {
        let code = self.code(NOW);
        let set = self.redeem(&code, NOW).unwrap_or_else(|e| panic!("{e:?}"));
        (at(&set), rt(&set))
    }

    fn refresh_full(
        &mut self,
        token: &str,
        client: &str,
        resource: Option<&str>,
        scope: Option<&str>,
        now: u64,
    ) -> Result<TokenSet, String> {
        let rng = &mut self.rng;
        self.grants
            .refresh(token, client, resource, scope, now, &mut || rng.next())
            .map_err(|e| e.code().to_owned())
    }

    fn refresh(&mut self, token: &str, now: u64) -> Result<TokenSet, String> {
        self.refresh_full(token, CLIENT, Some(RESOURCE), None, now)
    }

    /// Refresh that must succeed; returns (access, refresh).
    fn rotate(&mut self, token: &str, now: u64) -> (String, String) {
        let set = self
            .refresh(token, now)
            .unwrap_or_else(|e| panic!("refresh: {e}"));
        (at(&set), rt(&set))
    }

    fn auth(&self, access: &str, now: u64) -> Result<Vec<String>, String> {
        self.grants
            .authenticate(access, RESOURCE, now)
            .map(|c| c.scopes)
            .map_err(|e| format!("{}: {}", e.code(), e.description()))
    }

    fn auth_ok(&self, access: &str, now: u64) -> bool {
        self.auth(access, now).is_ok()
    }
}

fn redemption(code: &str) -> CodeRedemption<'_> {
    CodeRedemption {
        code,
        client_id: CLIENT,
        redirect_uri: Some(REDIRECT),
        code_verifier: VERIFIER,
        resource: Some(RESOURCE),
        issue_refresh: true,
    }
}

fn at(set: &TokenSet) -> String {
    set.access_token.expose().to_owned()
}

fn rt(set: &TokenSet) -> String {
    set.refresh_token
        .as_ref()
        .map(|t| t.expose().to_owned())
        .unwrap_or_default()
}

fn code_of<T>(r: Result<T, (String, String)>) -> Option<String> {
    r.err().map(|(code, _)| code)
}

// ---------------------------------------------------------------------------------------------
// Authorization code

#[test]
fn code_flow_happy_path() {
    let mut w = World::new();
    let code = w.code(NOW);
    assert_eq!(
        tokens::parse(&code).map(|p| (p.kind, p.user_key)),
        Some((TokenKind::AuthorizationCode, w.user))
    );
    let set = w.redeem(&code, NOW + 5).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(set.token_type, "Bearer");
    assert_eq!(set.expires_in, ACCESS_TOKEN_LIFETIME_SECS);
    assert_eq!(set.scope, "mcp mail.read calendar.read");
    // Both tokens route back to this user's Durable Object.
    for (token, kind) in [
        (at(&set), TokenKind::Access),
        (rt(&set), TokenKind::Refresh),
    ] {
        assert_eq!(
            tokens::parse(&token).map(|p| (p.kind, p.user_key)),
            Some((kind, w.user))
        );
    }
    let ctx = w
        .grants
        .authenticate(&at(&set), RESOURCE, NOW + 10)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(ctx.client_id, CLIENT);
    assert_eq!(ctx.scopes, ["mcp", "mail.read", "calendar.read"]);
    assert_eq!(ctx.expires_at, NOW + 5 + ACCESS_TOKEN_LIFETIME_SECS);
    assert_eq!(ctx.grant_id, w.grants.grants()[0].id());
    assert_eq!(w.grants.grants()[0].resource(), RESOURCE);

    let json: serde_json::Value =
        serde_json::from_str(&set.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["access_token"].as_str(), Some(at(&set).as_str()));
    assert_eq!(json["refresh_token"].as_str(), Some(rt(&set).as_str()));
    assert_eq!(json["expires_in"], ACCESS_TOKEN_LIFETIME_SECS);
    assert_eq!(json["scope"], "mcp mail.read calendar.read");
}

#[test]
fn no_refresh_token_unless_the_client_may_refresh() {
    let mut w = World::new();
    let code = w.code(NOW);
    let set = w
        .redeem_with(
            CodeRedemption {
                issue_refresh: false,
                ..redemption(&code)
            },
            NOW,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(set.refresh_token.is_none());
    assert!(!set.to_json().contains("refresh_token"));
    assert!(w.auth_ok(&at(&set), NOW));
}

#[test]
fn reused_code_is_refused_and_revokes_the_grant() {
    let mut w = World::new();
    let code = w.code(NOW);
    let first = w.redeem(&code, NOW + 1).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(w.auth_ok(&at(&first), NOW + 2));

    let again = w.redeem(&code, NOW + 3);
    assert_eq!(code_of(again), Some("invalid_grant".into()));
    let e = w.auth(&at(&first), NOW + 4).err().unwrap_or_default();
    assert!(e.starts_with("invalid_token"), "{e}");
    assert!(e.contains("revoked"), "{e}");
    assert_eq!(
        w.refresh(&rt(&first), NOW + 5).err(),
        Some("invalid_grant".into())
    );
    assert!(w.grants.grants()[0].is_revoked());
    // A third presentation is still refused, even after the code's lifetime.
    let third = w.redeem(&code, NOW + CODE_LIFETIME_SECS + 100);
    assert_eq!(code_of(third), Some("invalid_grant".into()));
}

#[test]
fn wrong_verifier_is_invalid_grant_and_does_not_burn_the_code() {
    let mut w = World::new();
    let code = w.code(NOW);
    let other = "x".repeat(43);
    for verifier in [other.as_str(), "", "short", &VERIFIER[1..]] {
        let r = w.redeem_with(
            CodeRedemption {
                code_verifier: verifier,
                ..redemption(&code)
            },
            NOW,
        );
        assert_eq!(code_of(r), Some("invalid_grant".into()), "{verifier:?}");
    }
    assert!(w.redeem(&code, NOW).is_ok());
}

#[test]
fn redirect_uri_must_be_identical() {
    let mut w = World::new();
    let code = w.code(NOW);
    for bad in [
        "https://claude.ai/api/mcp/auth_callback/",
        "https://CLAUDE.ai/api/mcp/auth_callback",
        "https://evil.example/cb",
    ] {
        let r = w.redeem_with(
            CodeRedemption {
                redirect_uri: Some(bad),
                ..redemption(&code)
            },
            NOW,
        );
        assert_eq!(code_of(r), Some("invalid_grant".into()), "{bad}");
    }
    let missing = w.redeem_with(
        CodeRedemption {
            redirect_uri: None,
            ..redemption(&code)
        },
        NOW,
    );
    assert_eq!(code_of(missing), Some("invalid_request".into()));
    assert!(w.redeem(&code, NOW).is_ok());
}

#[test]
fn expired_code_is_invalid_grant() {
    let mut w = World::new();
    let code = w.code(NOW);
    assert_eq!(
        code_of(w.redeem(&code, NOW + 61)),
        Some("invalid_grant".into())
    );
    assert_eq!(
        code_of(w.redeem(&code, NOW + CODE_LIFETIME_SECS)),
        Some("invalid_grant".into())
    );
    let fresh = w.code(NOW);
    assert!(w.redeem(&fresh, NOW + CODE_LIFETIME_SECS - 1).is_ok());
}

#[test]
fn code_is_bound_to_client_and_resource() {
    let mut w = World::new();
    let code = w.code(NOW);
    let other_client = w.redeem_with(
        CodeRedemption {
            client_id: "client-2",
            ..redemption(&code)
        },
        NOW,
    );
    assert_eq!(code_of(other_client), Some("invalid_grant".into()));
    let other_resource = w.redeem_with(
        CodeRedemption {
            resource: Some("https://m365.example.com/sse"),
            ..redemption(&code)
        },
        NOW,
    );
    assert_eq!(code_of(other_resource), Some("invalid_target".into()));
    // Omitted resource means the bound one; uppercase scheme and host are the same resource.
    let upper = w.redeem_with(
        CodeRedemption {
            resource: Some("HTTPS://M365.EXAMPLE.COM/mcp"),
            ..redemption(&code)
        },
        NOW,
    );
    assert!(upper.is_ok());
    let code2 = w.code(NOW);
    let omitted = w.redeem_with(
        CodeRedemption {
            resource: None,
            ..redemption(&code2)
        },
        NOW,
    );
    assert!(omitted.is_ok());
}

#[test]
fn unknown_and_malformed_codes() {
    let mut w = World::new();
    let _ = w.code(NOW);
    let (access, refresh) = w.tokens();
    let unknown = tokens::mint(TokenKind::AuthorizationCode, &w.user, [9; 32]).into_inner();
    for bad in [
        unknown.as_str(),
        &access,
        &refresh,
        "",
        "m365_ac_",
        "garbage",
    ] {
        assert_eq!(
            code_of(w.redeem(bad, NOW)),
            Some("invalid_grant".into()),
            "{bad}"
        );
    }
    // Presenting the access token as a code did not revoke anything.
    assert!(w.auth_ok(&access, NOW));
}

// ---------------------------------------------------------------------------------------------
// Refresh rotation

#[test]
fn refresh_rotates() {
    let mut w = World::new();
    let (_, r0) = w.tokens();
    let set = w.refresh(&r0, NOW + 100).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(rt(&set), r0);
    assert_eq!(set.scope, "mcp mail.read calendar.read");
    assert_eq!(set.expires_in, ACCESS_TOKEN_LIFETIME_SECS);
    assert!(w.auth_ok(&at(&set), NOW + 101));
}

#[test]
fn two_concurrent_refreshes_with_the_same_token_both_succeed() {
    let mut w = World::new();
    let (a0, r0) = w.tokens();
    // Claude refreshes twice at once: both calls present r0.
    let (a1, r1) = w.rotate(&r0, NOW + 100);
    let (a2, r2) = w.rotate(&r0, NOW + 100);
    assert_ne!(r1, r2);
    assert!(w.auth_ok(&a1, NOW + 101) && w.auth_ok(&a2, NOW + 101));
    // Either replacement works; the client keeps r2 (the later answer) and uses it.
    let (a3, r3) = w.rotate(&r2, NOW + 200);
    assert!(w.auth_ok(&a3, NOW + 201));
    // Using r2 killed r0 and r2's sibling r1; the family continues from r3.
    let (_, r4) = w.rotate(&r3, NOW + 300);
    assert!(w.refresh(&r4, NOW + 400).is_ok());
    // Earlier access tokens are unaffected by rotation.
    assert!(w.auth_ok(&a0, NOW + 401));
}

#[test]
fn each_replacement_works_until_one_is_used() {
    for use_first in [true, false] {
        let mut w = World::new();
        let (_, r0) = w.tokens();
        let (_, r1) = w.rotate(&r0, NOW + 100);
        let (_, r2) = w.rotate(&r0, NOW + 100);
        // Still within grace: r0 can be presented again while no replacement was used.
        let (_, r3) = w.rotate(&r0, NOW + 150);
        let (used, others) = if use_first {
            (r1, [r2, r3])
        } else {
            (r3, [r1, r2])
        };
        let (a_used, r_next) = w.rotate(&used, NOW + 200);
        // The sibling is dead now: presenting it is replay and revokes the grant.
        assert_eq!(
            w.refresh(&others[0], NOW + 300).err(),
            Some("invalid_grant".into())
        );
        assert!(w.grants.grants()[0].is_revoked());
        assert!(!w.auth_ok(&a_used, NOW + 301));
        assert_eq!(
            w.refresh(&r_next, NOW + 302).err(),
            Some("invalid_grant".into())
        );
        assert_eq!(
            w.refresh(&others[1], NOW + 303).err(),
            Some("invalid_grant".into())
        );
    }
}

#[test]
fn old_token_after_its_replacement_was_used_revokes_the_grant() {
    let mut w = World::new();
    let (a0, r0) = w.tokens();
    let (a1, r1) = w.rotate(&r0, NOW + 100);
    let (a2, r2) = w.rotate(&r1, NOW + 200);
    // The replacement r1 has been used: r0 is dead; presenting it is replay.
    assert_eq!(
        w.refresh(&r0, NOW + 300).err(),
        Some("invalid_grant".into())
    );
    // The whole grant is revoked: every refresh and access token fails.
    for a in [&a0, &a1, &a2] {
        let e = w.auth(a, NOW + 301).err().unwrap_or_default();
        assert!(e.contains("revoked"), "{e}");
    }
    for r in [&r0, &r1, &r2] {
        assert_eq!(w.refresh(r, NOW + 302).err(), Some("invalid_grant".into()));
    }
    // A rotated token re-presented after its own replacement was used is replay too.
    let mut w = World::new();
    let (_, r0) = w.tokens();
    let (_, r1) = w.rotate(&r0, NOW + 100);
    let (_, r2) = w.rotate(&r1, NOW + 200);
    let (_, _r3) = w.rotate(&r2, NOW + 300);
    assert_eq!(
        w.refresh(&r1, NOW + 400).err(),
        Some("invalid_grant".into())
    );
    assert!(w.grants.grants()[0].is_revoked());
}

#[test]
fn refresh_scope_narrowing() {
    let mut w = World::new();
    let (_, r0) = w.tokens();
    let narrow = w
        .refresh_full(&r0, CLIENT, None, Some("mail.read  mcp"), NOW + 10)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(narrow.scope, "mail.read mcp");
    assert_eq!(
        w.auth(&at(&narrow), NOW + 11),
        Ok(vec!["mail.read".into(), "mcp".into()])
    );
    // Broadening beyond the grant is refused, and does not consume the token.
    let r1 = rt(&narrow);
    for bad in ["mcp admin", "mail.send"] {
        let e = w.refresh_full(&r1, CLIENT, None, Some(bad), NOW + 20).err();
        assert_eq!(e, Some("invalid_scope".into()), "{bad}");
    }
    // A later refresh without scope gets the full grant back (RFC 6749 §6).
    let full = w
        .refresh_full(&r1, CLIENT, None, None, NOW + 30)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(full.scope, "mcp mail.read calendar.read");
    // Requesting exactly the granted set (any order) is not a narrowing.
    let same = w
        .refresh_full(
            &rt(&full),
            CLIENT,
            None,
            Some("calendar.read mcp mail.read"),
            NOW + 40,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(same.scope, "mcp mail.read calendar.read");
}

#[test]
fn refresh_resource_and_client_mismatch() {
    let mut w = World::new();
    let (_, r0) = w.tokens();
    let e = w.refresh_full(
        &r0,
        CLIENT,
        Some("https://other.example.com/mcp"),
        None,
        NOW,
    );
    assert_eq!(e.err(), Some("invalid_target".into()));
    let e = w.refresh_full(&r0, "client-2", Some(RESOURCE), None, NOW);
    assert_eq!(e.err(), Some("invalid_grant".into()));
    // Neither mistake used up or revoked the token.
    assert!(!w.grants.grants()[0].is_revoked());
    assert!(w.refresh(&r0, NOW + 1).is_ok());
}

#[test]
fn refresh_tokens_expire_idle_and_absolute() {
    // Idle: unused for 30 days.
    let mut w = World::new();
    let (_, r0) = w.tokens();
    assert_eq!(
        w.refresh(&r0, NOW + REFRESH_IDLE_LIFETIME_SECS).err(),
        Some("invalid_grant".into())
    );
    let (_, r0) = w.tokens();
    assert!(w.refresh(&r0, NOW + REFRESH_IDLE_LIFETIME_SECS - 1).is_ok());

    // Absolute: rotating every 20 days keeps it alive only until 90 days after the grant.
    let mut w = World::new();
    let (_, mut r) = w.tokens();
    let step = 20 * 86_400;
    let mut t = NOW;
    while t + step < NOW + REFRESH_ABSOLUTE_LIFETIME_SECS {
        t += step;
        let set = w.refresh(&r, t).unwrap_or_else(|e| panic!("at {t}: {e}"));
        assert!(t + set.expires_in <= NOW + REFRESH_ABSOLUTE_LIFETIME_SECS);
        r = rt(&set);
    }
    assert_eq!(
        w.refresh(&r, NOW + REFRESH_ABSOLUTE_LIFETIME_SECS).err(),
        Some("invalid_grant".into())
    );
}

// ---------------------------------------------------------------------------------------------
// Access tokens

#[test]
fn access_token_expiry() {
    let mut w = World::new();
    let (a, _) = w.tokens();
    assert!(w.auth_ok(&a, NOW + ACCESS_TOKEN_LIFETIME_SECS - 1));
    let e = w
        .auth(&a, NOW + ACCESS_TOKEN_LIFETIME_SECS)
        .err()
        .unwrap_or_default();
    assert!(
        e.starts_with("invalid_token") && e.contains("expired"),
        "{e}"
    );
}

#[test]
fn access_token_for_another_resource_is_refused() {
    let mut w = World::new();
    let (a, _) = w.tokens();
    for other in [
        "https://m365.example.com/sse",
        "https://m365.example.com/mcp/",
        "https://other.example.com/mcp",
    ] {
        let e = w.grants.authenticate(&a, other, NOW).err();
        assert_eq!(
            e.as_ref().map(|e| e.code()),
            Some("invalid_token"),
            "{other}"
        );
        assert_eq!(e.map(|e| e.http_status()), Some(401));
    }
    assert!(w
        .grants
        .authenticate(&a, "https://M365.example.com/mcp", NOW)
        .is_ok());
}

#[test]
fn unknown_and_wrong_kind_access_tokens() {
    let mut w = World::new();
    let (_, r) = w.tokens();
    let unknown = tokens::mint(TokenKind::Access, &w.user, [1; 32]).into_inner();
    for bad in [unknown.as_str(), &r, "", "Bearer x", &"m".repeat(74)] {
        let e = w.auth(bad, NOW).err().unwrap_or_default();
        assert!(e.starts_with("invalid_token"), "{bad}: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Revocation (RFC 7009)

#[test]
fn revoking_an_access_token_revokes_only_it() {
    let mut w = World::new();
    let (a0, r0) = w.tokens();
    let (a1, _) = w.rotate(&r0, NOW + 10);
    w.grants.revoke(&a0, CLIENT);
    assert!(!w.auth_ok(&a0, NOW + 11));
    assert!(w.auth_ok(&a1, NOW + 11));
    assert!(!w.grants.grants()[0].is_revoked());
}

#[test]
fn revoking_a_refresh_token_revokes_the_grant() {
    let mut w = World::new();
    let (a0, r0) = w.tokens();
    let (a1, r1) = w.rotate(&r0, NOW + 10);
    // Another grant of the same user and client is untouched.
    let (a_other, r_other) = w.tokens();
    w.grants.revoke(&r1, CLIENT);
    assert!(!w.auth_ok(&a0, NOW + 11) && !w.auth_ok(&a1, NOW + 11));
    assert_eq!(w.refresh(&r1, NOW + 12).err(), Some("invalid_grant".into()));
    assert!(w.auth_ok(&a_other, NOW + 12));
    assert!(w.refresh(&r_other, NOW + 13).is_ok());
}

#[test]
fn revocation_by_another_client_or_of_garbage_is_ignored() {
    let mut w = World::new();
    let (a, r) = w.tokens();
    w.grants.revoke(&a, "client-2");
    w.grants.revoke(&r, "client-2");
    w.grants.revoke("garbage", CLIENT);
    w.grants.revoke("", CLIENT);
    let code = w.code(NOW);
    w.grants.revoke(&code, CLIENT);
    assert!(w.auth_ok(&a, NOW));
    assert!(w.refresh(&r, NOW).is_ok());
    assert!(w.redeem(&code, NOW).is_ok());
}

#[test]
fn revoke_client_revokes_its_grants_and_codes() {
    let mut w = World::new();
    let (a, r) = w.tokens();
    let code = w.code(NOW);
    w.grants.revoke_client(CLIENT);
    assert!(!w.auth_ok(&a, NOW));
    assert_eq!(w.refresh(&r, NOW).err(), Some("invalid_grant".into()));
    assert_eq!(code_of(w.redeem(&code, NOW)), Some("invalid_grant".into()));
}

// ---------------------------------------------------------------------------------------------
// Persistence

#[test]
fn user_grants_serialization_round_trip() {
    let mut w = World::new();
    let (a0, r0) = w.tokens();
    // Mid-grace state: r0 rotated with two live children.
    let (_, r1) = w.rotate(&r0, NOW + 10);
    let (_, r2) = w.rotate(&r0, NOW + 10);
    let narrow = w
        .refresh_full(&r2, CLIENT, None, Some("mcp"), NOW + 20)
        .unwrap_or_else(|e| panic!("{e}"));
    let pending = w.code(NOW + 20);

    let json = serde_json::to_string(&w.grants).unwrap_or_else(|e| panic!("{e}"));
    // Only hashes are stored.
    for secret in [&a0, &r0, &r1, &r2, &at(&narrow), &rt(&narrow), &pending] {
        assert!(!json.contains(secret.as_str()));
        assert!(!json.contains(&secret[30..]));
    }
    let back: UserGrants = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::to_string(&back).ok(), Some(json.clone()));

    // The restored state behaves identically.
    w.grants = back;
    assert_eq!(w.auth(&at(&narrow), NOW + 21), Ok(vec!["mcp".to_string()]));
    assert!(w.auth_ok(&a0, NOW + 21));
    assert!(w.redeem(&pending, NOW + 21).is_ok());
    assert!(w.refresh(&rt(&narrow), NOW + 22).is_ok());
    // r1 died when r2 was used: replay.
    assert_eq!(w.refresh(&r1, NOW + 23).err(), Some("invalid_grant".into()));
    assert!(w.grants.grants()[0].is_revoked());

    // An empty state serializes to an empty object and back.
    let empty = serde_json::to_string(&UserGrants::new()).unwrap_or_default();
    assert_eq!(empty, "{}");
    assert!(serde_json::from_str::<UserGrants>("{}").is_ok_and(|g| g.is_empty()));
}

#[test]
fn prune_drops_everything_expired() {
    let mut w = World::new();
    let (_, r) = w.tokens();
    let _pending = w.code(NOW);
    let code = w.code_with_scopes(NOW, &[]);
    let set = w
        .redeem_with(
            CodeRedemption {
                issue_refresh: false,
                ..redemption(&code)
            },
            NOW,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(set.scope, "");
    assert!(!set.to_json().contains("scope"));
    w.grants.prune(NOW + ACCESS_TOKEN_LIFETIME_SECS);
    // The grant without refresh token is gone; the other lives on through its refresh token.
    assert_eq!(w.grants.grants().len(), 1);
    assert!(w.refresh(&r, NOW + ACCESS_TOKEN_LIFETIME_SECS).is_ok());
    w.grants.prune(NOW + 2 * REFRESH_ABSOLUTE_LIFETIME_SECS);
    assert!(w.grants.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Token format

#[test]
fn token_format_table() {
    let user = tokens::user_key(
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "00000000-0000-0000-0000-000000000001",
    );
    assert_eq!(user.encode().len(), 22);
    let good = tokens::mint(TokenKind::Refresh, &user, [0xab; 32]).into_inner();
    assert_eq!(good.len(), tokens::TOKEN_LEN);
    assert!(good.starts_with("m365_rt_"));
    assert_eq!(&good[8..30], user.encode());
    let parsed = tokens::parse(&good);
    assert_eq!(parsed.map(|p| p.kind), Some(TokenKind::Refresh));
    assert_eq!(parsed.map(|p| p.user_key), Some(user));

    let swap = |at: usize, with: char| {
        let mut s: Vec<char> = good.chars().collect();
        s[at] = with;
        s.into_iter().collect::<String>()
    };
    let rejected = [
        String::new(),
        good.to_uppercase(),
        good.replacen("_rt_", "_xx_", 1),
        good.replacen("m365_", "M365_", 1),
        format!("{good}="),
        format!("{good} "),
        good[..73].to_owned(),
        swap(7, '-'),
        swap(30, '-'),
        swap(40, '/'),
        swap(12, '='),
        swap(73, 'é'),
        format!("Bearer {good}"),
    ];
    for bad in &rejected {
        assert!(tokens::parse(bad).is_none(), "{bad:?}");
    }
    // Kinds.
    for (kind, tag) in [
        (TokenKind::AuthorizationCode, "ac"),
        (TokenKind::Access, "at"),
        (TokenKind::Refresh, "rt"),
    ] {
        let t = tokens::mint(kind, &user, [1; 32]).into_inner();
        assert_eq!(&t[5..7], tag);
        assert_eq!(tokens::parse_kind(&t, kind).map(|p| p.kind), Some(kind));
    }
    assert!(tokens::parse_kind(&good, TokenKind::Access).is_none());
    // Hashes: deterministic, distinct, constant-size.
    assert_eq!(tokens::hash(&good), tokens::hash(&good));
    assert_ne!(tokens::hash(&good), tokens::hash(&swap(50, 'A')));
}

// ---------------------------------------------------------------------------------------------
// /token and /revoke request parsing

fn parse(body: &str, auth: Option<&str>) -> Result<TokenRequest, String> {
    parse_token_request(FORM, body.as_bytes(), auth).map_err(|e| e.code().to_owned())
}

fn basic(raw: &str) -> String {
    format!("Basic {}", STANDARD.encode(raw))
}

const CODE_BODY: &str =
    "grant_type=authorization_code&code=C&redirect_uri=https%3A%2F%2Fapp%2Fcb&code_verifier=V";

#[test]
fn token_request_content_type() {
    let body = format!("{CODE_BODY}&client_id=c");
    for ct in [
        None,
        Some("application/json"),
        Some("text/plain"),
        Some("multipart/form-data"),
        Some(""),
    ] {
        let e = parse_token_request(ct, body.as_bytes(), None).err();
        assert_eq!(e.map(|e| e.code()), Some("invalid_request"), "{ct:?}");
    }
    for ct in [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-Urlencoded",
    ] {
        assert!(
            parse_token_request(Some(ct), body.as_bytes(), None).is_ok(),
            "{ct}"
        );
    }
}

#[test]
fn token_request_parameter_table() {
    let cases: &[(&str, Option<&str>)] = &[
        // Duplicates (RFC 6749 §3.2).
        ("grant_type=refresh_token&refresh_token=R&refresh_token=R&client_id=c", Some("invalid_request")),
        ("grant_type=refresh_token&grant_type=refresh_token&refresh_token=R&client_id=c", Some("invalid_request")),
        ("grant_type=refresh_token&refresh_token=R&client_id=c&client_id=c", Some("invalid_request")),
        ("grant_type=refresh_token&refresh_token=R&client_id=c&scope=&scope=a", Some("invalid_request")),
        // Several resources: one token cannot serve them (RFC 8707 §2).
        ("grant_type=refresh_token&refresh_token=R&client_id=c&resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb", Some("invalid_target")),
        // Grant types.
        ("refresh_token=R&client_id=c", Some("invalid_request")),
        ("grant_type=&refresh_token=R&client_id=c", Some("invalid_request")),
        ("grant_type=password&username=u&password=p&client_id=c", Some("unsupported_grant_type")),
        ("grant_type=client_credentials&client_id=c", Some("unsupported_grant_type")),
        ("grant_type=Refresh_Token&refresh_token=R&client_id=c", Some("unsupported_grant_type")),
        // Required parameters; empty means omitted (RFC 6749 §3.1).
        ("grant_type=refresh_token&client_id=c", Some("invalid_request")),
        ("grant_type=refresh_token&refresh_token=&client_id=c", Some("invalid_request")),
        ("grant_type=authorization_code&redirect_uri=x&code_verifier=V&client_id=c", Some("invalid_request")),
        ("grant_type=authorization_code&code=C&code_verifier=V&client_id=c", Some("invalid_request")),
        ("grant_type=authorization_code&code=C&redirect_uri=x&client_id=c", Some("invalid_request")),
        // No client identification at all.
        ("grant_type=refresh_token&refresh_token=R", Some("invalid_client")),
        ("grant_type=refresh_token&refresh_token=R&client_id=", Some("invalid_client")),
        ("grant_type=refresh_token&refresh_token=R&client_id=c&client_assertion_type=x&client_assertion=y", Some("invalid_client")),
        // Malformed encoding.
        ("grant_type=refresh_token&refresh_token=%FF&client_id=c", Some("invalid_request")),
        // Fine: unknown parameters ignored, empty pairs skipped, one resource.
        ("grant_type=refresh_token&refresh_token=R&client_id=c&foo=bar&&", None),
        ("grant_type=refresh_token&refresh_token=R&client_id=c&resource=https%3A%2F%2Fa", None),
        (CODE_BODY, Some("invalid_client")),
    ];
    for (body, expected) in cases {
        let got = parse(body, None).err();
        assert_eq!(got.as_deref(), *expected, "{body}");
    }
}

#[test]
fn token_request_grants_are_decoded() {
    let r = parse(
        &format!(
            "{CODE_BODY}&client_id=c&resource=https%3A%2F%2Fm365.example.com%2Fmcp&scope=ignored"
        ),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match &r.grant {
        TokenGrant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            resource,
        } => {
            assert_eq!(code.expose(), "C");
            assert_eq!(redirect_uri, "https://app/cb");
            assert_eq!(code_verifier.expose(), "V");
            assert_eq!(resource.as_deref(), Some(RESOURCE));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.client.method, ClientAuthMethod::None);
    assert_eq!(r.client.client_id, "c");

    let r = parse(
        "grant_type=refresh_token&refresh_token=R%2B&scope=mcp+mail.read&client_id=c",
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match &r.grant {
        TokenGrant::RefreshToken {
            refresh_token,
            scope,
            resource,
        } => {
            assert_eq!(refresh_token.expose(), "R+");
            assert_eq!(scope.as_deref(), Some("mcp mail.read"));
            assert_eq!(resource, &None);
        }
        other => panic!("{other:?}"),
    }
    // Secrets never show in Debug output.
    let shown = format!("{r:?}");
    assert!(!shown.contains("R+"), "{shown}");
}

#[test]
fn token_request_client_authentication() {
    const BODY: &str = "grant_type=refresh_token&refresh_token=R";
    // Basic with form-urlencoded id and secret (RFC 6749 §2.3.1).
    let header = basic("my+client%3A1:p%40ss%3Aw%25rd%2B+x");
    let r = parse(BODY, Some(&header)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.client.method, ClientAuthMethod::ClientSecretBasic);
    assert_eq!(r.client.client_id, "my client:1");
    assert_eq!(
        r.client.secret.as_ref().map(|s| s.expose()),
        Some("p@ss:w%rd+ x")
    );
    // Same id in the body is tolerated.
    assert!(parse(&format!("{BODY}&client_id=my+client%3A1"), Some(&header)).is_ok());

    // client_secret_post.
    let r = parse(&format!("{BODY}&client_id=c&client_secret=s%26t"), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.client.method, ClientAuthMethod::ClientSecretPost);
    assert_eq!(r.client.secret.as_ref().map(|s| s.expose()), Some("s&t"));

    let cases: &[(&str, Option<String>, &str)] = &[
        // Two methods at once (RFC 6749 §2.3).
        ("&client_secret=s", Some(basic("c:s")), "invalid_request"),
        (
            "&client_id=c&client_secret=s",
            Some(basic("c:s")),
            "invalid_request",
        ),
        // Body id contradicts the header.
        ("&client_id=other", Some(basic("c:s")), "invalid_request"),
        // Unusable headers.
        ("", Some("Basic".into()), "invalid_client"),
        ("", Some("Basic ****".into()), "invalid_client"),
        ("", Some(basic("no-colon")), "invalid_client"),
        ("", Some(basic(":secret")), "invalid_client"),
        ("", Some(basic("c:%FF")), "invalid_client"),
        ("&client_id=c", Some("Bearer abc".into()), "invalid_client"),
    ];
    for (extra, header, expected) in cases {
        let got = parse(&format!("{BODY}{extra}"), header.as_deref()).err();
        assert_eq!(got.as_deref(), Some(*expected), "{extra} {header:?}");
    }
}

#[test]
fn check_client_auth_against_registration() {
    let stored = hash_client_secret("p@ss:w%rd+ x");
    let header = basic("my+client%3A1:p%40ss%3Aw%25rd%2B+x");
    let r = parse("grant_type=refresh_token&refresh_token=R", Some(&header))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check_client_auth(&r.client, "client_secret_basic", Some(&stored)).is_ok());
    let e = check_client_auth(&r.client, "client_secret_post", Some(&stored)).err();
    assert_eq!(
        e.map(|e| (e.code(), e.http_status())),
        Some(("invalid_client", 401))
    );
    let e = check_client_auth(
        &r.client,
        "client_secret_basic",
        Some(&hash_client_secret("x")),
    );
    assert_eq!(e.err().map(|e| e.code()), Some("invalid_client"));

    let public = parse("grant_type=refresh_token&refresh_token=R&client_id=c", None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check_client_auth(&public.client, "none", None).is_ok());
    let e = check_client_auth(&public.client, "client_secret_basic", Some(&stored)).err();
    assert_eq!(e.map(|e| e.code()), Some("invalid_client"));
}

#[test]
fn revocation_request_parsing() {
    let r = parse_revocation_request(
        FORM,
        b"token=m365_at_x&token_type_hint=access_token&client_id=c",
        None,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.token.expose(), "m365_at_x");
    assert_eq!(r.token_type_hint.as_deref(), Some("access_token"));
    assert_eq!(r.client.method, ClientAuthMethod::None);

    let r = parse_revocation_request(FORM, b"token=t", Some(&basic("c:s")))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.client.method, ClientAuthMethod::ClientSecretBasic);
    assert!(r.token_type_hint.is_none());

    let cases: &[(Option<&str>, &str, &str)] = &[
        (FORM, "client_id=c", "invalid_request"),
        (FORM, "token=&client_id=c", "invalid_request"),
        (FORM, "token=a&token=b&client_id=c", "invalid_request"),
        (FORM, "token=a", "invalid_client"),
        (
            Some("application/json"),
            "token=a&client_id=c",
            "invalid_request",
        ),
    ];
    for (ct, body, expected) in cases {
        let got = parse_revocation_request(*ct, body.as_bytes(), None).err();
        assert_eq!(got.map(|e| e.code()), Some(*expected), "{body}");
    }
}
