//! Built-in example renders, embedded in the binary (see `assets/`).

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

/// The built-in examples, the default one first.
pub fn examples() -> &'static [Example] {
    &[]
}
