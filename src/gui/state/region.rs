//! The selected region: a rectangle of absolute pixels (Shift+drag in either view, or typed in
//! the region panel) that stays while the user steps through frames; its statistics are
//! computed on a worker for the part the views show ([`ViewerState::region_stats_wanted`]),
//! keyed by the document generation, the part and the rectangle, so a stale result is never
//! shown.

use std::path::PathBuf;
use std::sync::Arc;

use exrprobe_core::model::{ChannelRef, Image};
use exrprobe_core::region::{Region, RegionStats, stats_text};
use exrprobe_core::text::ExportName;

use super::super::command::{Command, Effect, SaveCommand};
use super::{ViewerState, default_path_for};

/// Identifies a region statistics computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionKey {
    pub generation: u64,
    pub part: usize,
    pub region: Region,
}

/// A region statistics computation the app should run.
pub struct RegionRequest {
    pub key: RegionKey,
    pub image: Arc<Image>,
}

/// The statistics of the region, or why there are none.
pub type RegionResult = Result<Arc<Vec<RegionStats>>, String>;

#[derive(Default)]
pub(super) struct RegionState {
    region: Option<Region>,
    stats: Option<(RegionKey, RegionResult)>,
}

impl ViewerState {
    pub fn region(&self) -> Option<Region> {
        self.region.region
    }

    /// The part whose channels the region panel lists: the depth channel's, else the colour
    /// view's.
    pub fn region_part(&self) -> Option<usize> {
        self.selection
            .depth
            .map(|d| d.part)
            .or_else(|| self.rgb_part())
    }

    fn region_key(&self) -> Option<RegionKey> {
        Some(RegionKey {
            generation: self.doc.as_ref()?.generation,
            part: self.region_part()?,
            region: self.region.region?,
        })
    }

    /// The statistics of the region in the document shown, once computed.
    pub fn region_stats(&self) -> Option<&RegionResult> {
        let key = self.region_key()?;
        self.region
            .stats
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, result)| result)
    }

    /// The computation to run when the region, the part or the document changed.
    pub fn region_stats_wanted(&self) -> Option<RegionRequest> {
        let key = self.region_key()?;
        // Every channel of the part is measured: wait for all of them.
        if self.region_stats().is_some() || self.doc.as_ref()?.channels_loading() {
            return None;
        }
        Some(RegionRequest {
            key,
            image: Arc::clone(&self.doc.as_ref()?.image),
        })
    }

    /// Statistics arrived; kept when still those of the region shown.
    pub fn region_stats_ready(&mut self, key: RegionKey, result: RegionResult) {
        if self.region_key().as_ref() == Some(&key) {
            self.region.stats = Some((key, result));
        }
    }

    /// The NumPy expression that selects the region from the depth channel (or, without one,
    /// the first channel of the region's part), in data-window coordinates.
    pub fn region_numpy_slice(&self) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let part = doc.image.part(self.region_part()?)?;
        let array = if self.selection.depth.is_some() {
            "depth"
        } else {
            "channel"
        };
        self.region.region?.numpy_slice(&part.data_window, array)
    }

    pub(super) fn apply_region(&mut self, command: Command, effects: &mut Vec<Effect>) {
        match command {
            Command::SetRegion(region) => {
                self.region.region = region.filter(|r| !r.is_empty());
            }
            Command::CopyRegionStats => {
                if let (Some(region), Some(Ok(stats))) = (self.region(), self.region_stats()) {
                    effects.push(Effect::CopyText(stats_text(&region, stats)));
                }
            }
            Command::CopyRegionSlice => match self.region_numpy_slice() {
                Some(slice) => effects.push(Effect::CopyText(slice)),
                None => self.error(
                    "The region is outside the data window: there is no slice to copy".to_owned(),
                ),
            },
            Command::ExportRegion { channel, path } => self.export_region(channel, path, effects),
            _ => {}
        }
    }

    fn export_region(
        &mut self,
        channel: ChannelRef,
        path: Option<PathBuf>,
        effects: &mut Vec<Effect>,
    ) {
        let (Some(doc), Some(region)) = (self.doc.clone(), self.region()) else {
            self.error("No region to export: Shift+drag over a view to select one".to_owned());
            return;
        };
        let Some(name) = doc.image.qualified_name(channel) else {
            return;
        };
        let Some(path) = path else {
            effects.push(Effect::PickSavePath {
                default_path: default_path_for(
                    &doc.source,
                    ExportName::Region {
                        channel: &name,
                        x: (region.x0, region.x1),
                        y: (region.y0, region.y1),
                    },
                ),
                extension: "npy",
                command: SaveCommand::ExportRegion(channel),
            });
            return;
        };
        self.save_offer = None;
        effects.push(Effect::WriteRegionExport {
            image: Arc::clone(&doc.image),
            channel,
            region,
            what: format!("{name} over {}", region.label()),
            path,
        });
    }
}
