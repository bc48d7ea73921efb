//! Copying over SSH and inside tmux: OSC 52 asks the terminal itself to set the
//! clipboard, so it works wherever the terminal is, not where tenantscope runs.

use base64::Engine;

/// Largest text copied, in bytes before encoding. Terminals cap OSC 52 payloads (xterm
/// and tmux at about 100 KB of base64); past this we refuse rather than truncate.
pub const MAX_BYTES: usize = 74_000;

/// The escape sequence that puts `text` on the clipboard: `ESC ] 52 ; c ; <base64> BEL`.
pub fn osc52(text: &str) -> Result<Vec<u8>, String> {
    if text.len() > MAX_BYTES {
        return Err(format!(
            "too large to copy ({} KB; terminals take about {} KB): use e to export it to a file",
            text.len() / 1000,
            MAX_BYTES / 1000
        ));
    }
    let mut bytes = b"\x1b]52;c;".to_vec();
    bytes.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(text)
            .as_bytes(),
    );
    bytes.push(0x07);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_escape_sequence() {
        assert_eq!(osc52("hello").unwrap(), b"\x1b]52;c;aGVsbG8=\x07".to_vec());
        assert_eq!(osc52("").unwrap(), b"\x1b]52;c;\x07".to_vec());
    }

    #[test]
    fn too_large_is_refused_with_a_reason() {
        let error = osc52(&"x".repeat(MAX_BYTES + 1)).unwrap_err();
        assert!(error.contains("too large"), "{error}");
    }
}
