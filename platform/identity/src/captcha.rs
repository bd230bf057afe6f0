//! The image captcha of the sign-in form ("Mã kiểm tra"): six characters
//! from an alphabet without look-alikes (no 0/O, 1/I), drawn with jitter,
//! shear and noise into a PNG. The answer is kept in the session, never in
//! the page.

use rand::Rng;

use crate::IdentityError;

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const WIDTH: u32 = 200;
const HEIGHT: u32 = 64;

/// 5×7 glyphs, one row per byte, the low five bits used.
fn glyph(c: u8) -> [u8; 7] {
    match c {
        b'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        b'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        b'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        b'D' => [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        b'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        b'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        b'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        b'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        b'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        b'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        b'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        b'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        b'N' => [0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11],
        b'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        b'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        b'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        b'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        b'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        b'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        b'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        b'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        b'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        b'Y' => [0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04],
        b'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        b'2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        b'3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        b'4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        b'5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        b'6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        b'7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        b'8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        b'9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        _ => [0; 7],
    }
}

/// A fresh challenge: the answer and its picture.
pub struct Challenge {
    pub answer: String,
    pub png: Vec<u8>,
}

struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn put(&mut self, x: i32, y: i32, rgb: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as u32) < WIDTH && (y as u32) < HEIGHT {
            let i = ((y as u32 * WIDTH + x as u32) * 3) as usize;
            self.pixels[i..i + 3].copy_from_slice(&rgb);
        }
    }

    fn line(&mut self, (mut x0, mut y0): (i32, i32), (x1, y1): (i32, i32), rgb: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let mut err = dx + dy;
        loop {
            self.put(x0, y0, rgb);
            if x0 == x1 && y0 == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x0 += sx;
            }
            if e2 <= dx {
                err += dx;
                y0 += sy;
            }
        }
    }
}

pub fn generate() -> Result<Challenge, IdentityError> {
    let mut rng = rand::thread_rng();
    let answer: String = (0..6).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    let mut canvas = Canvas { pixels: vec![245; (WIDTH * HEIGHT * 3) as usize] };
    for _ in 0..6 {
        let from = (rng.gen_range(0..WIDTH as i32), rng.gen_range(0..HEIGHT as i32));
        let to = (rng.gen_range(0..WIDTH as i32), rng.gen_range(0..HEIGHT as i32));
        canvas.line(from, to, [rng.gen_range(120..200), rng.gen_range(120..200), rng.gen_range(120..200)]);
    }
    for (i, ch) in answer.bytes().enumerate() {
        let color = [rng.gen_range(0..90), rng.gen_range(0..90), rng.gen_range(40..140)];
        let x0 = 10 + i as i32 * 31 + rng.gen_range(-3..4);
        let y0 = 8 + rng.gen_range(-4..5);
        let shear: f32 = rng.gen_range(-0.35..0.35);
        for (row, bits) in glyph(ch).iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) == 0 {
                    continue;
                }
                for dy in 0..6 {
                    let y = y0 + row as i32 * 6 + dy;
                    let skew = (shear * (y - y0 - 21) as f32) as i32;
                    for dx in 0..4 {
                        canvas.put(x0 + col * 4 + dx + skew, y, color);
                    }
                }
            }
        }
    }
    for _ in 0..500 {
        let shade = rng.gen_range(60..220);
        canvas.put(rng.gen_range(0..WIDTH as i32), rng.gen_range(0..HEIGHT as i32), [shade, shade, shade]);
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|_| IdentityError::Captcha)?;
        writer.write_image_data(&canvas.pixels).map_err(|_| IdentityError::Captcha)?;
    }
    Ok(Challenge { answer, png })
}

/// Compares a typed answer: case and surrounding spaces do not matter.
pub fn matches(expected: &str, typed: &str) -> bool {
    crate::token::constant_time_eq(&expected.to_ascii_uppercase(), &typed.trim().to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_png_images_of_six_unambiguous_characters() {
        let c = generate().unwrap();
        assert_eq!(c.answer.len(), 6);
        assert!(c.answer.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(&c.png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(matches(&c.answer, &format!(" {} ", c.answer.to_lowercase())));
        assert!(!matches(&c.answer, "WRONG1"));
        for &ch in ALPHABET {
            assert_ne!(glyph(ch), [0; 7], "glyph for {}", ch as char);
        }
    }
}
