use super::{Rule, declare_rule};
use crate::rules::params::Params;

declare_rule! {
    /// ## What it checks
    /// A CSV export has a column for every field the other rules ask about. When no column
    /// holds a field (no grantee column, say), that is said once for the file, at its
    /// header, instead of once per grant under a rule that would blame each grant: "no
    /// named grantee" 24 times reads as 24 shared accounts. A native export that cannot
    /// carry a field (Entra PIM's requests hold no approver) is said the same way, at the
    /// first record that lacks it, naming the export that holds it. The finding takes the highest
    /// severity of the findings it stands for, capped by this rule's own severity, and names
    /// their rules.
    ///
    /// ## Why
    /// A column that is missing or named in a way grantlint does not know leaves checks
    /// undone. Knowing which column holds the field, and mapping it, turns every check on.
    ///
    /// ## Fails
    /// ```csv
    /// Ticket ID,Assignee,Access Start,Access End
    /// ```
    /// (`Assignee` is not a grantee column: map it with `mapping: {columns: {Assignee: grantee}}`.)
    ///
    /// ## Passes
    /// ```csv
    /// Ticket ID,Grantee,Access Start,Access End
    /// ```
    ///
    /// ## Settings
    /// `severity` caps the finding's severity (default `error`: no cap); `off` reports the
    /// findings grant by grant again, under their own rules.
    ColumnMissing, "column-missing", "no column of the export holds a field the checks need"
}

/// The checker makes this rule's findings from the file's columns; it checks no grant.
pub struct ColumnMissing;

impl ColumnMissing {
    fn build(_: &mut Params) -> ColumnMissing {
        ColumnMissing
    }
}

impl Rule for ColumnMissing {}
