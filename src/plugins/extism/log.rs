//! The log levels of Extism plugins: which `log_*` lines reach the host's output, and the
//! number `get_log_level` tells the plugin (trace 0 .. error 4, `i32::MAX` when off).

use std::fmt;
use std::str::FromStr;

/// A log level, lowest first; a plugin's level lets through its own and higher ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    #[default]
    Info,
    Warn,
    Error,
    /// Nothing is logged.
    Off,
}

impl LogLevel {
    /// The levels a message can have, each with its `log_*` import.
    pub(crate) const MESSAGES: [LogLevel; 5] = [
        LogLevel::Trace,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
    ];

    /// Its name, as the manifest and `--log-level` spell it.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Off => "off",
        }
    }

    /// The `extism:host/env` function that logs at this level.
    pub(crate) fn import_name(self) -> &'static str {
        match self {
            LogLevel::Trace => "log_trace",
            LogLevel::Debug => "log_debug",
            LogLevel::Info => "log_info",
            LogLevel::Warn => "log_warn",
            LogLevel::Error => "log_error",
            LogLevel::Off => "log_off",
        }
    }

    /// What `get_log_level` returns, as Extism's runtime numbers it.
    pub(crate) fn code(self) -> i32 {
        match self {
            LogLevel::Trace => 0,
            LogLevel::Debug => 1,
            LogLevel::Info => 2,
            LogLevel::Warn => 3,
            LogLevel::Error => 4,
            LogLevel::Off => i32::MAX,
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a log level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a log level: use trace, debug, info, warn, error or off")]
pub struct BadLogLevel(pub String);

impl FromStr for LogLevel {
    type Err = BadLogLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "trace" => LogLevel::Trace,
            "debug" => LogLevel::Debug,
            "info" => LogLevel::Info,
            "warn" | "warning" => LogLevel::Warn,
            "error" => LogLevel::Error,
            "off" | "none" => LogLevel::Off,
            _ => return Err(BadLogLevel(s.to_string())),
        })
    }
}
