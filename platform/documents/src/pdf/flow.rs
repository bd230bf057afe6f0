//! Text flowing down pages: the next line goes under the last, a new page
//! starts when the room runs out, and a callback redraws what repeats (the
//! table header).

use super::layout::{Align, Face, Fonts, Page};

pub(crate) const MARGIN: f32 = 40.0;
/// Kept free at the bottom of the last page for the signature block.
pub(crate) const SIGNATURE_BLOCK: f32 = 150.0;
/// Below the lowest line of a page: the page number.
const FOOTER: f32 = 24.0;

pub(crate) struct Flow<'f> {
    pub fonts: &'f Fonts,
    pub pages: Vec<Page>,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl<'f> Flow<'f> {
    pub fn new(fonts: &'f Fonts, width: f32, height: f32) -> Self {
        Self { fonts, pages: vec![Page::new(width, height)], y: MARGIN, width, height }
    }

    pub fn page(&mut self) -> &mut Page {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Height left above the bottom margin.
    pub fn room(&self) -> f32 {
        self.height - MARGIN - FOOTER - self.y
    }

    pub fn new_page(&mut self) {
        self.pages.push(Page::new(self.width, self.height));
        self.y = MARGIN;
    }

    /// The inner width between the margins.
    pub fn inner(&self) -> f32 {
        self.width - 2.0 * MARGIN
    }

    /// A paragraph wrapped to the inner width (less `indent`), breaking pages as needed.
    pub fn paragraph(&mut self, text: &str, size: f32, face: Face, align: Align, indent: f32) {
        let line_height = size * 1.35;
        for line in self.fonts.wrap(face, size, text, self.inner() - indent) {
            if self.room() < line_height {
                self.new_page();
            }
            self.y += line_height;
            let (fonts, y) = (self.fonts, self.y - size * 0.3);
            let x = (MARGIN + indent, self.inner() - indent);
            fonts.place(self.page(), &line, x, (y, size), face, align);
        }
    }

    /// The signature block at the bottom of the last page (a new page when
    /// the content reaches into it): who signs on the left and on the right.
    pub fn signature_block(&mut self, left: &str, right: &str) {
        if self.height - MARGIN - SIGNATURE_BLOCK < self.y {
            self.new_page();
        }
        let top = self.height - MARGIN - SIGNATURE_BLOCK;
        let fonts = self.fonts;
        let right_box = (self.width - MARGIN - 200.0, 200.0);
        let left_box = (MARGIN, 200.0);
        let page = self.page();
        fonts.place(page, left, left_box, (top + 14.0, 10.0), Face::Bold, Align::Center);
        fonts.place(page, "(Ký, ghi rõ họ tên)", left_box, (top + 27.0, 9.0), Face::Italic, Align::Center);
        fonts.place(page, right, right_box, (top + 14.0, 10.0), Face::Bold, Align::Center);
        fonts.place(page, "(Ký, ghi rõ họ tên, đóng dấu)", right_box, (top + 27.0, 9.0), Face::Italic, Align::Center);
    }

    /// "Trang i/n" under every page.
    pub fn finish(mut self) -> Vec<Page> {
        let n = self.pages.len();
        let (fonts, width, height) = (self.fonts, self.width, self.height);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let text = format!("Trang {}/{n}", i + 1);
            fonts.place(page, &text, (0.0, width), (height - MARGIN / 2.0, 8.0), Face::Regular, Align::Center);
        }
        self.pages
    }
}
