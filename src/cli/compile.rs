//! `warren compile in.wat -o out.wasm`: WAT text to a Wasm binary.

use std::io::Write;
use std::path::Path;

use warren::Error;

pub fn compile(input: &Path, output: Option<&Path>) -> warren::Result<i32> {
    let source = super::Input::read(input)?;
    let wasm = warren::wat_to_wasm(Some(Path::new(&source.name())), &source.bytes)?;
    let default_out = match &source.path {
        Some(p) => p.with_extension("wasm"),
        None => "-".into(),
    };
    let out = output.unwrap_or(&default_out);
    if out == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&wasm)
            .and_then(|_| stdout.flush())
            .map_err(|e| Error::io("<stdout>", e))?;
    } else {
        if out == input {
            return Err(Error::Other(format!(
                "refusing to overwrite the input {}; pass -o",
                input.display()
            )));
        }
        std::fs::write(out, &wasm).map_err(|e| Error::io(out, e))?;
    }
    Ok(0)
}
