//! Channel naming: split dotted names, and find the depth channel and the RGB layer with ranked,
//! explainable rules.
//!
//! Grouping comes from channel names alone (as OpenEXR and tev do): `ViewLayer.Depth.Z` is view
//! layer `ViewLayer`, pass `Depth`, component `Z`; its *prefix* (the OpenEXR layer) is
//! `ViewLayer.Depth`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{ChannelRef, Image, SampleType};

/// The parts of a dotted channel name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameParts<'a> {
    /// Everything before the last dot (the OpenEXR layer), e.g. `ViewLayer.Depth`; `None` for `Z`.
    pub prefix: Option<&'a str>,
    /// The first token when the name has three or more (Blender's view layer), e.g. `ViewLayer`.
    pub view_layer: Option<&'a str>,
    /// The token just before the component, e.g. `Depth` in `ViewLayer.Depth.Z` or `Depth.V`.
    pub pass: Option<&'a str>,
    /// The last token, e.g. `Z`.
    pub component: &'a str,
}

/// Splits `Layer.Pass.Component`. Names without dots are a bare component.
pub fn split_name(name: &str) -> NameParts<'_> {
    match name.rsplit_once('.') {
        None => NameParts {
            prefix: None,
            view_layer: None,
            pass: None,
            component: name,
        },
        Some((prefix, component)) => {
            let (view_layer, pass) = match prefix.rsplit_once('.') {
                Some((_, pass)) => (prefix.split('.').next(), pass),
                None => (None, prefix),
            };
            NameParts {
                prefix: Some(prefix),
                view_layer,
                pass: Some(pass),
                component,
            }
        }
    }
}

/// Passes whose axes (X/Y/Z, R/G/B …) are never depth, lower-case.
const NON_DEPTH_PASSES: &[(&str, &str)] = &[
    ("normal", "a surface normal axis"),
    ("normals", "a surface normal axis"),
    ("n", "a surface normal axis"),
    ("position", "a world-position axis"),
    ("pos", "a world-position axis"),
    ("p", "a world-position axis"),
    ("pref", "a reference-position axis"),
    ("vector", "a motion-vector component"),
    ("motion", "a motion-vector component"),
    ("velocity", "a motion-vector component"),
    ("mv", "a motion-vector component"),
    ("uv", "a texture-coordinate component"),
    ("mist", "mist, a 0..1 fog falloff"),
    ("ao", "ambient occlusion"),
    ("tangent", "a tangent axis"),
];

/// A channel the depth rules accepted, with the rule that gave its score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DepthCandidate {
    pub channel: ChannelRef,
    /// Higher is more certain. Only the order matters.
    pub score: u32,
    /// Plain-language rule, e.g. "Blender multilayer Depth pass (`<view layer>.Depth.Z`)".
    pub rule: String,
}

/// A channel whose name looks like depth at first glance but is not, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub channel: ChannelRef,
    pub reason: String,
}

/// Result of depth detection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DepthDetection {
    /// The best candidate, if any.
    pub chosen: Option<DepthCandidate>,
    /// The remaining candidates, best first.
    pub others: Vec<DepthCandidate>,
    /// Z-like channels that were ruled out (`Normal.Z`, `Mist.Z`, …), with the reason.
    pub rejected: Vec<Rejected>,
}

impl DepthDetection {
    pub fn channel(&self) -> Option<ChannelRef> {
        self.chosen.as_ref().map(|c| c.channel)
    }
}

/// Ranks every channel of `image` as a depth candidate.
pub fn detect_depth(image: &Image) -> DepthDetection {
    let mut candidates = Vec::new();
    let mut rejected = Vec::new();
    // The layers with an X and a Y axis (by part and prefix), found once: asking each Z for its
    // siblings made a part of 40 000 channels take 30 seconds (every Z scanned every channel).
    let mut axes: std::collections::HashSet<(usize, &str, char)> = std::collections::HashSet::new();
    for (channel_ref, _, channel) in image.channels() {
        let parts = split_name(&channel.name);
        if let Some(prefix) = parts.prefix {
            for axis in ['x', 'y'] {
                if parts.component.eq_ignore_ascii_case(&axis.to_string()) {
                    axes.insert((channel_ref.part, prefix, axis));
                }
            }
        }
    }
    for (channel_ref, _, channel) in image.channels() {
        let parts = split_name(&channel.name);
        let component = parts.component.to_ascii_lowercase();
        let pass = parts.pass.map(str::to_ascii_lowercase);
        let looks_like_depth = matches!(component.as_str(), "z" | "v" | "depth" | "zdepth")
            || component.contains("depth")
            || pass.as_deref().is_some_and(|p| p.contains("depth"));
        if !looks_like_depth {
            continue;
        }
        if channel.sample_type == SampleType::Uint {
            rejected.push(Rejected {
                channel: channel_ref,
                reason: format!(
                    "{} holds unsigned integers (an ID or mask), not distances",
                    channel.name
                ),
            });
            continue;
        }
        if let Some(pass) = pass.as_deref()
            && let Some((_, what)) = NON_DEPTH_PASSES.iter().find(|(p, _)| *p == pass)
        {
            rejected.push(Rejected {
                channel: channel_ref,
                reason: format!("{} is {what}, not depth", channel.name),
            });
            continue;
        }
        // A Z that sits beside X and Y in the same layer is a vector axis.
        if component == "z"
            && let Some(prefix) = parts.prefix
        {
            let has_sibling = |axis: char| axes.contains(&(channel_ref.part, prefix, axis));
            if has_sibling('x') && has_sibling('y') {
                rejected.push(Rejected {
                    channel: channel_ref,
                    reason: format!(
                        "{} is the Z axis of a vector layer (it has X and Y beside it), not depth",
                        channel.name
                    ),
                });
                continue;
            }
        }
        let is_depth_pass = pass
            .as_deref()
            .is_some_and(|p| p == "depth" || p == "zdepth");
        let (score, rule) = match (parts.prefix, component.as_str()) {
            (Some(_), "z") if is_depth_pass && parts.view_layer.is_some() => (
                100,
                "Blender multilayer Depth pass (<view layer>.Depth.Z)".to_owned(),
            ),
            (Some(_), "v") if is_depth_pass => (
                95,
                "Blender File Output node depth socket (Depth.V)".to_owned(),
            ),
            (Some(_), "z") if is_depth_pass => (95, "depth layer's Z channel (Depth.Z)".to_owned()),
            (None, "z") if channel.name == "Z" => (
                90,
                "OpenEXR standard depth channel Z (Blender single-layer Z buffer)".to_owned(),
            ),
            (None, "z") => (85, "a channel named z".to_owned()),
            (_, "depth" | "zdepth" | "z_depth" | "depthz") => {
                (80, format!("a channel named {}", parts.component))
            }
            (Some(prefix), "z") => (
                70,
                format!("the Z channel of layer {prefix} (no X/Y beside it)"),
            ),
            (_, _) if component.contains("depth") => (
                60,
                format!("a channel whose name contains \"depth\" ({})", channel.name),
            ),
            (Some(_), _) if is_depth_pass => (
                50,
                format!("a component of a Depth layer ({})", channel.name),
            ),
            _ => continue,
        };
        // Prefer full float over half at equal names: Blender keeps depth as float.
        let score = score * 2 + u32::from(channel.sample_type == SampleType::Float);
        candidates.push(DepthCandidate {
            channel: channel_ref,
            score,
            rule,
        });
    }
    // Best first; at equal score, file order.
    candidates.sort_by(|a, b| b.score.cmp(&a.score).then(a.channel.cmp(&b.channel)));
    let mut candidates = candidates.into_iter();
    DepthDetection {
        chosen: candidates.next(),
        others: candidates.collect(),
        rejected,
    }
}

/// A set of channels that together make a colour image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RgbLayer {
    pub part: usize,
    /// The OpenEXR layer prefix, e.g. `ViewLayer.Combined`; `None` for plain `R G B A`.
    pub prefix: Option<String>,
    pub r: ChannelRef,
    pub g: ChannelRef,
    pub b: ChannelRef,
    pub a: Option<ChannelRef>,
    /// True when the layer is a single luminance channel `Y` shown as grey (r = g = b).
    pub gray: bool,
    /// Plain-language rule that ranked it.
    pub rule: String,
    #[serde(skip)]
    score: u32,
}

impl RgbLayer {
    /// A label such as `ViewLayer.Combined` or `RGBA`, with the part in multi-part files.
    pub fn label(&self, image: &Image) -> String {
        let layer = match (&self.prefix, self.gray) {
            (Some(p), _) => p.clone(),
            (None, true) => "Y".to_owned(),
            (None, false) => if self.a.is_some() { "RGBA" } else { "RGB" }.to_owned(),
        };
        match image.part(self.part) {
            Some(part) if image.is_multi_part() => {
                let part_name = part.name.clone().unwrap_or_else(|| self.part.to_string());
                format!("{part_name}/{layer}")
            }
            _ => layer,
        }
    }
}

/// Every colour layer of `image`, best first.
pub fn rgb_layers(image: &Image) -> Vec<RgbLayer> {
    let mut layers = Vec::new();
    for (part_index, part) in image.parts.iter().enumerate() {
        // prefix → (component lower-case → channel index)
        let mut groups: BTreeMap<Option<&str>, BTreeMap<String, usize>> = BTreeMap::new();
        for (index, channel) in part.channels.iter().enumerate() {
            let parts = split_name(&channel.name);
            groups
                .entry(parts.prefix)
                .or_default()
                .insert(parts.component.to_ascii_lowercase(), index);
        }
        for (prefix, components) in groups {
            let at = |c: &str| {
                components.get(c).map(|&channel| ChannelRef {
                    part: part_index,
                    channel,
                })
            };
            let alpha = at("a");
            let (r, g, b, gray) = match (at("r"), at("g"), at("b"), at("y")) {
                (Some(r), Some(g), Some(b), _) => (r, g, b, false),
                // Y is luminance only when it is not the axis of a vector (X/Y/Z, U/V/W).
                (_, _, _, Some(y))
                    if !["x", "z", "u", "v", "w"].iter().any(|c| at(c).is_some()) =>
                {
                    (y, y, y, true)
                }
                _ => continue,
            };
            let pass = prefix.map(|p| split_name(p).component.to_ascii_lowercase());
            let (score, rule) = match (prefix, pass.as_deref()) {
                (None, _) if !gray => (100, "plain R, G, B channels".to_owned()),
                (None, _) => (60, "luminance channel Y, shown as grey".to_owned()),
                (Some(p), Some("combined")) if p.to_ascii_lowercase().starts_with("composite") => {
                    (95, format!("Blender composited image ({p}.R/G/B)"))
                }
                (Some(p), Some("combined")) => (90, format!("Blender Combined pass ({p}.R/G/B)")),
                (Some(p), Some("image" | "rgba" | "rgb" | "beauty" | "composite" | "color")) => {
                    (85, format!("colour layer {p}"))
                }
                (Some(p), _) => (40, format!("R, G, B channels of layer {p}")),
            };
            layers.push(RgbLayer {
                part: part_index,
                prefix: prefix.map(str::to_owned),
                r,
                g,
                b,
                a: alpha,
                gray,
                rule,
                score,
            });
        }
    }
    layers.sort_by(|a, b| b.score.cmp(&a.score).then(a.r.cmp(&b.r)));
    layers
}

/// The colour layer to show by default.
pub fn detect_rgb(image: &Image) -> Option<RgbLayer> {
    rgb_layers(image).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Part, Samples, Window};

    fn image_with(parts: &[&[(&str, SampleType)]]) -> Image {
        let window = Window {
            x: 0,
            y: 0,
            width: 1,
            height: 1,
        };
        Image {
            source: "test".into(),
            parts: parts
                .iter()
                .enumerate()
                .map(|(i, channels)| {
                    let channels = channels
                        .iter()
                        .map(|(name, sample_type)| {
                            let mut channel =
                                Channel::for_test(name, Samples::F32(vec![0.0]), 1, 1);
                            channel.sample_type = *sample_type;
                            channel
                        })
                        .collect();
                    Part::for_test(Some(&format!("part{i}")), window, channels)
                })
                .collect(),
        }
    }

    fn depth_name(names: &[&str]) -> Option<String> {
        let channels: Vec<_> = names.iter().map(|n| (*n, SampleType::Float)).collect();
        let image = image_with(&[&channels]);
        let detection = detect_depth(&image);
        detection
            .channel()
            .and_then(|c| image.channel(c))
            .map(|c| c.name.clone())
    }

    #[test]
    fn a_vector_axis_needs_its_x_and_y_in_the_same_part_and_layer() {
        let f = SampleType::Float;
        // part 0: lay.X, lay.Y (no Z); part 1: lay.Z alone, and a full vector vec.X/Y/Z.
        let image = image_with(&[
            &[("lay.X", f), ("lay.Y", f)],
            &[("lay.Z", f), ("vec.X", f), ("vec.Y", f), ("vec.Z", f)],
        ]);
        let detection = detect_depth(&image);
        let name = |c: ChannelRef| image.qualified_name(c).unwrap_or_default();
        assert_eq!(
            detection.channel().map(name).as_deref(),
            Some("part1/lay.Z")
        );
        let rejected: Vec<String> = detection.rejected.iter().map(|r| name(r.channel)).collect();
        assert_eq!(rejected, ["part1/vec.Z"]);
    }

    #[test]
    fn splits_dotted_names() {
        let p = split_name("ViewLayer.Depth.Z");
        assert_eq!(p.prefix, Some("ViewLayer.Depth"));
        assert_eq!(p.view_layer, Some("ViewLayer"));
        assert_eq!(p.pass, Some("Depth"));
        assert_eq!(p.component, "Z");
        let p = split_name("Depth.V");
        assert_eq!(
            (p.prefix, p.view_layer, p.pass, p.component),
            (Some("Depth"), None, Some("Depth"), "V")
        );
        let p = split_name("Z");
        assert_eq!((p.prefix, p.pass, p.component), (None, None, "Z"));
        let p = split_name("A.B.C.D");
        assert_eq!(
            (p.prefix, p.view_layer, p.pass, p.component),
            (Some("A.B.C"), Some("A"), Some("C"), "D")
        );
    }

    #[test]
    fn picks_blender_depth_in_every_layout() {
        assert_eq!(depth_name(&["A", "B", "G", "R", "Z"]).as_deref(), Some("Z"));
        assert_eq!(
            depth_name(&[
                "ViewLayer.Combined.R",
                "ViewLayer.Depth.Z",
                "ViewLayer.Mist.Z",
                "ViewLayer.Normal.X",
                "ViewLayer.Normal.Y",
                "ViewLayer.Normal.Z",
            ])
            .as_deref(),
            Some("ViewLayer.Depth.Z")
        );
        assert_eq!(
            depth_name(&["My Layer.Depth.Z", "My Layer.Mist.Z"]).as_deref(),
            Some("My Layer.Depth.Z")
        );
        assert_eq!(
            depth_name(&["Depth.V", "Image.R", "Image.G", "Image.B"]).as_deref(),
            Some("Depth.V")
        );
        for generic in ["depth", "Depth", "zDepth", "render.depth"] {
            assert_eq!(
                depth_name(&["R", "G", "B", generic]).as_deref(),
                Some(generic),
                "{generic}"
            );
        }
    }

    #[test]
    fn never_picks_axes_of_other_passes() {
        for name in [
            "ViewLayer.Normal.Z",
            "ViewLayer.Position.Z",
            "ViewLayer.Vector.Z",
            "ViewLayer.Mist.Z",
            "Mist.Z",
            "N.z",
            "P.z",
        ] {
            let channels = [(name, SampleType::Float)];
            let image = image_with(&[&channels]);
            let detection = detect_depth(&image);
            assert_eq!(detection.chosen, None, "{name} must not be depth");
            assert_eq!(
                detection.rejected.len(),
                1,
                "{name} must be listed as rejected"
            );
        }
        // An unknown vector layer is recognised by its X and Y siblings.
        assert_eq!(depth_name(&["Foo.X", "Foo.Y", "Foo.Z"]), None);
    }

    #[test]
    fn prefers_float_depth_and_lists_other_candidates() {
        let image = image_with(&[&[("Z", SampleType::Half), ("depth", SampleType::Float)]]);
        let detection = detect_depth(&image);
        let chosen = detection.chosen.as_ref().map(|c| c.channel.channel);
        assert_eq!(chosen, Some(0), "Z outranks a generic name");
        assert_eq!(detection.others.len(), 1);
        let image = image_with(&[&[
            ("a.Depth.Z", SampleType::Half),
            ("b.Depth.Z", SampleType::Float),
        ]]);
        assert_eq!(detect_depth(&image).channel().map(|c| c.channel), Some(1));
    }

    #[test]
    fn finds_rgb_layers_best_first() {
        let image = image_with(&[&[
            ("ViewLayer.Combined.A", SampleType::Float),
            ("ViewLayer.Combined.B", SampleType::Float),
            ("ViewLayer.Combined.G", SampleType::Float),
            ("ViewLayer.Combined.R", SampleType::Float),
            ("ViewLayer.Normal.X", SampleType::Float),
            ("Other.R", SampleType::Float),
            ("Other.G", SampleType::Float),
            ("Other.B", SampleType::Float),
        ]]);
        let layers = rgb_layers(&image);
        assert_eq!(layers.len(), 2);
        let best = &layers[0];
        assert_eq!(best.prefix.as_deref(), Some("ViewLayer.Combined"));
        assert_eq!(
            image.channel(best.r).map(|c| c.name.as_str()),
            Some("ViewLayer.Combined.R")
        );
        assert!(best.a.is_some());
        assert_eq!(best.label(&image), "ViewLayer.Combined");

        let plain = image_with(&[&[
            ("B", SampleType::Half),
            ("G", SampleType::Half),
            ("R", SampleType::Half),
        ]]);
        let rgb = detect_rgb(&plain);
        assert_eq!(
            rgb.as_ref().map(|l| (l.prefix.clone(), l.a)),
            Some((None, None))
        );

        let gray = image_with(&[&[("Y", SampleType::Half)]]);
        assert!(detect_rgb(&gray).is_some_and(|l| l.gray));
        let luma_chroma = image_with(&[&[
            ("BY", SampleType::Half),
            ("RY", SampleType::Half),
            ("Y", SampleType::Half),
        ]]);
        assert!(detect_rgb(&luma_chroma).is_some_and(|l| l.gray));
        // The Y axis of a vector pass is not luminance.
        let normal = image_with(&[&[
            ("ViewLayer.Normal.X", SampleType::Float),
            ("ViewLayer.Normal.Y", SampleType::Float),
            ("ViewLayer.Normal.Z", SampleType::Float),
        ]]);
        assert_eq!(detect_rgb(&normal), None);
        let disparity = image_with(&[&[
            ("disparityL.X", SampleType::Float),
            ("disparityL.Y", SampleType::Float),
        ]]);
        assert_eq!(detect_rgb(&disparity), None);
        let none = image_with(&[&[("Z", SampleType::Float)]]);
        assert_eq!(detect_rgb(&none), None);
    }
}
