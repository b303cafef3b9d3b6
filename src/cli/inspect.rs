//! `warren inspect FILE`: imports, exports (with full types), limits and custom sections.

use std::path::Path;

pub fn inspect(file: &Path, json: bool) -> warren::Result<i32> {
    let input = super::Input::read(file)?;
    let module = input.module()?;
    let (wasm, info) = (module.bytes(), module.info());
    if json {
        let mut v = serde_json::to_value(info).map_err(|e| warren::Error::Other(e.to_string()))?;
        v["size"] = wasm.len().into();
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(0);
    }
    outln!("module {} ({} bytes)", input.name(), wasm.len());
    if let Some(name) = &info.name {
        outln!("name: {name}");
    }
    outln!("imports ({}):", info.imports.len());
    for i in &info.imports {
        outln!("  {}.{}: {}", i.module, i.name, i.ty);
    }
    outln!("exports ({}):", info.exports.len());
    for e in &info.exports {
        outln!("  {}: {}", e.name, e.ty);
    }
    if let Some(start) = info.start {
        match info.func_name(start) {
            Some(n) => outln!("start: function {start} ({n})"),
            None => outln!("start: function {start}"),
        }
    }
    outln!("custom sections ({}):", info.custom_sections.len());
    for c in &info.custom_sections {
        outln!("  {} ({} bytes)", c.name, c.size);
    }
    Ok(0)
}
