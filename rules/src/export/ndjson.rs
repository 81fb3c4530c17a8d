//! `ndjson`: newline-delimited JSON, one [`FindingRecord`](crate::FindingRecord) object per
//! line in its serde form, each line terminated by `\n` (also the last).

use std::io::Write;

use super::{ExportError, ExportInput};

pub(super) fn write(input: &ExportInput<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    for record in input.findings {
        serde_json::to_writer(&mut *out, record)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
