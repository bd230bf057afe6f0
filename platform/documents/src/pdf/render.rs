//! Pages drawn into a PDF with krilla: the fonts embedded as subsets (every
//! Vietnamese letter shows), images with their transparency, no creation date
//! and an ID hashed from the content, so the same pages give the same bytes.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use super::PdfError;
use super::layout::{BOLD, Face, ITALIC, Op, Page, REGULAR};

pub(crate) fn render(pages: &[Page]) -> Result<Vec<u8>, PdfError> {
    let font = |data: &'static [u8]| Font::new(data.into(), 0).ok_or(PdfError::Font);
    let (regular, bold, italic) = (font(REGULAR)?, font(BOLD)?, font(ITALIC)?);
    let mut document = Document::new();
    for p in pages {
        let size = Size::from_wh(p.width, p.height).ok_or(PdfError::Layout)?;
        let mut page = document.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        surface.set_fill(Some(Fill { paint: rgb::Color::black().into(), ..Fill::default() }));
        for op in &p.ops {
            match op {
                Op::Text { x, y, size, face, text } => {
                    let f = match face {
                        Face::Regular => regular.clone(),
                        Face::Bold => bold.clone(),
                        Face::Italic => italic.clone(),
                    };
                    surface.draw_text(Point::from_xy(*x, *y), f, *size, text, false, TextDirection::Auto);
                }
                Op::Line { x1, y1, x2, y2, width } => {
                    let mut b = PathBuilder::new();
                    b.move_to(*x1, *y1);
                    b.line_to(*x2, *y2);
                    let Some(path) = b.finish() else { continue };
                    let fill = surface.get_fill().cloned();
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke { width: *width, ..Stroke::default() }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                    surface.set_fill(fill);
                }
                Op::Image { x, y, w, h, png } => {
                    let image = Image::from_png(png.clone().into(), true).map_err(|_| PdfError::Image)?;
                    let size = Size::from_wh(*w, *h).ok_or(PdfError::Layout)?;
                    surface.push_transform(&Transform::from_translate(*x, *y));
                    surface.draw_image(image, size);
                    surface.pop();
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}
