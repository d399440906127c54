//! Compare mode: a reference image (B) beside the current document (A).
//!
//! The reference is chosen with File ▸ Open as reference…, by dropping a file with Shift held,
//! or as the previous/next frame of the file list. A fixed reference stays while the user steps
//! through a sequence (every frame against one frame); a following one is loaded again as the
//! previous (or next) frame of each new current file. Both views then show A, B, a difference
//! (A − B, |A − B|, relative) or a wipe between A and B, with one shared pan and zoom. The
//! metrics of the channels shown are computed on a worker ([`ViewerState::metrics_wanted`]),
//! keyed by both generations and the channel names, so a stale result is never shown.

use std::collections::HashMap;
use std::sync::Arc;

use exrprobe_core::compare::Comparison;
use exrprobe_core::compare::difference::DifferenceKind;
use exrprobe_core::model::{ChannelRef, Image};

use super::super::command::{Command, Effect, PixelUnderPointer};
use super::super::loader::Source;
use super::super::panels::probe::ProbePos;
use super::ViewerState;

/// What both views show while a reference is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CompareView {
    /// The current file.
    #[default]
    A,
    /// The reference.
    B,
    /// A difference picture of A and B.
    Difference(DifferenceKind),
    /// A on the left of a draggable line, B on the right.
    Wipe,
}

impl CompareView {
    /// Every view, in the order of the compare bar.
    pub const ALL: [CompareView; 6] = [
        CompareView::A,
        CompareView::B,
        CompareView::Difference(DifferenceKind::Signed),
        CompareView::Difference(DifferenceKind::Absolute),
        CompareView::Difference(DifferenceKind::Relative),
        CompareView::Wipe,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CompareView::A => "A",
            CompareView::B => "B",
            CompareView::Difference(kind) => kind.label(),
            CompareView::Wipe => "Wipe",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            CompareView::A => "The current file (A)",
            CompareView::B => "The reference (B), with A's display settings",
            CompareView::Difference(DifferenceKind::Signed) => {
                "A − B: blue where A is lower, red where A is higher, white where equal"
            }
            CompareView::Difference(DifferenceKind::Absolute) => {
                "|A − B|: bright where they differ"
            }
            CompareView::Difference(DifferenceKind::Relative) => {
                "|A − B| / |B|: bright where they differ relative to B"
            }
            CompareView::Wipe => "A left of the line, B right of it; drag the line",
        }
    }
}

/// How the reference follows the current file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReferenceFollow {
    /// One file, whatever the current file is.
    #[default]
    Fixed,
    /// The file this many places before (−1) or after (+1) the current one in the file list.
    Neighbour(isize),
}

/// The reference (B).
#[derive(Clone)]
pub struct Reference {
    pub source: Source,
    /// The loaded image and its load generation, once loaded.
    pub loaded: Option<(u64, Arc<Image>)>,
    /// Why it could not be loaded.
    pub error: Option<String>,
}

impl Reference {
    pub fn image(&self) -> Option<&Arc<Image>> {
        self.loaded.as_ref().map(|(_, image)| image)
    }

    pub fn generation(&self) -> Option<u64> {
        self.loaded.as_ref().map(|(generation, _)| *generation)
    }
}

/// Identifies a metrics computation: both images and the channels compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsKey {
    pub generation_a: u64,
    pub generation_b: u64,
    pub channels: Vec<String>,
}

/// A metrics computation the app should run.
pub struct MetricsRequest {
    pub key: MetricsKey,
    pub a: Arc<Image>,
    pub b: Arc<Image>,
}

/// A's channels paired with B's of the same name, as `exrprobe diff` pairs them (qualified
/// names, `#2` for a repeated one), made once per pair of images: the views, the metrics and
/// the placeholders look channels up every frame.
struct Pairing {
    /// The generations of A and B it was made for.
    generations: (u64, u64),
    /// A's channel → its key and B's channel.
    pairs: HashMap<ChannelRef, (String, ChannelRef)>,
}

/// The compare part of the viewer's state.
#[derive(Default)]
pub(super) struct CompareState {
    reference: Option<Reference>,
    follow: ReferenceFollow,
    view: CompareView,
    /// The wipe line's x in image coordinates (`None`: the middle of the image).
    wipe_x_in_image: Option<f32>,
    metrics: Option<(MetricsKey, Result<Arc<Comparison>, String>)>,
    pairing: Option<Pairing>,
}

impl ViewerState {
    /// The reference, if one is chosen (loaded or not).
    pub fn reference(&self) -> Option<&Reference> {
        self.compare.reference.as_ref()
    }

    /// The loaded reference image.
    pub fn reference_image(&self) -> Option<&Arc<Image>> {
        self.compare.reference.as_ref().and_then(Reference::image)
    }

    /// What the views show: always A without a loaded reference.
    pub fn compare_view(&self) -> CompareView {
        if self.reference_image().is_some() {
            self.compare.view
        } else {
            CompareView::A
        }
    }

    pub fn reference_follow(&self) -> ReferenceFollow {
        self.compare.follow
    }

    /// The wipe line's x in image coordinates.
    pub fn wipe_x_in_image(&self) -> Option<f32> {
        let doc = self.doc.as_ref()?;
        Some(
            self.compare
                .wipe_x_in_image
                .unwrap_or_else(|| doc.bounds_in_image().center().x),
        )
    }

    /// A's channel and its key (qualified name), with B's channel of that name, for the
    /// images shown.
    fn paired(&self, channel: ChannelRef) -> Option<&(String, ChannelRef)> {
        let current = (
            self.doc.as_ref()?.generation,
            self.compare.reference.as_ref()?.generation()?,
        );
        let pairing = self.compare.pairing.as_ref()?;
        (pairing.generations == current)
            .then(|| pairing.pairs.get(&channel))
            .flatten()
    }

    /// A's channel in the reference: the channel of the same qualified name.
    pub fn reference_channel(&self, channel: ChannelRef) -> Option<ChannelRef> {
        self.paired(channel).map(|(_, b)| *b)
    }

    /// Pairs A's channels with B's again when either image changed (called when a document or
    /// the reference arrives).
    pub(super) fn pair_channels(&mut self) {
        let (Some(doc), Some(reference)) = (&self.doc, &self.compare.reference) else {
            return;
        };
        let Some((generation_b, b)) = &reference.loaded else {
            return;
        };
        let generations = (doc.generation, *generation_b);
        if self
            .compare
            .pairing
            .as_ref()
            .is_some_and(|p| p.generations == generations)
        {
            return;
        }
        let in_b: HashMap<String, ChannelRef> = b.keyed_channels().into_iter().collect();
        let pairs = doc
            .image
            .keyed_channels()
            .into_iter()
            .filter_map(|(key, a)| {
                let b = *in_b.get(&key)?;
                Some((a, (key, b)))
            })
            .collect();
        self.compare.pairing = Some(Pairing { generations, pairs });
    }

    /// The channels whose metrics the compare panel shows: the depth channel and the channels
    /// of the colour view (solo, else the colour layer), by qualified name, those the reference
    /// has too.
    pub fn compared_channel_names(&self) -> Vec<String> {
        let mut refs: Vec<ChannelRef> = self.selection.depth.into_iter().collect();
        match (self.selection.solo, self.rgb_layer()) {
            (Some(solo), _) => refs.push(solo),
            (None, Some(layer)) => refs.extend([layer.r, layer.g, layer.b]),
            (None, None) => {}
        }
        let mut names: Vec<String> = Vec::new();
        for r in refs {
            if let Some((key, _)) = self.paired(r)
                && !names.contains(key)
            {
                names.push(key.clone());
            }
        }
        names
    }

    fn metrics_key(&self) -> Option<MetricsKey> {
        let doc = self.doc.as_ref()?;
        let generation_b = self.compare.reference.as_ref()?.generation()?;
        Some(MetricsKey {
            generation_a: doc.generation,
            generation_b,
            channels: self.compared_channel_names(),
        })
    }

    /// The metrics of the channels shown, once computed for the current pair.
    pub fn metrics(&self) -> Option<&Result<Arc<Comparison>, String>> {
        let key = self.metrics_key()?;
        self.compare
            .metrics
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, result)| result)
    }

    /// The metrics computation to run, when the shown pair or channels have none yet.
    pub fn metrics_wanted(&self) -> Option<MetricsRequest> {
        let key = self.metrics_key()?;
        let doc = self.doc.as_ref()?;
        let loading = key.channels.iter().any(|name| {
            doc.image
                .find_channel(name)
                .is_some_and(|c| doc.is_loading(c))
        });
        if key.channels.is_empty() || self.metrics().is_some() || loading {
            return None;
        }
        Some(MetricsRequest {
            key,
            a: Arc::clone(&self.doc.as_ref()?.image),
            b: Arc::clone(self.reference_image()?),
        })
    }

    /// Metrics arrived; kept when they are still those of the pair shown.
    pub fn metrics_ready(&mut self, key: MetricsKey, result: Result<Arc<Comparison>, String>) {
        if self.metrics_key().as_ref() == Some(&key) {
            self.compare.metrics = Some((key, result));
        }
    }

    /// The reference `source` was loaded (load `generation`); ignored when another reference
    /// was chosen meanwhile.
    pub fn reference_loaded(&mut self, generation: u64, source: &Source, image: Arc<Image>) {
        if let Some(reference) = self
            .compare
            .reference
            .as_mut()
            .filter(|r| r.source == *source)
        {
            reference.loaded = Some((generation, image));
            reference.error = None;
            self.pair_channels();
        }
    }

    /// The reference could not be loaded: the compare bar says why; the views show A.
    pub fn reference_failed(&mut self, source: &Source, message: &str) {
        if let Some(reference) = self
            .compare
            .reference
            .as_mut()
            .filter(|r| r.source == *source)
        {
            reference.loaded = None;
            reference.error = Some(message.to_owned());
            self.error(format!(
                "Cannot open the reference {}: {message}",
                source.label()
            ));
        }
    }

    /// Compare commands.
    pub(super) fn apply_compare(&mut self, command: Command, effects: &mut Vec<Effect>) {
        match command {
            Command::OpenReferenceDialog => effects.push(Effect::PickReference {
                directory: self.document_folder(),
            }),
            Command::SetReference(source) => {
                self.compare.follow = ReferenceFollow::Fixed;
                self.choose_reference(Some(source), effects);
            }
            Command::FollowReference(offset) => {
                self.compare.follow = ReferenceFollow::Neighbour(offset);
                let neighbour = self.neighbour_of_current(offset);
                if neighbour.is_none() {
                    self.info(format!(
                        "No {} frame to compare with: the reference follows from the next step",
                        if offset < 0 { "previous" } else { "next" }
                    ));
                }
                self.choose_reference(neighbour, effects);
            }
            Command::KeepReference => self.compare.follow = ReferenceFollow::Fixed,
            Command::ClearReference => {
                self.compare = CompareState::default();
            }
            Command::SetCompareView(view) => self.compare.view = view,
            Command::FlipAB => {
                self.compare.view = match self.compare.view {
                    CompareView::B => CompareView::A,
                    _ => CompareView::B,
                };
            }
            Command::CycleDifference => {
                self.compare.view = match self.compare.view {
                    CompareView::Difference(DifferenceKind::Signed) => {
                        CompareView::Difference(DifferenceKind::Absolute)
                    }
                    CompareView::Difference(DifferenceKind::Absolute) => {
                        CompareView::Difference(DifferenceKind::Relative)
                    }
                    _ => CompareView::Difference(DifferenceKind::Signed),
                };
            }
            Command::ToggleWipe => {
                self.compare.view = if self.compare.view == CompareView::Wipe {
                    CompareView::A
                } else {
                    CompareView::Wipe
                };
            }
            Command::SetWipe(x_in_image) if x_in_image.is_finite() => {
                self.compare.wipe_x_in_image = Some(x_in_image);
            }
            Command::GoToPixel {
                pixel_in_image,
                part,
            } => self.go_to_pixel(pixel_in_image, part),
            _ => {}
        }
    }

    /// The current file changed: a following reference moves with it.
    pub(super) fn reference_follows_current(&mut self, effects: &mut Vec<Effect>) {
        if let ReferenceFollow::Neighbour(offset) = self.compare.follow
            && self.compare.reference.is_some()
        {
            let neighbour = self.neighbour_of_current(offset);
            self.choose_reference(neighbour, effects);
        }
    }

    fn neighbour_of_current(&self, offset: isize) -> Option<Source> {
        let index = self.current?.checked_add_signed(offset)?;
        self.files.get(index).cloned()
    }

    fn choose_reference(&mut self, source: Option<Source>, effects: &mut Vec<Effect>) {
        let Some(source) = source else {
            self.compare.reference = None;
            return;
        };
        if self
            .compare
            .reference
            .as_ref()
            .is_some_and(|r| r.source == source && r.error.is_none())
        {
            return;
        }
        if self.compare.reference.is_none() && self.compare.view == CompareView::A {
            // Choosing a reference is asking to compare: start with the difference.
            self.compare.view = CompareView::Difference(DifferenceKind::Signed);
        }
        self.compare.reference = Some(Reference {
            source: source.clone(),
            loaded: None,
            error: None,
        });
        effects.push(Effect::LoadReference(source));
    }

    /// Centres the views on absolute pixel (x, y), zooms in to see it, and pins the probe there.
    fn go_to_pixel(&mut self, (x, y): (i64, i64), part: usize) {
        let Some(doc) = &self.doc else { return };
        let Some(dw) = doc.image.part(part).map(|p| p.data_window) else {
            return;
        };
        let probe = (dw.contains(x, y)).then(|| ProbePos {
            part,
            col: (x - i64::from(dw.x)) as usize,
            row: (y - i64::from(dw.y)) as usize,
        });
        self.view.center_in_image = egui::pos2(x as f32 + 0.5, y as f32 + 0.5);
        if self.view.zoom < 8.0 {
            self.view.set_zoom(8.0);
        }
        self.view.fitted = false;
        self.view.fit_pending = false;
        let pixel = PixelUnderPointer {
            pixel_in_image: (x, y),
            probe,
        };
        if probe.is_some() {
            self.pin_at(pixel);
        }
    }
}
