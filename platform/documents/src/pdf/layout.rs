//! The page model every PDF of baocao is drawn from: pages of positioned text,
//! lines and images (top-left origin, points), measured with the embedded
//! fonts. Laying out first and drawing after keeps the layout testable and the
//! output byte-for-byte the same for the same report.

use ttf_parser::Face as TtfFace;

pub(crate) const REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSerif.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSerif-Bold.ttf");
pub(crate) const ITALIC: &[u8] = include_bytes!("../../fonts/DejaVuSerif-Italic.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
    Italic,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// A PNG drawn into the box (its alpha kept).
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        png: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    pub width: f32,
    pub height: f32,
    pub ops: Vec<Op>,
}

impl Page {
    pub fn new(width: f32, height: f32) -> Self {
        Self { width, height, ops: Vec::new() }
    }

    pub fn text(&mut self, x: f32, y: f32, size: f32, face: Face, text: impl Into<String>) {
        let text = text.into();
        if !text.trim().is_empty() {
            self.ops.push(Op::Text { x, y, size, face, text });
        }
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.ops.push(Op::Line { x1, y1, x2, y2, width: 0.5 });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.line(x, y, x + w, y);
        self.line(x, y + h, x + w, y + h);
        self.line(x, y, x, y + h);
        self.line(x + w, y, x + w, y + h);
    }
}

/// Text measuring with the fonts that are embedded.
pub(crate) struct Fonts {
    regular: TtfFace<'static>,
    bold: TtfFace<'static>,
    italic: TtfFace<'static>,
}

/// Horizontal placement of a line of text in a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

impl Fonts {
    pub fn load() -> Option<Self> {
        Some(Self {
            regular: TtfFace::parse(REGULAR, 0).ok()?,
            bold: TtfFace::parse(BOLD, 0).ok()?,
            italic: TtfFace::parse(ITALIC, 0).ok()?,
        })
    }

    fn face(&self, f: Face) -> &TtfFace<'static> {
        match f {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
            Face::Italic => &self.italic,
        }
    }

    /// The width of `text` at `size`, from the fonts' advances.
    pub fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        let f = self.face(face);
        let units: u32 =
            text.chars().filter_map(|c| f.glyph_index(c)).map(|g| u32::from(f.glyph_hor_advance(g).unwrap_or(0))).sum();
        units as f32 * size / f32::from(f.units_per_em())
    }

    /// `text` broken into lines no wider than `max` (a word longer than a line is cut).
    pub fn wrap(&self, face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if self.width(face, size, &candidate) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line = self.cut_long(face, size, word, max, &mut lines);
            }
            lines.push(line);
        }
        lines
    }

    /// Pushes full-width pieces of `word` and returns the rest.
    fn cut_long(&self, face: Face, size: f32, word: &str, max: f32, lines: &mut Vec<String>) -> String {
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if self.width(face, size, &piece) > max && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        piece
    }

    /// One line of text placed in a box from `x` of width `w`, its baseline at `y`.
    pub fn place(
        &self, page: &mut Page, text: &str, (x, w): (f32, f32), (y, size): (f32, f32), face: Face, align: Align,
    ) {
        let tw = self.width(face, size, text);
        let left = match align {
            Align::Left => x,
            Align::Center => x + (w - tw) / 2.0,
            Align::Right => x + w - tw,
        };
        page.text(left, y, size, face, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_respects_the_width() {
        let fonts = Fonts::load().unwrap();
        let text = "Tổng số cán bộ, công chức, viên chức được đào tạo bồi dưỡng trong kỳ báo cáo";
        let lines = fonts.wrap(Face::Regular, 9.0, text, 120.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| fonts.width(Face::Regular, 9.0, l) <= 120.0));
        assert_eq!(lines.join(" "), text);
        let long = fonts.wrap(Face::Regular, 9.0, &"x".repeat(200), 50.0);
        assert!(long.len() > 3 && long.iter().all(|l| fonts.width(Face::Regular, 9.0, l) <= 50.0));
    }

    #[test]
    fn vietnamese_letters_have_glyphs_in_every_face() {
        let fonts = Fonts::load().unwrap();
        for face in [Face::Regular, Face::Bold, Face::Italic] {
            let f = fonts.face(face);
            for c in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƠƯ".chars()
            {
                assert!(f.glyph_index(c).is_some(), "{c} in {face:?}");
            }
        }
    }
}
