//! `warren inspect FILE`: imports, exports (with full types), limits and custom sections.

use std::path::Path;

pub fn inspect(file: &Path, json: bool) -> warren::Result<i32> {
    let input = super::Input::read(file)?;
    let module = input.module()?;
    let (wasm, info) = (module.bytes(), module.info());
    if json {
        let mut v = serde_json::to_value(info).map_err(|e| warren::Error::Other(e.to_string()))?;
        v["size"] = wasm.len().into();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(0);
    }
    println!("module {} ({} bytes)", input.name(), wasm.len());
    if let Some(name) = &info.name {
        println!("name: {name}");
    }
    println!("imports ({}):", info.imports.len());
    for i in &info.imports {
        println!("  {}.{}: {}", i.module, i.name, i.ty);
    }
    println!("exports ({}):", info.exports.len());
    for e in &info.exports {
        println!("  {}: {}", e.name, e.ty);
    }
    if let Some(start) = info.start {
        match info.func_name(start) {
            Some(n) => println!("start: function {start} ({n})"),
            None => println!("start: function {start}"),
        }
    }
    println!("custom sections ({}):", info.custom_sections.len());
    for c in &info.custom_sections {
        println!("  {} ({} bytes)", c.name, c.size);
    }
    Ok(0)
}
