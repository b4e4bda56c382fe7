//! Request ids: 16 random bytes (supplied by the caller) as 32 lowercase hex digits. The id is
//! logged with every line and returned in `x-request-id`, so a user's report can be matched to logs.

/// Format random bytes as a request id.
pub fn from_random(bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_32_hex_digits() {
        let id = super::from_random([0xab; 16]);
        assert_eq!(id.len(), 32);
        assert_eq!(&id[..4], "abab");
        assert_eq!(super::from_random([0; 16]), "0".repeat(32));
    }
}
