//! Attachment contents: small real-looking files (PNG, PDF, CSV, ICS, text) and a few large
//! deterministic blobs, plus the `fileAttachment` JSON that carries them.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::util::{b64, digest, iso_z, Rng};

/// An attachment to put on a message or event.
#[derive(Debug, Clone)]
pub struct FileSpec {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub inline_cid: Option<String>,
    /// Pre-encoded content (base64, decoded size) for large blobs; `bytes` is then empty.
    pub encoded: Option<(String, usize)>,
}

impl FileSpec {
    pub fn new(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Self {
        Self {
            name: name.to_string(),
            content_type,
            bytes,
            inline_cid: None,
            encoded: None,
        }
    }

    /// A large attachment given as base64 (see [`big_blob_b64`]).
    pub fn encoded(name: &str, content_type: &'static str, b64: String, size: usize) -> Self {
        Self {
            name: name.to_string(),
            content_type,
            bytes: Vec::new(),
            inline_cid: None,
            encoded: Some((b64, size)),
        }
    }

    pub fn inline(name: &str, content_type: &'static str, bytes: Vec<u8>, cid: &str) -> Self {
        Self {
            name: name.to_string(),
            content_type,
            bytes,
            inline_cid: Some(cid.to_string()),
            encoded: None,
        }
    }
}

/// Graph `fileAttachment` JSON. The id extends the parent's id like Exchange attachment ids do.
pub fn file_attachment(
    parent_id: &str,
    index: usize,
    f: FileSpec,
    modified: DateTime<Utc>,
) -> Value {
    let d = digest(&["attachment", parent_id, &index.to_string(), &f.name]);
    let mut raw = b"\x01\x12\x00\x10\x00".to_vec();
    raw.extend_from_slice(&d[..16]);
    let id = format!("{}{}", parent_id.trim_end_matches('='), b64(&raw));
    json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "@odata.mediaContentType": f.content_type,
        "id": id,
        "lastModifiedDateTime": iso_z(modified),
        "name": f.name,
        "contentType": f.content_type,
        "size": f.encoded.as_ref().map_or(f.bytes.len(), |e| e.1),
        "isInline": f.inline_cid.is_some(),
        "contentId": f.inline_cid.map_or(Value::Null, Value::String),
        "contentLocation": null,
        "contentBytes": f.encoded.map_or_else(|| b64(&f.bytes), |e| e.0),
    })
}

/// Graph `itemAttachment` JSON holding a message; `size` is the length of the item's JSON text
/// (Exchange reports the stored item's size).
pub fn item_attachment(
    parent_id: &str,
    index: usize,
    name: &str,
    item: Value,
    modified: DateTime<Utc>,
) -> Value {
    let d = digest(&["attachment", parent_id, &index.to_string(), name]);
    let mut raw = b"\x01\x12\x00\x10\x00".to_vec();
    raw.extend_from_slice(&d[..16]);
    let id = format!("{}{}", parent_id.trim_end_matches('='), b64(&raw));
    json!({
        "@odata.type": "#microsoft.graph.itemAttachment",
        "id": id,
        "lastModifiedDateTime": iso_z(modified),
        "name": name,
        "contentType": null,
        "size": item.to_string().len(),
        "isInline": false,
        "item": item,
    })
}

// ---------------------------------------------------------------------------------------------
// PNG: stored (uncompressed) deflate, so no compressor is needed.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut c = kind.to_vec();
    c.extend_from_slice(data);
    out.extend_from_slice(&c);
    out.extend_from_slice(&crc32(&c).to_be_bytes());
}

/// A small valid RGB PNG: a two-colour diagonal gradient (a "logo" or "photo" stand-in).
pub fn png(w: u32, h: u32, from: [u8; 3], to: [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            let t = (x + y) as f32 / (w + h).max(1) as f32;
            for c in 0..3 {
                raw.push((from[c] as f32 + (to[c] as f32 - from[c] as f32) * t) as u8);
            }
        }
    }
    let mut z = vec![0x78, 0x01];
    let mut chunks = raw.chunks(65535).peekable();
    while let Some(ch) = chunks.next() {
        z.push(u8::from(chunks.peek().is_none()));
        z.extend_from_slice(&(ch.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(ch.len() as u16)).to_le_bytes());
        z.extend_from_slice(ch);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &z);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

// ---------------------------------------------------------------------------------------------
// PDF: a minimal one-page document with lines of text (valid xref table).

pub fn pdf(title: &str, lines: &[String]) -> Vec<u8> {
    let esc = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii())
            .collect::<String>()
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let mut stream = String::from("BT\n/F1 16 Tf\n72 740 Td\n");
    stream.push_str(&format!("({}) Tj\n/F1 11 Tf\n", esc(title)));
    for l in lines {
        stream.push_str(&format!("0 -18 Td\n({}) Tj\n", esc(l)));
    }
    stream.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()),
        format!("<< /Title ({}) /Producer (Contoso Docs 4.2) >>", esc(title)),
    ];
    let mut out = String::from("%PDF-1.7\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Text formats.

pub fn csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| {
                if c.contains(',') || c.contains('"') {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// An iCalendar invitation.
pub fn ics(
    uid: &str,
    summary: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    location: &str,
    organizer: &str,
) -> Vec<u8> {
    let f = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    format!(
        "BEGIN:VCALENDAR\r\nPRODID:-//Contoso//Seed//EN\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{summary}\r\nLOCATION:{location}\r\nORGANIZER:mailto:{organizer}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        f(start),
        f(start),
        f(end)
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Large deterministic blobs (a few MB each; only a handful exist in the whole world).

/// A large blob as base64, built without encoding it byte by byte: `head`, then a 48 KiB
/// pseudo-random block repeated, then `tail` — `size` bytes in all. Base64 of segments whose
/// lengths are multiples of 3 concatenates, so the block is encoded once.
pub fn big_blob_b64(size: usize, head: &[u8], tail: &[u8], label: &str) -> String {
    let mut rng = Rng::from_label(label);
    let mut head = head.to_vec();
    while !head.len().is_multiple_of(3) {
        head.push(b'\n');
    }
    let mut block = vec![0u8; 49_152];
    rng.fill(&mut block);
    let body = size.saturating_sub(head.len() + tail.len());
    let (reps, rem) = (body / block.len(), body % block.len());
    let mut last = block[..rem].to_vec();
    last.extend_from_slice(tail);
    let (hb, bb, lb) = (b64(&head), b64(&block), b64(&last));
    let mut out = String::with_capacity(hb.len() + bb.len() * reps + lb.len());
    out.push_str(&hb);
    for _ in 0..reps {
        out.push_str(&bb);
    }
    out.push_str(&lb);
    out
}

/// A ZIP-looking attachment of `size` bytes.
pub fn big_zip(name: &str, size: usize, label: &str) -> FileSpec {
    let head = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x21\x00";
    let tail =
        b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    FileSpec::encoded(
        name,
        "application/zip",
        big_blob_b64(size, head, tail, label),
        size,
    )
}

/// A PDF attachment of `size` bytes: a real first page, then a large embedded image stream.
pub fn big_pdf(name: &str, size: usize, title: &str, label: &str) -> FileSpec {
    let mut head = pdf(title, &["Design review deck (scanned)".to_string()]);
    // Drop the end-of-file marker so the filler reads as an embedded stream.
    head.truncate(head.len().saturating_sub(6));
    head.extend_from_slice(
        b"\n7 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode >>\nstream\n",
    );
    let tail = b"\nendstream\nendobj\n%%EOF\n";
    FileSpec::encoded(
        name,
        "application/pdf",
        big_blob_b64(size, &head, tail, label),
        size,
    )
}

/// About `size` bytes of a shipments CSV export.
pub fn big_csv(size: usize, label: &str) -> Vec<u8> {
    let mut rng = Rng::from_label(label);
    let mut out = String::with_capacity(size + 200);
    out.push_str("shipment_id,order_ref,origin,destination,carrier,weight_kg,pallets,status,shipped_utc,delivered_utc\r\n");
    let places = [
        "Rotterdam",
        "Felixstowe",
        "Hamburg",
        "Antwerp",
        "Le Havre",
        "Gdansk",
        "Valencia",
        "Dublin",
        "Manchester",
        "Leeds",
        "Bristol",
        "Glasgow",
    ];
    let carriers = [
        "Consolidated Messenger",
        "Blue Yonder Cargo",
        "Fabrikam Freight",
        "Northwind Haulage",
    ];
    let statuses = [
        "delivered",
        "delivered",
        "delivered",
        "in_transit",
        "delayed",
        "returned",
    ];
    let mut i = 0u64;
    while out.len() < size {
        i += 1;
        let d = 1 + rng.below(28);
        let m = 1 + rng.below(12);
        out.push_str(&format!(
            "FBK-{:07},PO-{},{},{},{},{}.{},{},{},2024-{m:02}-{d:02}T{:02}:{:02}:00Z,2024-{m:02}-{:02}T{:02}:00:00Z\r\n",
            100_000 + i,
            40_000 + rng.below(9_999),
            rng.pick(&places),
            rng.pick(&places),
            rng.pick(&carriers),
            rng.below(24_000),
            rng.below(10),
            1 + rng.below(33),
            rng.pick(&statuses),
            rng.below(24),
            rng.below(60),
            (d + 1 + rng.below(3)).min(28),
            8 + rng.below(10),
        ));
    }
    out.into_bytes()
}

/// A small "docx"/"xlsx"-looking blob (ZIP signature, pseudo-random body).
pub fn office_blob(size: usize, label: &str) -> Vec<u8> {
    let mut buf = vec![0u8; size.max(64)];
    Rng::from_label(label).fill(&mut buf);
    buf[..4].copy_from_slice(b"PK\x03\x04");
    buf
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    #[test]
    fn big_blob_base64_decodes_to_size() {
        for size in [3_000_000usize, 3_000_001, 3_000_002] {
            let s = super::big_blob_b64(size, b"HEAD!", b"TAIL", "t");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&s)
                .unwrap();
            assert_eq!(bytes.len(), size);
            assert!(bytes.starts_with(b"HEAD!") && bytes.ends_with(b"TAIL"));
        }
    }

    #[test]
    fn png_and_pdf_are_well_formed() {
        let p = super::png(4, 3, [0, 0, 0], [255, 255, 255]);
        assert!(p.starts_with(b"\x89PNG\r\n\x1a\n") && p.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
        let d = super::pdf("T", &["line".to_string()]);
        let text = String::from_utf8(d).unwrap();
        assert!(text.starts_with("%PDF-1.7") && text.trim_end().ends_with("%%EOF"));
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref"));
    }
}
