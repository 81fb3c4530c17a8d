//! `json`: a JSON array of [`FindingRecord`](crate::FindingRecord)s exactly as their serde
//! form (the documented schema), one record per line.

use std::io::Write;

use super::{write_json_array, ExportError, ExportInput};

pub(super) fn write(input: &ExportInput<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    write_json_array(out, input.findings)
}
