//! `--format csv`: one finding per row, for spreadsheets and audit trails. Suppressed findings
//! are rows too, with their status. Cells that a spreadsheet would run as a formula are
//! defused with a leading `'`: grant data is written by whoever files the request.

use super::Run;
use crate::finding::{Finding, Suppression};

const HEADER: [&str; 14] = [
    "file", "line", "column", "severity", "rule", "grant", "tenant", "field", "message", "help",
    "status", "approver", "expires", "reason",
];

pub fn render(run: &Run) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 14]> = Vec::new();
    let row = |f: &Finding, status: &str, by: Option<&Suppression>| {
        let (approver, expires, reason) = match by {
            Some(Suppression::Waiver {
                reason,
                approver,
                expires,
            }) => (
                approver.clone(),
                expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                reason.clone(),
            ),
            _ => Default::default(),
        };
        [
            run.outcome.files[f.file].clone(),
            f.span.line.to_string(),
            f.span.column.to_string(),
            f.severity.name().to_string(),
            f.rule.to_string(),
            f.grant.as_deref().unwrap_or_default().to_string(),
            f.tenant.as_deref().unwrap_or_default().to_string(),
            run.outcome.field_name(f).unwrap_or("").to_string(),
            f.message.to_string(),
            f.help.to_string(),
            status.to_string(),
            approver,
            expires,
            reason,
        ]
    };
    for f in run.shown() {
        rows.push(row(f, "open", None));
    }
    for s in run.shown_suppressed() {
        let status = match s.by {
            Suppression::Waiver { .. } => "waived",
            Suppression::Baseline => "baselined",
        };
        rows.push(row(&s.finding, status, Some(&s.by)));
    }
    // Writing to memory cannot fail; a failure would leave the rows out, never half a row.
    let _ = writer.write_record(HEADER);
    for cells in rows {
        let _ = writer.write_record(cells.iter().map(|c| defuse(c).into_owned()));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A cell starting with `=`, `+`, `-`, `@`, tab or CR is a formula to Excel and LibreOffice.
pub(crate) fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defuse(cell), format!("'{cell}"));
        }
        assert_eq!(defuse("SUP-102"), "SUP-102");
        assert_eq!(defuse(""), "");
    }
}
