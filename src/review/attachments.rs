//! `report --attachments DIR`: the review's full lists as CSV files. The Markdown and HTML
//! pages show the first rows of each table ("and N more"); these files hold every row, for a
//! spreadsheet or a ticket. Cells a spreadsheet would run as a formula are defused, as in
//! the CSV report.

use super::aggregate::{FindingRow, Review};
use super::show;

/// The files written, in this order.
pub const FILES: [&str; 3] = ["closeout.csv", "findings.csv", "grants.csv"];

/// Each file's name and bytes.
pub fn render(review: &Review) -> Vec<(&'static str, Vec<u8>)> {
    let [closeout_csv, findings_csv, grants_csv] = FILES;
    vec![
        (closeout_csv, closeout(review)),
        (findings_csv, findings(review)),
        (grants_csv, grants(review)),
    ]
}

fn table<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing into memory cannot fail.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(
            row.iter()
                .map(|c| crate::report::csv::defuse(c).into_owned()),
        );
    }
    writer.into_inner().unwrap_or_default()
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn time(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.as_ref().map(show::time).unwrap_or_default()
}

fn closeout(review: &Review) -> Vec<u8> {
    table(
        [
            "grant", "tenant", "grantee", "owner", "ticket", "state", "expires", "overdue",
            "action", "file", "line",
        ],
        review.closeout.iter().map(|c| {
            [
                opt(&c.grant.id),
                opt(&c.grant.tenant),
                opt(&c.grant.grantee),
                opt(&c.grant.owner),
                opt(&c.grant.ticket),
                c.state.label().to_string(),
                time(&c.expires),
                opt(&c.overdue_rounded),
                c.action.to_string(),
                c.grant.file.clone(),
                c.grant.line.to_string(),
            ]
        }),
    )
}

fn finding_cells(rule: &str, status: &str, f: &FindingRow) -> [String; 11] {
    [
        rule.to_string(),
        f.severity.name().to_string(),
        status.to_string(),
        opt(&f.grant),
        opt(&f.tenant),
        opt(&f.grantee),
        opt(&f.approver),
        f.message.clone(),
        f.file.clone(),
        f.line.to_string(),
        f.column.to_string(),
    ]
}

/// Open findings by rule in the page's order (by risk), then the waived and baselined ones.
fn findings(review: &Review) -> Vec<u8> {
    let open = review
        .findings
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| finding_cells(&r.rule, "open", f)));
    let suppressed = review
        .suppressed
        .iter()
        .map(|s| finding_cells(&s.rule, s.by, &s.finding));
    table(
        [
            "rule", "severity", "status", "grant", "tenant", "grantee", "approver", "message",
            "file", "line", "column",
        ],
        open.chain(suppressed),
    )
}

fn grants(review: &Review) -> Vec<u8> {
    table(
        [
            "id", "tenant", "grantee", "role", "reason", "approver", "start", "end", "state",
            "findings", "file", "line",
        ],
        review.grants.iter().map(|g| {
            let [id, tenant, grantee, role, reason, approver] = g.texts().map(opt);
            [
                id,
                tenant,
                grantee,
                role,
                reason,
                approver,
                time(&g.start),
                time(&g.end),
                g.status.clone(),
                g.findings.join(" "),
                g.file.clone(),
                g.line.to_string(),
            ]
        }),
    )
}
