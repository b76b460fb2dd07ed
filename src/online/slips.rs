//! `评分链接.pdf`: one slip per evaluator with their name, group, the departments they
//! score in visit order, and their personal link as a QR code and as text; several slips
//! to an A4 sheet with cut lines. Typeset like every other document (template
//! `slips.typ.j2`, layout in the shared style library); the QR codes come from the
//! `qrcode` crate as one grey byte per module, handed to typst as files beside the style
//! library and drawn pixelated: exact squares at any size, and one small image per code
//! in the PDF, which any reader (and `pdfimages`) can take out and decode.

use std::path::PathBuf;

use qrcode::{Color, QrCode};
use serde::Serialize;

use crate::model::Plan;
use crate::render::engine::{Engine, ExtraFile, RenderError};
use crate::render::{PdfDoc, RenderedPdf};

use super::{EvaluatorId, Refusal, Scoring, link_url};

/// The slips' file name.
pub const SLIPS_FILE: &str = "评分链接.pdf";

/// One evaluator's slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slip {
    pub id: EvaluatorId,
    /// 组长, 副组长, 成员.
    pub role: String,
    /// In visit order; recused ones marked.
    pub departments: Vec<String>,
    pub link: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SlipError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("无法为 {name} 的链接生成二维码：{reason}")]
    Qr { name: String, reason: String },
    #[error(transparent)]
    Render(#[from] RenderError),
}

#[derive(Serialize)]
struct Head {
    title: String,
    org: String,
    heading: String,
}

#[derive(Serialize)]
struct SlipView<'a> {
    name: &'a str,
    group: &'a str,
    role: &'a str,
    departments: &'a [String],
    link: &'a str,
    qr: String,
    /// The QR code's side in modules, quiet zone included.
    modules: usize,
}

impl Scoring {
    /// Every evaluator's slip, in 考评组 order, with links under `base_url`
    /// (`http://192.168.1.20:8000`).
    ///
    /// # Errors
    /// [`Refusal::NotReady`] before the first plan.
    pub fn slips(&self, base_url: &str) -> Result<Vec<Slip>, Refusal> {
        let ctx = self.context()?;
        let plan = &ctx.plan;
        let links = super::lock(&self.links);
        Ok(ctx
            .evaluators
            .iter()
            .filter_map(|e| {
                let secret = links.secret_of(&e.id)?;
                let departments = e
                    .departments
                    .iter()
                    .map(|&d| {
                        let name = plan.department(d).name.clone();
                        if plan.recuses(e.member, d) { format!("{name}（回避）") } else { name }
                    })
                    .collect();
                Some(Slip {
                    id: e.id.clone(),
                    role: plan.member(e.member).role.label().to_string(),
                    departments,
                    link: link_url(base_url, &secret.to_string()),
                })
            })
            .collect())
    }

    /// The current plan, for typesetting the slips.
    ///
    /// # Errors
    /// [`Refusal::NotReady`] before the first plan.
    pub fn plan(&self) -> Result<std::sync::Arc<Plan>, Refusal> {
        Ok(self.context()?.plan.clone())
    }
}

/// The slips as a document ready to typeset.
///
/// # Errors
/// A link too long for a QR code, or a template error.
pub fn slips_doc(engine: &Engine, plan: &Plan, slips: &[Slip]) -> Result<PdfDoc, SlipError> {
    let mut extras = Vec::with_capacity(slips.len());
    let mut views = Vec::with_capacity(slips.len());
    for (i, slip) in slips.iter().enumerate() {
        let name = format!("qr-{}.raw", i + 1);
        let (pixels, modules) = qr_pixels(slip)?;
        extras.push(ExtraFile { name: name.clone(), bytes: pixels });
        views.push(SlipView {
            name: &slip.id.name,
            group: &slip.id.group,
            role: &slip.role,
            departments: &slip.departments,
            link: &slip.link,
            qr: format!("/lib/{name}"),
            modules,
        });
    }
    let info = &plan.info;
    let head = Head {
        title: format!("{}{}年度绩效考评网上评分链接", info.org, info.year),
        org: info.org.clone(),
        heading: format!("{}{}年度绩效考评", info.org, info.year),
    };
    #[derive(Serialize)]
    struct Context<'a> {
        h: Head,
        slips: Vec<SlipView<'a>>,
    }
    let source = engine
        .templates()
        .render("slips.typ.j2", &Context { h: head, slips: views })
        .map_err(RenderError::from)?;
    Ok(PdfDoc { stem: PathBuf::from("评分链接"), source, date: info.date, extras })
}

/// `评分链接.pdf`.
///
/// # Errors
/// As [`slips_doc`], or typst failing.
pub fn render_slips(
    engine: &Engine,
    plan: &Plan,
    slips: &[Slip],
) -> Result<RenderedPdf, SlipError> {
    Ok(slips_doc(engine, plan, slips)?.compile(engine)?)
}

/// The standard's quiet zone round a QR code, in modules.
const QUIET_ZONE: usize = 4;

/// The link as a QR code (error correction M: a slip survives a crease): 8-bit grey
/// pixels, one per module, with the quiet zone so phones find it on a busy page; and the
/// side in modules.
fn qr_pixels(slip: &Slip) -> Result<(Vec<u8>, usize), SlipError> {
    let code = QrCode::with_error_correction_level(slip.link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| SlipError::Qr { name: slip.id.name.clone(), reason: e.to_string() })?;
    let width = code.width();
    let side = width + 2 * QUIET_ZONE;
    let mut pixels = vec![u8::MAX; side * side];
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            pixels[(i / width + QUIET_ZONE) * side + i % width + QUIET_ZONE] = 0;
        }
    }
    Ok((pixels, side))
}
