//! The token vault: AES-256-GCM sealing bound to user and purpose, key parsing, and the
//! `MicrosoftTokens` record's store / read / refresh-plan behaviour.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use m365_core::entra::{AccessToken, CodeVerifier, EntraTokens, IdTokenClaims, RefreshToken};
use m365_core::vault::{
    open, open_pkce_verifier, seal, seal_pkce_verifier, user_key, Aad, MicrosoftTokens, Purpose,
    RefreshPlan, StoreNonces, VaultError, VaultKey, REFRESH_SKEW_SECS,
};

const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OID: &str = "00000000-0000-0000-66f3-3332eca7ea81";
const NOW: u64 = 1_800_000_000;

fn key() -> VaultKey {
    VaultKey::from_bytes([0x42; 32])
}

fn other_key() -> VaultKey {
    VaultKey::from_bytes([0x43; 32])
}

fn nonce(n: u8) -> [u8; 12] {
    [n; 12]
}

fn aad() -> Aad {
    Aad::new(&user_key(TID, OID), Purpose::MicrosoftRefreshToken)
}

#[test]
fn seal_open_round_trip() {
    let sealed = seal(&key(), b"0.AAAA refresh token", &aad(), nonce(1)).unwrap();
    assert_eq!(
        open(&key(), &sealed, &aad()).unwrap(),
        b"0.AAAA refresh token"
    );
    // base64url without padding, version 1, then the nonce.
    let raw = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
    assert_eq!(raw[0], 1);
    assert_eq!(&raw[1..13], &nonce(1));
    assert_eq!(raw.len(), 1 + 12 + b"0.AAAA refresh token".len() + 16);
    assert!(!sealed.contains('=') && !sealed.contains('+') && !sealed.contains('/'));
}

#[test]
fn empty_plaintext_round_trips() {
    let sealed = seal(&key(), b"", &aad(), nonce(9)).unwrap();
    assert_eq!(open(&key(), &sealed, &aad()).unwrap(), b"");
}

#[test]
fn different_nonces_give_different_outputs() {
    let a = seal(&key(), b"same", &aad(), nonce(1)).unwrap();
    let b = seal(&key(), b"same", &aad(), nonce(2)).unwrap();
    assert_ne!(a, b);
    // The nonce is the only source of variation: the caller must never reuse one.
    assert_eq!(a, seal(&key(), b"same", &aad(), nonce(1)).unwrap());
}

#[test]
fn tampering_is_detected() {
    let sealed = seal(&key(), b"secret value", &aad(), nonce(3)).unwrap();
    let raw = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
    // Flip one bit in the nonce, the ciphertext and the tag.
    for idx in [1, 13, raw.len() - 1] {
        let mut t = raw.clone();
        t[idx] ^= 0x01;
        assert_eq!(
            open(&key(), &URL_SAFE_NO_PAD.encode(&t), &aad()),
            Err(VaultError::Decrypt),
            "byte {idx}"
        );
    }
    // Truncated tag.
    let short = URL_SAFE_NO_PAD.encode(&raw[..raw.len() - 1]);
    assert_eq!(open(&key(), &short, &aad()), Err(VaultError::Decrypt));
    // Unknown version byte.
    let mut v2 = raw.clone();
    v2[0] = 2;
    assert_eq!(
        open(&key(), &URL_SAFE_NO_PAD.encode(&v2), &aad()),
        Err(VaultError::UnsupportedVersion(2))
    );
}

#[test]
fn wrong_aad_fails() {
    let sealed = seal(&key(), b"rt", &aad(), nonce(4)).unwrap();
    let other_user = Aad::new(
        &user_key(TID, "another-oid"),
        Purpose::MicrosoftRefreshToken,
    );
    let other_purpose = Aad::new(&user_key(TID, OID), Purpose::MicrosoftAccessToken);
    assert_eq!(open(&key(), &sealed, &other_user), Err(VaultError::Decrypt));
    assert_eq!(
        open(&key(), &sealed, &other_purpose),
        Err(VaultError::Decrypt)
    );
}

#[test]
fn wrong_key_fails() {
    let sealed = seal(&key(), b"rt", &aad(), nonce(5)).unwrap();
    assert_eq!(
        open(&other_key(), &sealed, &aad()),
        Err(VaultError::Decrypt)
    );
}

#[test]
fn malformed_sealed_values() {
    for bad in ["", "!!!!", "AQ", &URL_SAFE_NO_PAD.encode([1u8; 28])] {
        assert_eq!(
            open(&key(), bad, &aad()),
            Err(VaultError::Malformed),
            "{bad:?}"
        );
    }
}

#[test]
fn key_parsing() {
    let bytes = [7u8; 32];
    let std = STANDARD.encode(bytes);
    // `openssl rand -base64 32` output, with its newline.
    assert!(VaultKey::from_base64(&format!("{std}\n")).is_ok());
    assert!(VaultKey::from_base64(std.trim_end_matches('=')).is_ok());
    assert!(VaultKey::from_base64(&URL_SAFE_NO_PAD.encode([0xfb; 32])).is_ok());
    assert!(VaultKey::from_base64(&STANDARD.encode([0xfb; 32])).is_ok());
    // A key parsed from base64 seals like the same bytes given directly.
    let parsed = VaultKey::from_base64(&std).unwrap();
    let s = seal(&parsed, b"x", &aad(), nonce(6)).unwrap();
    assert_eq!(
        open(&VaultKey::from_bytes(bytes), &s, &aad()).unwrap(),
        b"x"
    );

    for bad in [
        STANDARD.encode([7u8; 31]),
        STANDARD.encode([7u8; 33]),
        STANDARD.encode([7u8; 16]),
        String::new(),
        "not base64 at all!".to_string(),
    ] {
        assert_eq!(
            VaultKey::from_base64(&bad).map(|_| ()),
            Err(VaultError::InvalidKey),
            "{bad:?}"
        );
    }
}

#[test]
fn pkce_verifier_is_bound_to_its_request() {
    let v = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    let sealed = seal_pkce_verifier(&key(), "pending-1", &v, nonce(7)).unwrap();
    assert_eq!(
        open_pkce_verifier(&key(), "pending-1", &sealed)
            .unwrap()
            .secret(),
        v.secret()
    );
    assert!(open_pkce_verifier(&key(), "pending-2", &sealed).is_err());
}

fn claims() -> IdTokenClaims {
    IdTokenClaims {
        oid: OID.into(),
        tid: TID.into(),
        preferred_username: Some("adele@contoso.example".into()),
        name: Some("Adele Vance".into()),
        email: None,
        exp: NOW + 3600,
    }
}

fn tokens(access: &str, refresh: Option<&str>, scope: &[&str]) -> EntraTokens {
    EntraTokens {
        access_token: AccessToken::new(access),
        refresh_token: refresh.map(RefreshToken::new),
        expires_in: 3599,
        scope: scope.iter().map(|s| (*s).to_string()).collect(),
        id_token: None,
    }
}

fn nonces(n: u8) -> StoreNonces {
    StoreNonces {
        access: [n; 12],
        refresh: [n.wrapping_add(100); 12],
    }
}

fn record() -> MicrosoftTokens {
    MicrosoftTokens::new(
        &key(),
        &claims(),
        &tokens(
            "at-1",
            Some("rt-1"),
            &["openid", "profile", "Mail.Read", "User.Read"],
        ),
        NOW,
        nonces(1),
    )
    .unwrap()
}

#[test]
fn record_after_sign_in() {
    let r = record();
    assert_eq!(r.tenant_id, TID);
    assert_eq!(r.object_id, OID);
    assert_eq!(r.username, "adele@contoso.example");
    assert_eq!(r.access_expires_at, NOW + 3599);
    assert_eq!(r.updated_at, NOW);
    assert!(!r.needs_reconsent);
    assert!(r.has_scopes(&["mail.read", "User.Read"]));
    assert!(!r.has_scopes(&["Mail.Send"]));
    assert_eq!(r.user_key(), user_key(TID, OID));
    assert!(r.is_owned_by(&user_key(&TID.to_uppercase(), OID)));
    assert!(!r.is_owned_by(&user_key(TID, "someone-else")));

    let at = r
        .access_token(&key(), NOW, REFRESH_SKEW_SECS)
        .unwrap()
        .unwrap();
    assert_eq!(at.secret(), "at-1");
    assert_eq!(r.refresh_token(&key()).unwrap().secret(), "rt-1");
    assert_eq!(r.refresh_plan(NOW), RefreshPlan::UseCached);
}

#[test]
fn access_token_expiring_within_skew_is_not_returned() {
    let r = record();
    let soon = r.access_expires_at - REFRESH_SKEW_SECS;
    assert!(r
        .access_token(&key(), soon - 1, REFRESH_SKEW_SECS)
        .unwrap()
        .is_some());
    assert!(r
        .access_token(&key(), soon, REFRESH_SKEW_SECS)
        .unwrap()
        .is_none());
    assert!(r
        .access_token(&key(), r.access_expires_at + 10, 0)
        .unwrap()
        .is_none());
    assert_eq!(r.refresh_plan(soon - 1), RefreshPlan::UseCached);
    assert_eq!(r.refresh_plan(soon), RefreshPlan::Refresh);
    assert_eq!(
        r.refresh_plan(r.access_expires_at + 86_400),
        RefreshPlan::Refresh
    );
}

#[test]
fn refresh_rotates_the_refresh_token() {
    let mut r = record();
    let later = NOW + 3400;
    r.apply_refresh(
        &key(),
        &tokens(
            "at-2",
            Some("rt-2"),
            &["Mail.Read", "User.Read", "Mail.Send"],
        ),
        later,
        nonces(2),
    )
    .unwrap();
    assert_eq!(r.refresh_token(&key()).unwrap().secret(), "rt-2");
    assert_eq!(
        r.access_token(&key(), later, REFRESH_SKEW_SECS)
            .unwrap()
            .unwrap()
            .secret(),
        "at-2"
    );
    assert_eq!(r.access_expires_at, later + 3599);
    assert!(r.has_scopes(&["Mail.Send"]));
    assert_eq!(r.updated_at, later);
}

#[test]
fn refresh_without_new_refresh_token_keeps_the_old_one_and_scopes() {
    let mut r = record();
    r.apply_refresh(&key(), &tokens("at-2", None, &[]), NOW + 10, nonces(3))
        .unwrap();
    assert_eq!(r.refresh_token(&key()).unwrap().secret(), "rt-1");
    assert!(r.has_scopes(&["Mail.Read"]));
}

#[test]
fn invalid_grant_marks_reconsent() {
    let mut r = record();
    r.mark_needs_reconsent(NOW + 5);
    assert!(r.needs_reconsent);
    assert_eq!(r.refresh_plan(NOW + 5), RefreshPlan::Reconsent);
    assert!(r.access_token(&key(), NOW + 5, 0).unwrap().is_none());
    assert_eq!(
        r.refresh_token(&key()).map(|_| ()),
        Err(VaultError::NoRefreshToken)
    );
    // A new sign-in clears it.
    r.store(
        &key(),
        &tokens("at-3", Some("rt-3"), &["Mail.Read"]),
        NOW + 60,
        nonces(4),
    )
    .unwrap();
    assert!(!r.needs_reconsent);
    assert_eq!(r.refresh_plan(NOW + 60), RefreshPlan::UseCached);
}

#[test]
fn no_refresh_token_and_expired_access_means_reconsent() {
    let r =
        MicrosoftTokens::new(&key(), &claims(), &tokens("at", None, &[]), NOW, nonces(5)).unwrap();
    assert_eq!(r.refresh_plan(NOW), RefreshPlan::UseCached);
    assert_eq!(r.refresh_plan(NOW + 3599), RefreshPlan::Reconsent);
}

#[test]
fn record_serialises_without_plaintext_tokens() {
    let r = record();
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("at-1") && !json.contains("rt-1"));
    let back: MicrosoftTokens = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.refresh_token(&key()).unwrap().secret(), "rt-1");
    let dbg = format!("{r:?}");
    assert!(!dbg.contains(&r.access_token_sealed));
    assert!(dbg.contains("[sealed]"));
}

#[test]
fn record_moved_to_another_user_does_not_open() {
    let mut r = record();
    r.object_id = "11111111-2222-3333-4444-555555555555".into();
    assert_eq!(
        r.access_token(&key(), NOW, 0).map(|_| ()),
        Err(VaultError::Decrypt)
    );
    assert_eq!(
        r.refresh_token(&key()).map(|_| ()),
        Err(VaultError::Decrypt)
    );
}

#[test]
fn wrong_vault_key_cannot_read_the_record() {
    let r = record();
    assert_eq!(
        r.access_token(&other_key(), NOW, 0).map(|_| ()),
        Err(VaultError::Decrypt)
    );
}
