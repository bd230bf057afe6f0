//! The image captcha of the sign-in form ("Mã kiểm tra"): six characters
//! from an alphabet without look-alikes (no 0/O, 1/I). The answer is kept in
//! the session, never in the page.
//!
//! A captcha drawn from one bitmap font at fixed places is read by a few
//! lines of template matching. So each character is drawn in one of three
//! styles (blocks, dots, strokes), scaled and rotated on its own, the
//! characters overlap, the whole line is bent by two sine waves, and lines in
//! the text's own colours cross it. The test below builds the matcher an
//! attacker would start with, from these very glyphs, and checks it fails.

use rand::Rng;

use crate::IdentityError;

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const WIDTH: u32 = 220;
const HEIGHT: u32 = 70;

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

/// How a glyph's bits become ink: three looks, so no single template fits.
#[derive(Clone, Copy)]
enum Style {
    Blocks,
    Dots,
    Strokes,
}

/// One character as placed: where its centre is, how it is turned and stretched.
struct Placed {
    bits: [u8; 7],
    style: Style,
    centre: (f32, f32),
    angle: f32,
    scale: (f32, f32),
    weight: f32,
    colour: [u8; 3],
}

fn bit(bits: &[u8; 7], col: i32, row: i32) -> bool {
    (0..5).contains(&col) && (0..7).contains(&row) && bits[row as usize] & (0x10 >> col) != 0
}

impl Placed {
    /// Whether the point (x, y) of the picture is ink of this character.
    fn covers(&self, x: f32, y: f32) -> bool {
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        let (sin, cos) = self.angle.sin_cos();
        // Into the glyph's grid: 5 columns of 5 px, 7 rows of 6 px, before scaling.
        let u = (dx * cos + dy * sin) / (5.0 * self.scale.0) + 2.5;
        let v = (-dx * sin + dy * cos) / (6.0 * self.scale.1) + 3.5;
        if !(-1.0..6.0).contains(&u) || !(-1.0..8.0).contains(&v) {
            return false;
        }
        let (col, row) = (u.floor() as i32, v.floor() as i32);
        match self.style {
            Style::Blocks => bit(&self.bits, col, row),
            Style::Dots => {
                let (fu, fv) = (u - col as f32 - 0.5, v - row as f32 - 0.5);
                bit(&self.bits, col, row) && fu * fu + fv * fv < (0.42 + self.weight * 0.18).powi(2)
            }
            Style::Strokes => self.near_stroke(u, v),
        }
    }

    /// Strokes join the centres of neighbouring bits, as a pen would.
    fn near_stroke(&self, u: f32, v: f32) -> bool {
        let width = 0.28 + self.weight * 0.17;
        let (c0, r0) = (u.floor() as i32, v.floor() as i32);
        for col in c0 - 1..=c0 + 1 {
            for row in r0 - 1..=r0 + 1 {
                if !bit(&self.bits, col, row) {
                    continue;
                }
                let a = (col as f32 + 0.5, row as f32 + 0.5);
                for (dc, dr) in [(0, 0), (1, 0), (0, 1), (1, 1), (-1, 1)] {
                    if (dc, dr) != (0, 0) && !bit(&self.bits, col + dc, row + dr) {
                        continue;
                    }
                    let b = (a.0 + dc as f32, a.1 + dr as f32);
                    if distance_to_segment((u, v), a, b) < width {
                        return true;
                    }
                }
            }
        }
        false
    }
}

fn distance_to_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let len = abx * abx + aby * aby;
    let t = if len == 0.0 { 0.0 } else { (((p.0 - a.0) * abx + (p.1 - a.1) * aby) / len).clamp(0.0, 1.0) };
    let (x, y) = (a.0 + t * abx - p.0, a.1 + t * aby - p.1);
    (x * x + y * y).sqrt()
}

struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn blank() -> Self {
        Canvas { pixels: vec![245; (WIDTH * HEIGHT * 3) as usize] }
    }

    fn put(&mut self, x: i32, y: i32, rgb: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as u32) < WIDTH && (y as u32) < HEIGHT {
            let i = ((y as u32 * WIDTH + x as u32) * 3) as usize;
            self.pixels[i..i + 3].copy_from_slice(&rgb);
        }
    }

    /// A thick wavy line across the picture.
    fn curve(&mut self, rng: &mut impl Rng, rgb: [u8; 3], thickness: i32) {
        let (y0, amplitude, period, phase) = (
            rng.gen_range(15.0..HEIGHT as f32 - 15.0),
            rng.gen_range(4.0..14.0),
            rng.gen_range(60.0..160.0),
            rng.gen_range(0.0..6.3),
        );
        let slope: f32 = rng.gen_range(-0.15..0.15);
        for x in 0..WIDTH as i32 {
            let y = y0 + slope * x as f32 + amplitude * (x as f32 / period * std::f32::consts::TAU + phase).sin();
            for t in 0..thickness {
                self.put(x, y as i32 + t, rgb);
            }
        }
    }

    fn png(&self) -> Result<Vec<u8>, IdentityError> {
        let mut png = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png, WIDTH, HEIGHT);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().map_err(|_| IdentityError::Captcha)?;
            writer.write_image_data(&self.pixels).map_err(|_| IdentityError::Captcha)?;
        }
        Ok(png)
    }
}

fn ink(rng: &mut impl Rng) -> [u8; 3] {
    [rng.gen_range(0..100), rng.gen_range(0..100), rng.gen_range(30..150)]
}

/// The characters of an answer, each with its own style, size and turn,
/// closer together than their width so that neighbours touch.
fn place(answer: &str, rng: &mut impl Rng) -> Vec<Placed> {
    let advance = rng.gen_range(26.0..31.0);
    let start = (WIDTH as f32 - advance * 5.0) / 2.0 + rng.gen_range(-6.0..6.0);
    answer
        .bytes()
        .enumerate()
        .map(|(i, ch)| Placed {
            bits: glyph(ch),
            style: match rng.gen_range(0..3) {
                0 => Style::Blocks,
                1 => Style::Dots,
                _ => Style::Strokes,
            },
            centre: (
                start + advance * i as f32 + rng.gen_range(-3.0..3.0),
                HEIGHT as f32 / 2.0 + rng.gen_range(-6.0..6.0),
            ),
            angle: rng.gen_range(-0.35..0.35),
            scale: (rng.gen_range(0.8..1.1), rng.gen_range(0.8..1.05)),
            weight: rng.gen_range(0.0..1.0),
            colour: ink(rng),
        })
        .collect()
}

pub fn generate() -> Result<Challenge, IdentityError> {
    let mut rng = rand::thread_rng();
    let answer: String = (0..6).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    Ok(Challenge { png: draw(&answer, &mut rng).png()?, answer })
}

fn draw(answer: &str, rng: &mut impl Rng) -> Canvas {
    let mut canvas = Canvas::blank();
    // Background clutter in light shades.
    for _ in 0..5 {
        let shade = [rng.gen_range(150..215), rng.gen_range(150..215), rng.gen_range(150..215)];
        canvas.curve(rng, shade, 1);
    }
    let placed = place(answer, rng);
    // The whole line bends: two waves move every point of the picture.
    let (ax, ay) = (rng.gen_range(1.5..3.5), rng.gen_range(3.0..6.0));
    let (px, py) = (rng.gen_range(0.0..6.3), rng.gen_range(0.0..6.3));
    let (lx, ly) = (rng.gen_range(25.0..45.0), rng.gen_range(70.0..130.0));
    for y in 0..HEIGHT as i32 {
        for x in 0..WIDTH as i32 {
            let sx = x as f32 + ax * (y as f32 / lx * std::f32::consts::TAU + px).sin();
            let sy = y as f32 + ay * (x as f32 / ly * std::f32::consts::TAU + py).sin();
            if let Some(p) = placed.iter().rev().find(|p| p.covers(sx, sy)) {
                canvas.put(x, y, p.colour);
            }
        }
    }
    // Lines in the text's own colours cross it, so colour does not separate them.
    for _ in 0..2 {
        let colour = ink(rng);
        let thickness = 2;
        canvas.curve(rng, colour, thickness);
    }
    for _ in 0..700 {
        let shade = rng.gen_range(40..230);
        canvas.put(rng.gen_range(0..WIDTH as i32), rng.gen_range(0..HEIGHT as i32), [shade, shade, shade]);
    }
    canvas
}

/// Compares a typed answer: case and surrounding spaces do not matter.
pub fn matches(expected: &str, typed: &str) -> bool {
    crate::token::constant_time_eq(&expected.to_ascii_uppercase(), &typed.trim().to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
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

    /// The picture as an attacker sees it: dark pixels are ink.
    fn ink_mask(canvas: &Canvas) -> Vec<bool> {
        canvas.pixels.chunks(3).map(|p| (p[0] as u32 + p[1] as u32 + p[2] as u32) / 3 < 120).collect()
    }

    /// The attacker's templates: every glyph of the alphabet in the captcha's
    /// own 5×7 font, at its nominal size (5 × 6 px cells).
    fn template(ch: u8) -> Vec<(i32, i32)> {
        let bits = glyph(ch);
        let mut out = Vec::new();
        for row in 0..7 {
            for col in 0..5 {
                if bit(&bits, col, row) {
                    for dy in 0..6 {
                        for dx in 0..4 {
                            out.push((col * 5 + dx, row * 6 + dy));
                        }
                    }
                }
            }
        }
        out
    }

    /// Slides every template over each character's slot and keeps the best
    /// match: ink it covers, minus template points without ink, minus other
    /// ink inside the template's box (so "F" does not pass for "E"). The
    /// slots are where the characters would stand at an even spacing across the ink.
    fn template_reader(mask: &[bool]) -> String {
        let at = |x: i32, y: i32| {
            x >= 0
                && y >= 0
                && (x as u32) < WIDTH
                && (y as u32) < HEIGHT
                && mask[(y as u32 * WIDTH + x as u32) as usize]
        };
        // Ink counts over rectangles in constant time (a summed-area table).
        let (w, h) = (WIDTH as i32 + 1, HEIGHT as i32 + 1);
        let mut table = vec![0i64; (w * h) as usize];
        for y in 1..h {
            for x in 1..w {
                let i = (y * w + x) as usize;
                table[i] = at(x - 1, y - 1) as i64 + table[i - 1] + table[i - w as usize] - table[i - w as usize - 1];
            }
        }
        let ink_in = |x0: i32, y0: i32, x1: i32, y1: i32| {
            let (x0, y0, x1, y1) = (x0.clamp(0, w - 1), y0.clamp(0, h - 1), x1.clamp(0, w - 1), y1.clamp(0, h - 1));
            table[(y1 * w + x1) as usize] - table[(y0 * w + x1) as usize] - table[(y1 * w + x0) as usize]
                + table[(y0 * w + x0) as usize]
        };
        // The attacker knows the layout: six characters centred, about 28 px apart.
        let (advance, first_centre) = (28.5f32, (WIDTH as f32 - 28.5 * 5.0) / 2.0);
        let templates: Vec<(u8, Vec<(i32, i32)>)> = ALPHABET.iter().map(|&c| (c, template(c))).collect();
        (0..6)
            .map(|i| {
                let x0 = (first_centre + advance * i as f32) as i32 - 12;
                let mut best = (i64::MIN, b'?');
                for (ch, points) in &templates {
                    for ox in -8..=8 {
                        for oy in (0..=(HEIGHT as i32 - 42)).step_by(2) {
                            let hits = points.iter().filter(|(x, y)| at(x0 + ox + x, oy + y)).count() as i64;
                            let boxed = ink_in(x0 + ox, oy, x0 + ox + 24, oy + 42);
                            let score = 3 * hits - points.len() as i64 - boxed;
                            if score > best.0 {
                                best = (score, *ch);
                            }
                        }
                    }
                }
                best.1 as char
            })
            .collect()
    }

    /// The glyphs drawn plainly (one style, upright, evenly spaced, no waves
    /// or crossing lines): what the matcher must be able to read, or its
    /// failure on the real captcha would prove nothing.
    fn plain(answer: &str) -> Canvas {
        let mut canvas = Canvas::blank();
        for (i, ch) in answer.bytes().enumerate() {
            for (x, y) in template(ch) {
                canvas.put((WIDTH as i32 - 28 * 5) / 2 - 12 + i as i32 * 28 + x, 14 + y, [20, 20, 90]);
            }
        }
        canvas
    }

    #[test]
    fn a_template_matcher_built_from_the_glyphs_reads_fewer_than_one_in_ten() {
        let mut rng = rand::thread_rng();
        let answers: Vec<String> =
            (0..20).map(|_| (0..6).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()).collect();
        let plain_read = answers
            .iter()
            .filter(|a| {
                let read = template_reader(&ink_mask(&plain(a)));
                if read != **a {
                    println!("plain {a} read as {read}");
                }
                read == **a
            })
            .count();
        assert!(plain_read >= 18, "the matcher reads plain glyphs ({plain_read} of 20), so it is a fair attacker");
        let read = answers.iter().filter(|a| template_reader(&ink_mask(&draw(a, &mut rng))) == **a).count();
        println!("template matcher: {plain_read}/20 plain, {read}/20 captchas");
        assert!(read * 10 < answers.len(), "read {read} of {} captchas", answers.len());
    }
}
