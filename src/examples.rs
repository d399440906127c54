//! Built-in example renders, embedded in the binary (see `assets/`).
//!
//! Both are deterministic analytic renders written by `exrprobe_synth` in the style of
//! Blender/Cycles (regenerate with `cargo run -p exrprobe-synth --example make_assets`; a test
//! keeps the committed files in sync with the renderer).

/// One built-in example EXR.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// Short name shown in menus, e.g. "Spheres (multilayer)".
    pub name: &'static str,
    /// One sentence on what it demonstrates.
    pub description: &'static str,
    /// A file name for messages and default export names, e.g. `example_spheres.exr`.
    pub file_name: &'static str,
    /// The EXR file's bytes.
    pub bytes: &'static [u8],
}

const EXAMPLES: [Example; 2] = [
    Example {
        name: "Spheres (multilayer)",
        description: "A Blender-style multilayer render (Combined, Depth, Mist, Normal) of four \
                      spheres on a ground plane; depth is 1e10 where rays hit only sky.",
        file_name: "example_spheres.exr",
        bytes: include_bytes!("../assets/example_spheres.exr"),
    },
    Example {
        name: "Z trap (Compositing on)",
        description: "The same scene saved as single-layer R G B A Z with Compositing enabled: \
                      Z is 1.0 in every pixel, so it holds no depth at all.",
        file_name: "example_z_trap.exr",
        bytes: include_bytes!("../assets/example_z_trap.exr"),
    },
];

/// The built-in examples, the default one first.
pub fn examples() -> &'static [Example] {
    &EXAMPLES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_embedded_exr_files_with_unique_names() {
        let examples = examples();
        assert_eq!(examples.len(), 2);
        assert_eq!(examples[0].file_name, "example_spheres.exr");
        for example in examples {
            // OpenEXR magic number 20000630, little-endian.
            assert_eq!(example.bytes.get(..4), Some(&[0x76, 0x2f, 0x31, 0x01][..]));
            assert!(example.bytes.len() > 10_000, "{}", example.file_name);
        }
        assert_ne!(examples[0].name, examples[1].name);
    }

    fn analyse(example: &Example) -> (exrprobe_core::model::Image, exrprobe_core::Analysis) {
        use exrprobe_core::load::{LoadOptions, load_bytes};
        let cancel = std::sync::atomic::AtomicBool::new(false);
        let image = load_bytes(
            example.bytes,
            example.file_name,
            &LoadOptions::default(),
            &mut |_| {},
            &cancel,
        )
        .unwrap_or_else(|err| panic!("{}: {err}", example.file_name));
        let analysis = exrprobe_core::analyze(&image);
        (image, analysis)
    }

    #[test]
    fn spheres_example_has_real_depth_with_a_no_hit_background() {
        use exrprobe_core::diagnose::Severity;
        let (image, analysis) = analyse(&examples()[0]);
        let depth = analysis
            .depth_channel()
            .and_then(|c| image.qualified_name(c));
        assert_eq!(depth.as_deref(), Some("ViewLayer.Depth.Z"));
        let codes: Vec<_> = analysis.findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"depth_background"), "{codes:?}");
        assert!(
            analysis
                .findings
                .iter()
                .all(|f| f.severity != Severity::Error),
            "{codes:?}"
        );
    }

    #[test]
    fn z_trap_example_is_diagnosed_as_the_compositing_trap() {
        use exrprobe_core::diagnose::Severity;
        let (image, analysis) = analyse(&examples()[1]);
        let depth = analysis
            .depth_channel()
            .and_then(|c| image.qualified_name(c));
        assert_eq!(depth.as_deref(), Some("Z"));
        let first = analysis.findings.first().map(|f| (f.code, f.severity));
        assert_eq!(first, Some(("depth_constant", Severity::Error)));
    }
}
