//! Preflight: fetch a media URL the way Meta's fetcher will, before a container is created, so
//! a bad URL fails with a clear reason instead of a container `ERROR` minutes later.

use crate::error::{Error, PublishFailure};
use serde::{Deserialize, Serialize};

/// Images: at most 8 MiB (documented).
pub const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;
/// Reels and carousel videos: at most 300 MB. The documented figure was raised in 2024–2025
/// (older pages say 1 GB / 90 s, newer 300 MB / 15 min), so it is uncertain; counted in MiB so
/// a file Meta accepts is never refused here.
pub const MAX_REEL_BYTES: u64 = 300 * 1024 * 1024;
/// Story videos: at most 100 MB (counted in MiB, like [`MAX_REEL_BYTES`]).
pub const MAX_STORY_VIDEO_BYTES: u64 = 100 * 1024 * 1024;
/// Narrowest feed aspect ratio, 4:5 (width:height).
pub const MIN_ASPECT: (u64, u64) = (4, 5);
/// Widest feed aspect ratio, 1.91:1.
pub const MAX_ASPECT: (u64, u64) = (191, 100);
/// Widths Instagram keeps as they are; others are resized (a note, not an error).
pub const KEPT_WIDTHS: std::ops::RangeInclusive<u32> = 320..=1440;
/// How much of an image is read looking for its frame header.
const SNIFF_IMAGE_BYTES: usize = 256 * 1024;

/// What a URL should hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreflightExpect {
    /// A feed photo or carousel image: JPEG, 8 MiB, aspect ratio 4:5 to 1.91:1.
    Image,
    /// A reel or carousel video: MP4 or MOV, [`MAX_REEL_BYTES`].
    Video,
    /// A story image: JPEG, 8 MiB, any aspect ratio (9:16 recommended).
    StoryImage,
    /// A story video: MP4 or MOV, [`MAX_STORY_VIDEO_BYTES`].
    StoryVideo,
    /// A reel cover: JPEG, 8 MiB, any aspect ratio.
    Cover,
}

impl PreflightExpect {
    /// Whether a JPEG is expected.
    pub fn is_image(self) -> bool {
        matches!(
            self,
            PreflightExpect::Image | PreflightExpect::StoryImage | PreflightExpect::Cover
        )
    }

    /// The size limit.
    pub fn max_bytes(self) -> u64 {
        match self {
            PreflightExpect::Image | PreflightExpect::StoryImage | PreflightExpect::Cover => {
                MAX_IMAGE_BYTES
            }
            PreflightExpect::Video => MAX_REEL_BYTES,
            PreflightExpect::StoryVideo => MAX_STORY_VIDEO_BYTES,
        }
    }

    fn what(self) -> &'static str {
        match self {
            PreflightExpect::Image => "a feed image",
            PreflightExpect::Video => "a reel or carousel video",
            PreflightExpect::StoryImage => "a story image",
            PreflightExpect::StoryVideo => "a story video",
            PreflightExpect::Cover => "a reel cover",
        }
    }
}

/// What the preflight found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreflightReport {
    /// The URL checked.
    pub url: String,
    /// HTTP status (200).
    pub status: u16,
    /// `Content-Type` as sent.
    pub content_type: Option<String>,
    /// `Content-Length`, when sent.
    pub content_length: Option<u64>,
    /// Image width in pixels (JPEG frame header).
    pub width: Option<u32>,
    /// Image height in pixels.
    pub height: Option<u32>,
    /// Warnings that do not stop publishing (resizing, unknown size).
    pub notes: Vec<String>,
}

fn fail(url: &str, what: String, fix: &str) -> Error {
    Error::Publishing {
        kind: PublishFailure::Preflight,
        container: None,
        code: None,
        subcode: None,
        message: format!("preflight of {url}: {what}"),
        fix: fix.to_owned(),
        retry_at_ms: None,
    }
}

fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

/// Fetches `url` as Meta's fetcher would and checks what it finds: no redirect (a redirect is
/// an error naming its `Location`), status 200, the content type (`image/jpeg`; `video/mp4` or
/// `video/quicktime`), the size from `Content-Length`, and the first bytes: images must be JPEG
/// (PNG, GIF and WebP are refused) and their frame header gives width and height; feed images
/// ([`PreflightExpect::Image`]) must be between 4:5 and 1.91:1; a width outside 320–1440 px
/// is only a note (Instagram resizes). Videos must start like an MP4/MOV file.
///
/// `http` must not follow redirects (the [`crate::Client`]'s own HTTP client does not); one
/// that does is detected by the final URL. No credentials are sent.
pub async fn preflight(
    http: &reqwest::Client,
    url: &str,
    expect: PreflightExpect,
) -> Result<PreflightReport, Error> {
    let public = "Serve the file at a public URL that answers 200 directly (no redirect, no login, no cookie).";
    let mut resp = http
        .get(url)
        .header(reqwest::header::ACCEPT, "*/*")
        .send()
        .await
        .map_err(|e| {
            fail(
                url,
                format!("it could not be fetched ({})", e.without_url()),
                public,
            )
        })?;
    let status = resp.status();
    if status.is_redirection() {
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(no Location header)")
            .to_owned();
        return Err(fail(
            url,
            format!(
                "it answers HTTP {} redirecting to {location}: Meta's fetcher does not follow redirects",
                status.as_u16()
            ),
            "Use the final URL (the redirect's Location) directly.",
        ));
    }
    if reqwest::Url::parse(url).is_ok_and(|u| u != *resp.url()) {
        return Err(fail(
            url,
            format!(
                "it redirects to {}: Meta's fetcher does not follow redirects",
                resp.url()
            ),
            "Use the final URL directly.",
        ));
    }
    if status.as_u16() != 200 {
        let why = match status.as_u16() {
            401 | 403 => "it needs authorisation; Meta's fetcher sends none",
            404 | 410 => "the file is not there",
            _ => "Meta's fetcher needs 200",
        };
        return Err(fail(
            url,
            format!("it answers HTTP {} instead of 200 ({why})", status.as_u16()),
            public,
        ));
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mime = content_type
        .as_deref()
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let mut report = PreflightReport {
        url: url.to_owned(),
        status: 200,
        content_type: content_type.clone(),
        content_length: resp.content_length(),
        ..PreflightReport::default()
    };
    if expect.is_image() {
        if mime != "image/jpeg" {
            let shown = if mime.is_empty() {
                "no Content-Type"
            } else {
                &mime
            };
            return Err(fail(
                url,
                format!(
                    "its Content-Type is {shown}, not image/jpeg: Instagram publishes JPEG only"
                ),
                "Convert the image to JPEG and serve it as image/jpeg.",
            ));
        }
    } else if mime != "video/mp4" && mime != "video/quicktime" {
        let shown = if mime.is_empty() {
            "no Content-Type"
        } else {
            &mime
        };
        return Err(fail(
            url,
            format!("its Content-Type is {shown}, not video/mp4 or video/quicktime"),
            "Serve an MP4 or MOV file with Content-Type video/mp4 or video/quicktime.",
        ));
    }
    let max = expect.max_bytes();
    match report.content_length {
        Some(n) if n > max => {
            return Err(fail(
                url,
                format!(
                    "it is {n} bytes ({}); {} may be at most {max} bytes ({})",
                    mib(n),
                    expect.what(),
                    mib(max)
                ),
                if expect.is_image() {
                    "Shrink or recompress the image below 8 MiB."
                } else {
                    "Re-encode the video smaller."
                },
            ));
        }
        Some(_) => {}
        None => report
            .notes
            .push("no Content-Length: the size could not be checked in advance".to_owned()),
    }

    // The first bytes.
    let want = if expect.is_image() {
        SNIFF_IMAGE_BYTES
    } else {
        16
    };
    let mut head: Vec<u8> = Vec::new();
    let mut dims = None;
    while head.len() < want {
        let chunk = resp.chunk().await.map_err(|e| {
            fail(
                url,
                format!("reading it failed ({})", e.without_url()),
                public,
            )
        })?;
        let Some(chunk) = chunk else { break };
        head.extend_from_slice(&chunk);
        if expect.is_image() {
            check_image_magic(url, &head)?;
            match jpeg_dimensions(&head) {
                Ok(Some(d)) => {
                    dims = Some(d);
                    break;
                }
                Ok(None) => {}
                Err(why) => {
                    return Err(fail(
                        url,
                        format!("it is not a valid JPEG ({why})"),
                        "Re-save the image as a baseline or progressive JPEG.",
                    ));
                }
            }
        }
    }
    drop(resp);
    if expect.is_image() {
        check_image_magic(url, &head)?;
        match dims {
            Some((w, h)) => {
                report.width = Some(w);
                report.height = Some(h);
                check_dimensions(url, w, h, expect, &mut report.notes)?;
            }
            None => report.notes.push(format!(
                "no JPEG frame header in the first {} KiB: the dimensions could not be checked",
                want / 1024
            )),
        }
    } else if !looks_like_mp4(&head) {
        return Err(fail(
            url,
            "it does not start like an MP4 or MOV file (no ftyp/moov/mdat box)".to_owned(),
            "Serve an MP4 (MPEG-4 Part 14) or MOV file; put the moov atom at the front.",
        ));
    }
    Ok(report)
}

fn check_image_magic(url: &str, head: &[u8]) -> Result<(), Error> {
    let kind = if head.starts_with(b"\x89PNG") {
        Some("PNG")
    } else if head.starts_with(b"GIF8") {
        Some("GIF")
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some("WebP")
    } else {
        None
    };
    if let Some(kind) = kind {
        return Err(fail(
            url,
            format!("the file is {kind}: Instagram publishes JPEG only"),
            "Convert the image to JPEG.",
        ));
    }
    if head.len() >= 3 && !head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let hex: Vec<String> = head.iter().take(4).map(|b| format!("{b:02X}")).collect();
        return Err(fail(
            url,
            format!(
                "the file is not a JPEG (it starts with {}): Instagram publishes JPEG only",
                hex.join(" ")
            ),
            "Convert the image to JPEG.",
        ));
    }
    Ok(())
}

/// Checks width and height: the aspect ratio of feed images (4:5 to 1.91:1, both included) is an
/// error; a width outside 320–1440 px is a note.
pub fn check_dimensions(
    url: &str,
    width: u32,
    height: u32,
    expect: PreflightExpect,
    notes: &mut Vec<String>,
) -> Result<(), Error> {
    if width == 0 || height == 0 {
        return Err(fail(
            url,
            format!("its frame header says {width}x{height} pixels"),
            "Re-save the image as a standard JPEG.",
        ));
    }
    let (w, h) = (u64::from(width), u64::from(height));
    let ratio = w as f64 / h as f64;
    if expect == PreflightExpect::Image {
        if w * MIN_ASPECT.1 < h * MIN_ASPECT.0 {
            return Err(fail(
                url,
                format!(
                    "its aspect ratio {width}x{height} ({ratio:.3}:1) is narrower than 4:5 (0.8:1), the narrowest Instagram publishes in the feed"
                ),
                "Crop the image to between 4:5 and 1.91:1 (e.g. 1080x1350), or publish it as a story.",
            ));
        }
        if w * MAX_ASPECT.1 > h * MAX_ASPECT.0 {
            return Err(fail(
                url,
                format!(
                    "its aspect ratio {width}x{height} ({ratio:.3}:1) is wider than 1.91:1, the widest Instagram publishes in the feed"
                ),
                "Crop the image to between 4:5 and 1.91:1 (e.g. 1080x566).",
            ));
        }
    }
    if !KEPT_WIDTHS.contains(&width) {
        notes.push(format!(
            "width {width} px is outside {}–{} px: Instagram will resize it",
            KEPT_WIDTHS.start(),
            KEPT_WIDTHS.end()
        ));
    }
    Ok(())
}

fn looks_like_mp4(head: &[u8]) -> bool {
    matches!(
        head.get(4..8),
        Some(b"ftyp" | b"moov" | b"mdat" | b"free" | b"skip" | b"wide" | b"pnot")
    )
}

/// Finds a JPEG's frame header (SOF0–SOF15 but DHT, JPG and DAC) and returns `(width, height)`.
/// `Ok(None)` means more bytes are needed; `Err` names what is wrong.
pub fn jpeg_dimensions(bytes: &[u8]) -> Result<Option<(u32, u32)>, &'static str> {
    if bytes.len() < 2 {
        return Ok(None);
    }
    if bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err("no start-of-image marker");
    }
    let mut i = 2;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Ok(None);
        };
        if b != 0xFF {
            return Err("a segment does not start with a marker");
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return Ok(None);
        };
        i += 1;
        match marker {
            // Standalone markers: no length.
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 => return Err("the image ends before a frame header"),
            0xDA => return Err("image data starts before a frame header"),
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (bytes.get(i), bytes.get(i + 1)) else {
            return Ok(None);
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if len < 2 {
            return Err("a segment has an impossible length");
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            if len < 7 {
                return Err("the frame header is too short");
            }
            let Some(f) = bytes.get(i + 2..i + 7) else {
                return Ok(None);
            };
            let height = u32::from(u16::from_be_bytes([f[1], f[2]]));
            let width = u32::from(u16::from_be_bytes([f[3], f[4]]));
            return Ok(Some((width, height)));
        }
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u16, h: u16, app_len: usize) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        // An APP1 segment of app_len payload bytes, then fill bytes before SOF2 (progressive).
        let seg = u16::try_from(app_len + 2).unwrap();
        v.extend_from_slice(&[0xFF, 0xE1]);
        v.extend_from_slice(&seg.to_be_bytes());
        v.extend(std::iter::repeat_n(0xAB, app_len));
        v.extend_from_slice(&[0xFF, 0xFF, 0xC2, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9]);
        v
    }

    #[test]
    fn frame_header_is_found_after_other_segments_and_fill_bytes() {
        let j = jpeg(1080, 1350, 1000);
        assert_eq!(jpeg_dimensions(&j), Ok(Some((1080, 1350))));
        // Cut before the frame header: more bytes needed.
        assert_eq!(jpeg_dimensions(&j[..500]), Ok(None));
        assert_eq!(jpeg_dimensions(&j[..1]), Ok(None));
    }

    #[test]
    fn broken_jpegs_are_named() {
        assert!(jpeg_dimensions(b"\x89PNG\r\n").is_err());
        assert_eq!(
            jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02]),
            Err("image data starts before a frame header")
        );
        assert_eq!(
            jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01]),
            Err("a segment has an impossible length")
        );
        // DHT (C4) is not a frame header.
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x04, 0x00, 0x00];
        v.extend_from_slice(&[
            0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x20, 0x01, 0x01,
        ]);
        assert_eq!(jpeg_dimensions(&v), Ok(Some((32, 16))));
    }

    #[test]
    fn aspect_ratio_boundaries() {
        let mut notes = Vec::new();
        let ok =
            |w, h| check_dimensions("u", w, h, PreflightExpect::Image, &mut Vec::new()).is_ok();
        assert!(ok(1080, 1350), "4:5 exactly");
        assert!(!ok(1080, 1351), "narrower than 4:5");
        assert!(ok(1910, 1000), "1.91:1 exactly");
        assert!(!ok(1911, 1000), "wider than 1.91:1");
        assert!(
            check_dimensions("u", 1080, 1920, PreflightExpect::StoryImage, &mut notes).is_ok(),
            "stories are exempt"
        );
        check_dimensions("u", 2000, 2000, PreflightExpect::Image, &mut notes).unwrap();
        assert!(notes.iter().any(|n| n.contains("2000 px")), "{notes:?}");
        let mut quiet = Vec::new();
        check_dimensions("u", 320, 320, PreflightExpect::Image, &mut quiet).unwrap();
        check_dimensions("u", 1440, 1440, PreflightExpect::Image, &mut quiet).unwrap();
        assert!(quiet.is_empty());
        check_dimensions("u", 319, 319, PreflightExpect::Image, &mut quiet).unwrap();
        assert_eq!(quiet.len(), 1);
    }
}
