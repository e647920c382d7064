//! The sections of the constant-time check, and the canaries that must be flagged.
//!
//! Each section marks its secrets with [`mark_secret`], runs one operation, declassifies
//! the outputs that are public or that must be compared, and checks them against an
//! independent expectation (the original secret). A section returns `Err` only when a
//! result is wrong; timing leaks are valgrind's to report, and `run_all` prints how
//! many errors each section added so a failing run says where to look.

use std::hint::black_box;

use keysplit::hazmat::{field, Backend};
use keysplit::raw;

use crate::kit::{reveal, secret, secret_rng, Section, SectionResult};
use crate::valgrind::{declassify, mark_secret};

/// Secrets used by the harness are longer than [`crate::kit::PUBLIC_DRAW_MAX`] so that coefficient
/// draws (at least `secret length` bytes) are never mistaken for public draws.
const SECRET_LEN: usize = 48;

fn expect_equal(what: &str, got: &[u8], want: &[u8]) -> SectionResult {
    if reveal(got) == want {
        Ok(())
    } else {
        Err(format!("{what}: wrong result"))
    }
}

/// Every backend to check: those the (emulated) CPU reports, portable first.
fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::portable()];
    for backend in Backend::available() {
        if !all.contains(&backend) {
            all.push(backend);
        }
    }
    all
}

/// The core sections (and SLIP-39's, which use the core's field code).
pub fn sections() -> Vec<Section> {
    let mut list: Vec<Section> = vec![
        (
            "field::mul/inv/square on secret operands".into(),
            Box::new(field_ops),
        ),
        ("ChaCha20 keyed with a secret seed".into(), Box::new(chacha)),
        (
            "AES-256-CTR (AesCtrRng) keyed with a secret seed".into(),
            Box::new(aes_ctr),
        ),
    ];
    for backend in backends() {
        let name = backend.name();
        list.push((
            format!("backend {name}: mul_add on secret buffers"),
            Box::new(move || backend_mul_add(backend)),
        ));
        list.push((
            format!("backend {name}: raw split + combine, and into caller buffers"),
            Box::new(move || raw_round_trip(backend)),
        ));
        list.push((
            format!("backend {name}: envelope split + combine"),
            Box::new(move || envelope_round_trip(backend)),
        ));
    }
    list.push((
        "envelope text forms: encode hex/ks1".into(),
        Box::new(text_encode),
    ));
    list.push((
        "envelope decode: from_bytes".into(),
        Box::new(decode_binary),
    ));
    list.push((
        "envelope decode: from_text hex and ks1".into(),
        Box::new(decode_text),
    ));
    list.push((
        "raw decode: RawShare::from_hex (with surrounding whitespace)".into(),
        Box::new(decode_raw_hex),
    ));
    list.push((
        "envelope combine with an inconsistent extra share".into(),
        Box::new(combine_extra),
    ));
    list.push(("reshare".into(), Box::new(reshare)));
    list.push((
        "stream split + stream combine (two blocks)".into(),
        Box::new(stream_round_trip),
    ));
    list.push((
        "stream split + stream combine, threaded (1 MiB + 100 B)".into(),
        Box::new(stream_round_trip_threaded),
    ));
    list
}

fn field_ops() -> SectionResult {
    let (a, _) = secret(SECRET_LEN, 1);
    let (b, _) = secret(SECRET_LEN, 2);
    let mut products: Vec<u8> = a.iter().zip(&b).map(|(&x, &y)| field::mul(x, y)).collect();
    let mut inverses: Vec<u8> = a.iter().map(|&x| field::inv(black_box(x))).collect();
    let mut squares: Vec<u8> = b.iter().map(|&x| field::square(black_box(x))).collect();
    let mut xtimes: Vec<u8> = b.iter().map(|&x| field::xtime(black_box(x))).collect();
    declassify(&mut products);
    declassify(&mut inverses);
    declassify(&mut squares);
    declassify(&mut xtimes);
    // Spot checks against FIPS-197 values with public operands.
    if field::mul(black_box(0x57), black_box(0x83)) != 0xC1 || field::inv(black_box(0x53)) != 0xCA {
        return Err("field arithmetic disagrees with FIPS-197".into());
    }
    black_box((products, inverses, squares, xtimes));
    Ok(())
}

fn chacha() -> SectionResult {
    use rand_core::Rng;
    let mut rng = secret_rng(9);
    let mut block = vec![0u8; 200];
    // The ChaCha20 generator itself, without the declassification of short draws.
    rng.0 .0.fill_bytes(&mut block);
    declassify(&mut block);
    black_box(block);
    Ok(())
}

/// `os_rng`'s generator where the CPU has AES instructions: its key expansion, counter
/// blocks and buffering on a secret key. Whole blocks, then short reads through the buffer.
/// (Whether valgrind's CPU offers AES-NI decides which AES of the `aes` crate runs here;
/// both are meant to be constant-time.)
fn aes_ctr() -> SectionResult {
    use rand_core::{Rng, SeedableRng};
    let mut seed = [0x6du8; 32];
    mark_secret(&mut seed);
    let mut rng = keysplit::AesCtrRng::from_seed(black_box(seed));
    let mut block = vec![0u8; 200];
    rng.fill_bytes(&mut block);
    let mut short = [0u8; 5];
    rng.fill_bytes(&mut short);
    let word = rng.next_u64();
    declassify(&mut block);
    declassify(&mut short);
    black_box((block, short, word));
    Ok(())
}

fn backend_mul_add(backend: Backend) -> SectionResult {
    // 71 bytes: whole 8-, 16-, 32- and 64-byte chunks plus a tail, for every backend.
    let (src, src_public) = secret(71, 3);
    for c in 0..=255u8 {
        let (mut dst, dst_public) = secret(71, c);
        backend.mul_add(&mut dst, &src, black_box(c));
        let want: Vec<u8> = dst_public
            .iter()
            .zip(&src_public)
            .map(|(&d, &s)| d ^ field::mul(c, s))
            .collect();
        expect_equal("mul_add", &dst, &want)?;
    }
    Ok(())
}

fn raw_round_trip(backend: Backend) -> SectionResult {
    let (secret, public) = secret(SECRET_LEN, 4);
    let mut rng = secret_rng(4);
    let shares = keysplit::with_backend::raw::split(&secret, 3, 5, &mut rng, backend)
        .map_err(|e| format!("raw split: {e}"))?;
    // Share bytes stay secret; only the x byte (last) is public, and it already is.
    let chosen: Vec<&[u8]> = [4, 0, 2].iter().map(|&i| shares[i].as_bytes()).collect();
    let recovered = keysplit::with_backend::raw::combine(&chosen, backend)
        .map_err(|e| format!("raw combine: {e}"))?;
    expect_equal("raw combine", &recovered, &public)?;
    // The same into caller buffers (2-of-3: the first term only, fused with the copy).
    let stride = SECRET_LEN + 1;
    let mut out = vec![0u8; 3 * stride];
    keysplit::with_backend::raw::split_into(&secret, 2, 3, &mut rng, &mut out, backend)
        .map_err(|e| format!("raw split_into: {e}"))?;
    let chosen = [&out[2 * stride..], &out[..stride]];
    let mut rebuilt = vec![0u8; SECRET_LEN];
    keysplit::with_backend::raw::combine_into(&chosen, &mut rebuilt, backend)
        .map_err(|e| format!("raw combine_into: {e}"))?;
    expect_equal("raw combine_into", &rebuilt, &public)
}

fn envelope_shares(tag: u8, threshold: usize, count: usize) -> (Vec<keysplit::Share>, Vec<u8>) {
    let (secret, public) = secret(SECRET_LEN, tag);
    let mut rng = secret_rng(tag);
    let shares =
        keysplit::with_backend::split(&secret, threshold, count, &mut rng, Backend::portable())
            .unwrap_or_default();
    (shares, public)
}

fn envelope_round_trip(backend: Backend) -> SectionResult {
    let (secret, public) = secret(SECRET_LEN, 5);
    let mut rng = secret_rng(5);
    let shares = keysplit::with_backend::split(&secret, 3, 5, &mut rng, backend)
        .map_err(|e| format!("envelope split: {e}"))?;
    let chosen = [shares[3].clone(), shares[1].clone(), shares[4].clone()];
    let recovery = keysplit::with_backend::combine_detailed(&chosen, backend)
        .map_err(|e| format!("envelope combine: {e}"))?;
    expect_equal("envelope combine", recovery.secret(), &public)
}

fn text_encode() -> SectionResult {
    let (shares, _) = envelope_shares(6, 2, 3);
    let first = shares.first().ok_or("split failed")?;
    let mut hex = first.to_hex().as_bytes().to_vec();
    let mut text = first.to_text().as_bytes().to_vec();
    declassify(&mut hex);
    declassify(&mut text);
    if !text.starts_with(b"ks1") || hex.len() != 2 * first.as_bytes().len() {
        return Err("unexpected text forms".into());
    }
    Ok(())
}

/// Share bytes with only the y values secret (header and checksum as a holder of the
/// share would see them: the header is public, the checksum leaks nothing).
fn share_bytes_with_secret_y(share: &keysplit::Share) -> Vec<u8> {
    let mut bytes = reveal(share.as_bytes());
    let layout_header = keysplit::envelope_layout::HEADER_LEN;
    let end = bytes.len() - keysplit::envelope_layout::CHECKSUM_LEN;
    mark_secret(&mut bytes[layout_header..end]);
    bytes
}

fn decode_binary() -> SectionResult {
    let (shares, public) = envelope_shares(7, 2, 3);
    let encoded: Vec<Vec<u8>> = shares.iter().map(share_bytes_with_secret_y).collect();
    let decoded: Vec<keysplit::Share> = encoded
        .iter()
        .map(|b| keysplit::Share::from_bytes(b))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("from_bytes: {e}"))?;
    let recovered = keysplit::combine(&decoded[1..]).map_err(|e| format!("combine: {e}"))?;
    expect_equal("combine after from_bytes", &recovered, &public)
}

/// Marks the characters `range` of `text` secret (they encode y bytes).
fn mark_text_secret(text: &mut String, range: std::ops::Range<usize>) {
    let all = text.as_mut_str();
    if let Some(part) = all.get_mut(range) {
        crate::valgrind::mark_secret_raw(part.as_mut_ptr(), part.len());
    }
}

fn decode_text() -> SectionResult {
    let (shares, public) = envelope_shares(8, 2, 3);
    let header = keysplit::envelope_layout::HEADER_LEN;
    let checksum = keysplit::envelope_layout::CHECKSUM_LEN;

    // Hex: two characters per byte; the y bytes are secret, header and checksum public.
    let bytes = reveal(shares[0].as_bytes());
    let y_end = bytes.len() - checksum;
    let mut hex =
        String::from_utf8(reveal(shares[0].to_hex().as_bytes())).map_err(|e| e.to_string())?;
    mark_text_secret(&mut hex, 2 * header..2 * y_end);

    // ks1: after "ks1", five bits per character. The characters made only of y bits are
    // secret. The two characters that straddle the header/y and y/checksum boundaries
    // stay public in this model: marking them would make the (public) length field look
    // secret, as the decoder folds all five bits of a character together.
    let bytes = reveal(shares[2].as_bytes());
    let y_end = bytes.len() - checksum;
    let mut text =
        String::from_utf8(reveal(shares[2].to_text().as_bytes())).map_err(|e| e.to_string())?;
    mark_text_secret(&mut text, 3 + (8 * header).div_ceil(5)..3 + 8 * y_end / 5);

    let hex = keysplit::Share::from_text(&hex).map_err(|e| format!("from_text hex: {e}"))?;
    let text = keysplit::Share::from_text(&text).map_err(|e| format!("from_text ks1: {e}"))?;
    let recovered = keysplit::combine(&[hex, text]).map_err(|e| format!("combine: {e}"))?;
    expect_equal("combine after from_text", &recovered, &public)
}

fn decode_raw_hex() -> SectionResult {
    let (secret, public) = secret(SECRET_LEN, 12);
    let mut rng = secret_rng(12);
    let shares = keysplit::with_backend::raw::split(&secret, 2, 3, &mut rng, Backend::portable())
        .map_err(|e| format!("raw split: {e}"))?;
    let mut decoded = Vec::new();
    for (i, share) in shares.iter().take(2).enumerate() {
        // y || x in hex: every digit but the last two (the public x) is secret. The
        // whitespace around it is the caller's formatting, public; the first secret digit
        // is what `str::trim` used to test.
        let digits =
            String::from_utf8(reveal(share.to_hex().as_bytes())).map_err(|e| e.to_string())?;
        let mut text = format!(" \n{digits}\r\n");
        mark_text_secret(&mut text, 2..2 + 2 * SECRET_LEN);
        decoded.push(raw::RawShare::from_hex(&text).map_err(|e| format!("from_hex #{i}: {e}"))?);
    }
    let chosen: Vec<&[u8]> = decoded.iter().map(|s| s.as_bytes()).collect();
    let recovered = keysplit::with_backend::raw::combine(&chosen, Backend::portable())
        .map_err(|e| format!("raw combine: {e}"))?;
    expect_equal("raw combine after from_hex", &recovered, &public)
}

fn combine_extra() -> SectionResult {
    let (shares, public) = envelope_shares(10, 2, 4);
    let (other, _) = envelope_shares(11, 2, 4);
    // A share of another split with this split's header: decodes, lies off the polynomial.
    let mut forged = reveal(other[0].as_bytes());
    let good = reveal(shares[3].as_bytes());
    let header = keysplit::envelope_layout::HEADER_LEN;
    forged[..header].copy_from_slice(&good[..header]);
    forged[4] = good[4] ^ 0x80; // another x, so it is not a duplicate
    let body = forged.len() - 16;
    let sum = sha256_prefix(&forged[..body]);
    forged[body..].copy_from_slice(&sum);
    let end = body;
    mark_secret(&mut forged[header..end]);
    let forged = keysplit::Share::from_bytes(&forged).map_err(|e| format!("forged: {e}"))?;
    let list = [forged, shares[0].clone(), shares[1].clone()];
    let recovery = keysplit::combine_detailed(&list).map_err(|e| format!("combine: {e}"))?;
    if recovery.inconsistent() != [0] {
        return Err(format!(
            "expected share 0 inconsistent, got {:?}",
            recovery.inconsistent()
        ));
    }
    expect_equal(
        "combine with a forged extra share",
        recovery.secret(),
        &public,
    )
}

/// The envelope checksum (first 16 bytes of SHA-256), computed here on public bytes.
fn sha256_prefix(body: &[u8]) -> [u8; 16] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

fn reshare() -> SectionResult {
    let (shares, public) = envelope_shares(12, 2, 3);
    let mut rng = secret_rng(12);
    let fresh =
        keysplit::reshare(&shares[1..], 3, 4, &mut rng).map_err(|e| format!("reshare: {e}"))?;
    let recovered = keysplit::combine(&fresh[..3]).map_err(|e| format!("combine: {e}"))?;
    expect_equal("combine after reshare", &recovered, &public)
}

fn stream_round_trip() -> SectionResult {
    // Two blocks and a straddling digest: 4096 + 100 bytes of secret.
    stream_round_trip_of(4196)
}

fn stream_round_trip_threaded() -> SectionResult {
    // From 1 MiB the stream hashes and evaluates on a second thread.
    stream_round_trip_of((1 << 20) + 100)
}

fn stream_round_trip_of(len: usize) -> SectionResult {
    let (secret, public) = secret(len, 13);
    let mut rng = secret_rng(13);
    let mut outputs: Vec<Vec<u8>> = vec![Vec::new(); 3];
    keysplit::stream::split(&secret[..], secret.len() as u64, 2, &mut outputs, &mut rng)
        .map_err(|e| format!("stream split: {e}"))?;
    // As a holder would read them from disk: header and checksum public, y secret.
    let header = keysplit::envelope_layout::HEADER_LEN;
    let checksum = keysplit::envelope_layout::CHECKSUM_LEN;
    let mut files: Vec<Vec<u8>> = outputs.iter().map(|o| reveal(o)).collect();
    for file in &mut files {
        let end = file.len() - checksum;
        mark_secret(&mut file[header..end]);
    }
    // Three shares for a threshold of two: the extra one is checked for consistency.
    let mut readers: Vec<&[u8]> = vec![&files[2], &files[0], &files[1]];
    let mut recovered = Vec::new();
    keysplit::stream::combine(&mut readers, &mut recovered)
        .map_err(|e| format!("stream combine: {e}"))?;
    expect_equal("stream combine", &recovered, &public)
}

/// Canary: a table lookup indexed by a secret byte (the classic AES T-table leak). A
/// working harness reports "Use of uninitialised value" here.
pub fn canary_table_lookup() -> SectionResult {
    static TABLE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).wrapping_mul(7) ^ 0x63;
            i += 1;
        }
        t
    };
    let (secret, _) = secret(4, 0x42);
    let table = black_box(&TABLE);
    let mut out: Vec<u8> = secret.iter().map(|&s| table[usize::from(s)]).collect();
    declassify(&mut out);
    black_box(out);
    Ok(())
}

/// Canary: a branch on a secret byte. A working harness reports "Conditional jump or
/// move depends on uninitialised value(s)" here.
pub fn canary_branch() -> SectionResult {
    let (secret, _) = secret(4, 0x42);
    let mut taken = 0u32;
    for &s in &secret {
        if black_box(s) > 127 {
            taken += 1;
            black_box(&taken);
        }
    }
    let mut bytes = taken.to_le_bytes();
    declassify(&mut bytes);
    black_box(bytes);
    Ok(())
}
