//! What a file is (by its bytes, never by name or declared type) and the clean-up of photos:
//! decoded, turned upright, made smaller, and written anew as JPEG, so no EXIF, GPS position,
//! device or owner name survives.

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;

/// Longest side of a stored photo, in pixels.
pub const MAX_SIDE: u32 = 2048;
/// JPEG quality of stored photos (letters and payslips stay readable).
const JPEG_QUALITY: u8 = 85;
/// How many leading bytes sniffing needs (PNG's signature is the longest we match).
pub const SNIFF_LEN: usize = 16;

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Pdf,
}

impl Kind {
    /// Photos are decoded and re-encoded; PDFs are stored as sent.
    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png)
    }
}

/// Why a file is refused by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// HEIC/HEIF (iPhone photos): not readable here; the phone can send JPEG instead.
    Heic,
    /// Anything else (by its bytes), with the type we think it is, if any.
    Unsupported(Option<&'static str>),
    /// It claims to be a photo, but does not decode.
    BrokenImage,
    /// Too many pixels to decode safely.
    TooManyPixels { max: u64 },
}

/// Decides the kind of a file from its first bytes. `infer` calls PDF an "archive", so the
/// MIME strings are compared, not the matcher classes.
pub fn sniff(head: &[u8]) -> Result<Kind, Refusal> {
    let found = infer::get(head).map(|t| t.mime_type());
    match found {
        Some("image/jpeg") => Ok(Kind::Jpeg),
        Some("image/png") => Ok(Kind::Png),
        Some("application/pdf") => Ok(Kind::Pdf),
        Some("image/heif" | "image/heic" | "image/heif-sequence" | "image/heic-sequence") => {
            Err(Refusal::Heic)
        }
        other => Err(Refusal::Unsupported(other)),
    }
}

/// A cleaned photo.
#[derive(Debug)]
pub struct CleanPhoto {
    /// The new JPEG.
    pub jpeg: Vec<u8>,
    /// Its size after orientation and resizing.
    pub width: u32,
    pub height: u32,
}

/// Decodes a JPEG or PNG (at most `max_pixels`), applies its orientation, fits it within
/// [`MAX_SIDE`] and encodes a fresh JPEG: no metadata of the original is carried over.
pub fn clean_photo(bytes: &[u8], kind: Kind, max_pixels: u64) -> Result<CleanPhoto, Refusal> {
    clean_photo_from(Cursor::new(bytes), kind, max_pixels)
}

/// [`clean_photo`] reading from a file (or any seekable reader), so the photo as sent need
/// not be held in memory beside its pixels.
pub fn clean_photo_from<R: std::io::BufRead + std::io::Seek>(
    input: R,
    kind: Kind,
    max_pixels: u64,
) -> Result<CleanPhoto, Refusal> {
    let format = match kind {
        Kind::Jpeg => image::ImageFormat::Jpeg,
        Kind::Png => image::ImageFormat::Png,
        Kind::Pdf => return Err(Refusal::BrokenImage),
    };
    let mut reader = ImageReader::with_format(input, format);
    let mut limits = Limits::default();
    // RGBA at 8 bits, plus room for the decoder's own buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(4).saturating_add(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| Refusal::BrokenImage)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(Refusal::TooManyPixels { max: max_pixels });
    }
    let orientation = decoder.orientation().map_err(|_| Refusal::BrokenImage)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => Refusal::TooManyPixels { max: max_pixels },
        _ => Refusal::BrokenImage,
    })?;
    img.apply_orientation(orientation);
    if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let rgb = flatten_on_white(img);
    let mut jpeg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY);
    enc.encode_image(&rgb).map_err(|_| Refusal::BrokenImage)?;
    Ok(CleanPhoto {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// JPEG has no transparency: transparent parts of a PNG become white, as on paper.
fn flatten_on_white(img: DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        // Moves the pixels when they are RGB already (no second copy).
        return img.into_rgb8();
    }
    let rgba = img.to_rgba8();
    let (w, h) = rgba.dimensions();
    image::RgbImage::from_fn(w, h, |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])])
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A JPEG of `w`×`h` pixels carrying an EXIF block with a GPS position, an owner name and
    /// orientation 6 (rotate 90°). The APP1 segment is built by hand: no encoder writes GPS.
    pub fn jpeg_with_exif_gps(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                image::Rgb([200, 30, 30])
            } else {
                image::Rgb([30, 30, 200])
            }
        });
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&img)
            .unwrap();
        let app1 = exif_app1();
        // After SOI (FF D8) comes our APP1.
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    /// EXIF (big-endian TIFF): IFD0 with Orientation = 6, Artist = owner name, and a GPS IFD
    /// with latitude 52°05'N.
    fn exif_app1() -> Vec<u8> {
        let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
        let artist = b"Zwaantje Pieterburen\0";
        // IFD0 at 8: 3 entries (12 bytes each) + next-IFD offset.
        let ifd0_len = 2 + 3 * 12 + 4;
        let gps_ifd = 8 + ifd0_len;
        let gps_len = 2 + 2 * 12 + 4;
        let artist_at = gps_ifd + gps_len;
        let lat_at = artist_at + artist.len();
        let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32| {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&typ.to_be_bytes());
            t.extend_from_slice(&count.to_be_bytes());
            t.extend_from_slice(&value.to_be_bytes());
        };
        tiff.extend_from_slice(&3u16.to_be_bytes());
        // Orientation (SHORT, value left-aligned in the 4 bytes).
        entry(&mut tiff, 0x0112, 3, 1, 6 << 16);
        entry(&mut tiff, 0x013B, 2, artist.len() as u32, artist_at as u32);
        entry(&mut tiff, 0x8825, 4, 1, gps_ifd as u32);
        tiff.extend_from_slice(&0u32.to_be_bytes());
        tiff.extend_from_slice(&2u16.to_be_bytes());
        // GPSLatitudeRef "N", GPSLatitude 3 RATIONALs.
        entry(&mut tiff, 0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0"));
        entry(&mut tiff, 0x0002, 5, 3, lat_at as u32);
        tiff.extend_from_slice(&0u32.to_be_bytes());
        tiff.extend_from_slice(artist);
        for (n, d) in [(52u32, 1u32), (5, 1), (0, 1)] {
            tiff.extend_from_slice(&n.to_be_bytes());
            tiff.extend_from_slice(&d.to_be_bytes());
        }
        let mut seg = vec![0xFF, 0xE1];
        let len = (2 + 6 + tiff.len()) as u16;
        seg.extend_from_slice(&len.to_be_bytes());
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend_from_slice(&tiff);
        seg
    }

    pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn types_are_decided_by_bytes() {
        let jpeg = jpeg_with_exif_gps(8, 4);
        assert_eq!(sniff(&jpeg[..SNIFF_LEN]), Ok(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(Kind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), Ok(Kind::Pdf));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Err(Refusal::Heic)
        );
        assert_eq!(
            sniff(b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0"),
            Err(Refusal::Unsupported(Some("application/zip")))
        );
        assert_eq!(
            sniff(b"<html><body>hi"),
            Err(Refusal::Unsupported(Some("text/html")))
        );
        assert_eq!(sniff(b"just some text"), Err(Refusal::Unsupported(None)));
        assert_eq!(sniff(b""), Err(Refusal::Unsupported(None)));
    }

    #[test]
    fn photos_lose_exif_and_gps_and_are_turned_upright() {
        let original = jpeg_with_exif_gps(40, 20);
        assert!(contains(&original, b"Exif") && contains(&original, b"Pieterburen"));
        let clean = clean_photo(&original, Kind::Jpeg, 1_000_000).unwrap();
        assert!(!contains(&clean.jpeg, b"Exif"));
        assert!(!contains(&clean.jpeg, b"Pieterburen"));
        assert!(
            !contains(&clean.jpeg, &[0xFF, 0xE1]),
            "no APP1 segment at all"
        );
        // Orientation 6: the 40×20 landscape becomes 20×40 upright.
        assert_eq!((clean.width, clean.height), (20, 40));
        let back = image::load_from_memory(&clean.jpeg).unwrap().to_rgb8();
        assert_eq!(back.dimensions(), (20, 40));
    }

    #[test]
    fn large_photos_shrink_and_huge_ones_are_refused() {
        let big = image::RgbImage::from_pixel(3000, 1000, image::Rgb([10, 200, 10]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(big)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let clean = clean_photo(&png, Kind::Png, 4_000_000).unwrap();
        assert_eq!(clean.width, MAX_SIDE);
        assert!(clean.height <= 683 && clean.height >= 682);
        assert_eq!(
            clean_photo(&png, Kind::Png, 2_999_999).unwrap_err(),
            Refusal::TooManyPixels { max: 2_999_999 }
        );
        assert_eq!(
            clean_photo(b"\xFF\xD8\xFF\xE0garbage", Kind::Jpeg, 1000).unwrap_err(),
            Refusal::BrokenImage
        );
    }

    #[test]
    fn transparent_png_becomes_white() {
        let img = image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let clean = clean_photo(&png, Kind::Png, 100).unwrap();
        let back = image::load_from_memory(&clean.jpeg).unwrap().to_rgb8();
        assert!(back.get_pixel(1, 1).0.iter().all(|&c| c > 240));
    }
}
