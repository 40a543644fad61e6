//! Text every reader of values shares.

/// `str::trim`, with ASCII white space trimmed byte by byte first: loaders trim every value.
pub fn trim(text: &str) -> &str {
    let text = text.trim_ascii();
    // Only a non-ASCII character or a vertical tab can still be white space at an edge.
    let maybe_space = |b: Option<&u8>| b.is_some_and(|&b| !b.is_ascii() || b == 0x0B);
    if maybe_space(text.as_bytes().first()) || maybe_space(text.as_bytes().last()) {
        text.trim()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_of_any_white_space() {
        for text in [
            " a b ",
            "\u{a0}a b\u{2003}",
            "\x0ba b\x0b",
            "\t a b\r\n",
            "a b",
        ] {
            assert_eq!(trim(text), "a b", "{text:?}");
        }
    }
}
