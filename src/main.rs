//! The `warren` command line: parse arguments, start a current-thread tokio runtime, dispatch.

/// `println!`, `eprintln!` and `eprint!` that do not panic when the stream cannot be
/// written (a pipe whose reader is gone, as in `warren run x | head`, or a full disk): the
/// text is lost, and the exit status still says how the program went (0, 1 or 2), where
/// std's macros would panic with 101.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! err {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

mod cli;

use std::io::Write;

fn main() {
    let code = cli::main();
    // `process::exit` skips destructors: flush what JS wrote without a trailing newline.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code);
}
