//! Gift pictures: what a file is, read from its first bytes rather than from the name or the
//! `Content-Type` a client claims, so only real PNG, JPEG and WebP images are ever stored and served.

crate::named_enum! {
    /// The picture formats the storefront serves.
    pub stored enum ImageFormat {
        Png = "image/png",
        Jpeg = "image/jpeg",
        Webp = "image/webp",
    }
}

/// Why a file is not accepted as a gift picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    Empty,
    TooLarge { max_bytes: usize },
    NotAnImage,
}

impl ImageFormat {
    /// The format the bytes themselves announce (their signature), if any we serve.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(PNG) && bytes.len() > PNG.len() + 8 {
            return Some(ImageFormat::Png);
        }
        // SOI marker followed by the start of another marker.
        if bytes.len() > 4 && bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(ImageFormat::Jpeg);
        }
        // "RIFF" <size> "WEBP" <chunk: VP8 / VP8L / VP8X>
        if bytes.len() > 16
            && &bytes[0..4] == b"RIFF"
            && &bytes[8..12] == b"WEBP"
            && &bytes[12..15] == b"VP8"
        {
            return Some(ImageFormat::Webp);
        }
        None
    }

    /// Checks an uploaded file: not empty, not larger than `max_bytes`, a picture by content.
    pub fn check(bytes: &[u8], max_bytes: usize) -> Result<ImageFormat, ImageError> {
        if bytes.is_empty() {
            return Err(ImageError::Empty);
        }
        if bytes.len() > max_bytes {
            return Err(ImageError::TooLarge { max_bytes });
        }
        ImageFormat::sniff(bytes).ok_or(ImageError::NotAnImage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0]);
        b
    }

    #[test]
    fn formats_are_told_by_their_content() {
        assert_eq!(ImageFormat::sniff(&png()), Some(ImageFormat::Png));
        assert_eq!(
            ImageFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
            Some(ImageFormat::Jpeg)
        );
        let webp = b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0";
        assert_eq!(ImageFormat::sniff(webp), Some(ImageFormat::Webp));
    }

    #[test]
    fn other_files_are_refused_whatever_they_claim() {
        assert_eq!(
            ImageFormat::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert_eq!(ImageFormat::sniff(b"GIF89a\x01\0\x01\0"), None);
        assert_eq!(ImageFormat::sniff(b"<html><script>alert(1)</script>"), None);
        // A RIFF file that is not WebP (a WAV).
        assert_eq!(
            ImageFormat::sniff(b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0"),
            None
        );
        // A signature alone, with nothing after it.
        assert_eq!(ImageFormat::sniff(b"\x89PNG\r\n\x1a\n"), None);
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(ImageFormat::check(&[], 100), Err(ImageError::Empty));
        assert_eq!(
            ImageFormat::check(&png(), 10),
            Err(ImageError::TooLarge { max_bytes: 10 })
        );
        assert_eq!(ImageFormat::check(&png(), 100), Ok(ImageFormat::Png));
    }
}
