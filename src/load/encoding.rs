//! Exports that are not UTF-8 text, told apart by their first bytes. Excel's "Unicode text"
//! and Windows PowerShell write UTF-16 (usually with a byte-order mark); read as UTF-8 they
//! are garbage without an error (4 grants, 31 findings). A NUL stream or a binary file is no
//! export at all, and must be refused before a gigabyte of it is read.

/// How much of the start of an input is looked at.
pub const HEAD: usize = 4096;

/// Why text starting with `head` cannot be read as an export, and what to do, if it cannot.
pub fn refused(head: &[u8]) -> Option<(String, &'static str)> {
    const CONVERT: &str = "save the export as UTF-8 (Excel: \"CSV UTF-8\"; PowerShell: \
                           `-Encoding utf8`), or convert it: `iconv -f UTF-16 -t UTF-8`";
    let utf16 = |order: &str, mark: &str| {
        let message = format!("the file is UTF-16 ({order}{mark}); grantlint reads UTF-8");
        Some((message, CONVERT))
    };
    match head {
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] => {
            let message = "the file is UTF-32; grantlint reads UTF-8".to_string();
            return Some((message, CONVERT));
        }
        [0xFF, 0xFE, ..] => return utf16("little-endian", ", with a byte-order mark"),
        [0xFE, 0xFF, ..] => return utf16("big-endian", ", with a byte-order mark"),
        _ => {}
    }
    let nuls_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (nuls_at(0), nuls_at(1));
    // A stray NUL in a value is that value's problem, located where it is; text with many is
    // not text.
    if even + odd < 4 || (even + odd) * 100 < head.len() {
        // Random or compressed bytes (`/dev/urandom`, a zip) have few NULs but a control
        // character in every ten bytes, where text has none besides tabs and line ends.
        let controls = head
            .iter()
            .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F)
            .count();
        return (controls >= 8 && controls * 50 >= head.len()).then(|| {
            (
                "the file holds control bytes: it is binary, not a text export".to_string(),
                "give the export itself (YAML, CSV or JSON text)",
            )
        });
    }
    // Mostly ASCII text in UTF-16: every other byte is NUL.
    let pairs = head.len() / 2;
    if pairs >= 2 && odd * 10 >= pairs * 9 && even * 10 < pairs {
        return utf16("little-endian", "");
    }
    if pairs >= 2 && even * 10 >= pairs * 9 && odd * 10 < pairs {
        return utf16("big-endian", "");
    }
    Some((
        "the file holds NUL bytes: it is binary, not a text export".to_string(),
        "give the export itself (YAML, CSV or JSON text)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| match little {
                true => u.to_le_bytes(),
                false => u.to_be_bytes(),
            })
            .collect()
    }

    #[test]
    fn utf16_is_named_with_its_byte_order_with_or_without_a_mark() {
        let csv = "id,grantee\nSUP-1,ana\n";
        let mut marked = vec![0xFF, 0xFE];
        marked.extend(utf16(csv, true));
        let (message, _) = refused(&marked).unwrap();
        assert_eq!(
            message,
            "the file is UTF-16 (little-endian, with a byte-order mark); grantlint reads UTF-8"
        );
        let (message, _) = refused(&utf16(csv, false)).unwrap();
        assert_eq!(
            message,
            "the file is UTF-16 (big-endian); grantlint reads UTF-8"
        );
        let (message, _) = refused(&utf16(csv, true)).unwrap();
        assert!(message.contains("little-endian"), "{message}");
    }

    #[test]
    fn utf8_text_passes_and_nul_bytes_are_binary() {
        assert_eq!(refused("\u{feff}id,grantee\nSUP-1,Zoë\n".as_bytes()), None);
        assert_eq!(refused(b""), None);
        assert_eq!(refused(b"- id: a\n  reason: x\0y\n"), None);
        let (message, _) = refused(&[0u8; 64]).unwrap();
        assert!(message.contains("NUL"), "{message}");
        let (message, _) = refused(b"%PDF-1.7\n\x00\x00\x01\x00\x02\x00binary").unwrap();
        assert!(message.contains("binary"), "{message}");
    }

    #[test]
    fn random_bytes_are_binary_and_text_with_a_stray_control_is_not() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let random: Vec<u8> = (0..HEAD)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        assert!(refused(&random).is_some_and(|(m, _)| m.contains("binary")));
        let mut text = "id,reason\n1,fix the sync\t\r\n".repeat(100).into_bytes();
        text[40] = 0x1B; // one escape character in a value
        assert_eq!(refused(&text[..HEAD.min(text.len())]), None);
    }
}
