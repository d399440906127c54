//! Images built in memory for the viewer's unit tests.

use std::sync::Arc;

use exrprobe_core::model::{Channel, Image, Part, SampleType, Samples, Storage, Window};

/// A one-part scan-line image of `width` × `height` with a float channel per name in `names`,
/// every sample decoded (channel `i` holds `k + i + 1` at sample `k`).
pub fn image(names: &[&str], width: usize, height: usize) -> Arc<Image> {
    let window = Window {
        x: 0,
        y: 0,
        width,
        height,
    };
    let channels = names
        .iter()
        .enumerate()
        .map(|(i, name)| Channel {
            name: (*name).to_owned(),
            sample_type: SampleType::Float,
            sampling: (1, 1),
            width,
            height,
            quantize_linearly: false,
            samples: Some(Samples::F32(
                (0..width * height).map(|k| (k + i) as f32 + 1.0).collect(),
            )),
        })
        .collect();
    Arc::new(Image {
        source: "test.exr".to_owned(),
        parts: vec![Part {
            name: None,
            data_window: window,
            display_window: window,
            pixel_aspect: 1.0,
            compression: "none".to_owned(),
            line_order: "increasing y".to_owned(),
            storage: Storage::ScanLines,
            deep: false,
            attributes: Vec::new(),
            channels,
            pixel_error: None,
            pixels_damaged: false,
            missing_level_blocks: 0,
        }],
    })
}
