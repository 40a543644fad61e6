//! Native exports of access systems and ticket tools. Each adapter reads one system's export as
//! it comes out and maps every record onto the canonical `Grant`, keeping the place of every
//! value it maps; requests that never became access (denied, pending, never activated) are
//! counted, not linted.

pub mod aws_team;
pub mod detect;
pub mod entra_pim;
pub mod gcp_pam;
pub mod jira;
pub mod okta;
pub mod opal;
pub mod record;
pub mod servicenow;
pub mod teleport;
pub mod tickets;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use super::understood::{InputMap, Kind};
use super::{Format, Input, InputError, ReadOptions};
use crate::core::span::Span;
use crate::grant::{Field, Grant};
use crate::load::mapping::Mapping;

/// The systems grantlint reads natively (`--source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    Teleport,
    GcpPam,
    EntraPim,
    AwsTeam,
    Jira,
    Servicenow,
    Okta,
    Opal,
    // Access-system configuration, read by `crate::config` into findings about what it lets
    // through, never into grants. The doc comments are `--source`'s help and completions.
    /// configuration: Google Cloud PAM entitlements (gcloud, REST, Terraform plan or .tf)
    GcpPamEntitlement,
    /// configuration: Teleport role resources
    TeleportRole,
    /// configuration: Entra PIM role management policies (Microsoft Graph)
    EntraPimPolicy,
    /// configuration: AWS TEAM eligibility, approver and settings policies
    AwsTeamPolicy,
}

impl Source {
    pub const ALL: &'static [Source] = &[
        Source::Teleport,
        Source::GcpPam,
        Source::EntraPim,
        Source::AwsTeam,
        Source::Jira,
        Source::Servicenow,
        Source::Okta,
        Source::Opal,
    ];

    /// The configuration kinds `--source` also names (read by `crate::config`).
    pub const CONFIG: &'static [Source] = &[
        Source::GcpPamEntitlement,
        Source::TeleportRole,
        Source::EntraPimPolicy,
        Source::AwsTeamPolicy,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Source::GcpPamEntitlement => "gcp-pam-entitlement",
            Source::TeleportRole => "teleport-role",
            Source::EntraPimPolicy => "entra-pim-policy",
            Source::AwsTeamPolicy => "aws-team-policy",
            _ => self.adapter().name,
        }
    }

    /// True for access-system configuration, which `crate::config` reads instead of an adapter.
    pub fn is_config(self) -> bool {
        Source::CONFIG.contains(&self)
    }

    /// The format its exports are usually in, for a file name that does not say (TEAM's JSON
    /// and CSV are told apart by their first character).
    pub fn format(self) -> Format {
        match self {
            Source::Jira | Source::Servicenow => Format::Csv,
            Source::TeleportRole => Format::Yaml,
            _ => Format::Json,
        }
    }

    /// The column profile of the system's CSV export, if it is read through one (TEAM's
    /// approvals CSV has its own reader).
    pub fn csv_profile(self) -> Option<&'static tickets::Profile> {
        match self {
            Source::Jira => Some(&jira::PROFILE),
            Source::Servicenow => Some(&servicenow::PROFILE),
            _ => None,
        }
    }

    pub fn adapter(self) -> &'static Adapter {
        match self {
            Source::Teleport => &teleport::ADAPTER,
            Source::GcpPam => &gcp_pam::ADAPTER,
            Source::EntraPim => &entra_pim::ADAPTER,
            Source::AwsTeam => &aws_team::ADAPTER,
            Source::Jira => &jira::ADAPTER,
            Source::Servicenow => &servicenow::ADAPTER,
            Source::Okta => &okta::ADAPTER,
            Source::Opal => &opal::ADAPTER,
            Source::GcpPamEntitlement
            | Source::TeleportRole
            | Source::EntraPimPolicy
            | Source::AwsTeamPolicy => &CONFIGURATION,
        }
    }
}

/// What a configuration kind answers when asked for an adapter: the checker hands such files
/// to `crate::config` first, so this is reached only by a caller that skips it.
const CONFIGURATION: Adapter = Adapter {
    name: "configuration",
    system: "access-system configuration",
    exports: "access-system configuration, read by `grantlint check` (docs/config.md)",
    fields: &[],
    states: &[],
    gaps: &[],
    load: |_, native, _| {
        Err(InputError::new(
            native.file,
            "this is access-system configuration, not grants",
        )
        .help("run `grantlint check` on it; see docs/config.md"))
    },
};

/// One adapter: how to read a system's export, and its documented mapping.
pub struct Adapter {
    pub name: &'static str,
    pub system: &'static str,
    /// The exports it reads and how to produce them.
    pub exports: &'static str,
    /// (export field, canonical field, note) for docs/sources/ and `explain --source`.
    pub fields: &'static [(&'static str, &'static str, &'static str)],
    /// (vendor state, grantlint status) — pending and denied are counted, not linted.
    pub states: &'static [(&'static str, &'static str)],
    /// What the export cannot say that a rule needs, and where that lives instead.
    pub gaps: &'static [&'static str],
    pub load: fn(&str, &Native, &mut Out) -> Result<(), InputError>,
}

impl Adapter {
    /// The mapping as Markdown: the page in docs/sources/ and `grantlint explain --source`.
    pub fn docs(&self) -> String {
        let mut out = format!(
            "### {} (`--source {}`)\n\n{}\n\n",
            self.system, self.name, self.exports
        );
        out.push_str("| export field | grant field | note |\n|---|---|---|\n");
        for (from, to, note) in self.fields {
            out.push_str(&format!("| `{from}` | {to} | {note} |\n"));
        }
        out.push_str("\n| state | status |\n|---|---|\n");
        for (state, status) in self.states {
            out.push_str(&format!("| `{state}` | {status} |\n"));
        }
        if !self.gaps.is_empty() {
            out.push_str("\nWhat this export cannot say:\n\n");
            for gap in self.gaps {
                out.push_str(&format!("- {gap}\n"));
            }
        }
        out
    }
}

/// Where an adapter's grant is in its life. Pending and denied requests never became access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Active,
    Ended,
    Revoked,
    Expired,
    Pending,
    Denied,
}

impl Lifecycle {
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Active => "active",
            Lifecycle::Ended => "ended",
            Lifecycle::Revoked => "revoked",
            Lifecycle::Expired => "expired",
            Lifecycle::Pending => "pending",
            Lifecycle::Denied => "denied",
        }
    }

    pub fn is_access(self) -> bool {
        !matches!(self, Lifecycle::Pending | Lifecycle::Denied)
    }

    /// Access that a system ends by itself at its expiry (certificates, PIM schedules):
    /// approved and past its expiry, it is expired, not still active.
    pub fn approved(expires: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Lifecycle {
        match expires {
            Some(expires) if expires <= now => Lifecycle::Expired,
            _ => Lifecycle::Active,
        }
    }
}

/// Statuses that mean access is live, as `normal_key` writes them: the default policy's
/// `expiry-enforced.active_statuses` (a test holds the two equal), so a ticket profile and a
/// plain CSV agree on what is live.
const LIVE: &[&str] = &[
    "active",
    "open",
    "granted",
    "access_granted",
    "in_progress",
    "work_in_progress",
    "implement",
    "implementing",
    "provisioned",
    "ongoing",
    "on_hold",
];

/// True when a ticket tool's status (normalised by `normal_key`) means access is live.
pub fn live_status(normal: &str) -> bool {
    LIVE.contains(&normal)
}

/// What adapters need besides the file: the time that counts as now, and the policy's mapping.
pub struct Native<'a> {
    pub file: &'a str,
    /// `--delimiter`, for CSV exports.
    pub delimiter: u8,
    pub now: DateTime<Utc>,
    pub mapping: &'a Mapping,
    pub limits: &'a crate::load::limits::Limits,
    /// What the other inputs of the run hold for this one (Entra's approvals).
    pub related: &'a Related,
}

/// What an input needs from the other inputs of the run: an export that only means something
/// joined to another (Entra's approvals, joined to its requests by approval id). Gathered
/// once, before the files are checked in parallel.
#[derive(Debug, Default)]
pub struct Related {
    pub entra_approvals: entra_pim::Approvals,
}

impl Related {
    /// Whether `input` is an export the grants of other inputs are joined to (Entra's
    /// approvals): a JSON file whose start looks like one.
    pub fn joined(input: &Input) -> bool {
        input.format == Format::Json && detect::is_entra_approvals(input)
    }

    /// Reads the inputs that are exports of this kind; only JSON files whose start looks like
    /// one are read whole. An error is left to the file's own reading, which reports it.
    pub fn gather(inputs: &[Input], options: &ReadOptions) -> Related {
        let mut related = Related::default();
        if options.source.is_some_and(|s| s != Source::EntraPim) {
            return related;
        }
        for input in inputs {
            if Related::joined(input)
                && let Ok(text) = super::read_text(input, &options.limits)
            {
                let approvals = &mut related.entra_approvals;
                entra_pim::gather(&text, &input.name, &options.limits, approvals);
            }
        }
        related
    }
}

/// A field an export cannot carry for some of its grants (`Grant::mark_unexported`): the
/// per-grant findings about it become one `column-missing` finding for the file, at `span`,
/// saying this, as a CSV's missing column does.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    pub field: Field,
    pub span: Span,
    pub message: String,
    pub help: String,
}

/// Hands grants on and counts the requests that are not grants.
pub struct Out<'a> {
    sink: &'a mut dyn FnMut(&Grant),
    pub grant: Grant,
    pub grants: usize,
    pub skipped: usize,
    /// What the export cannot say, once for the file.
    pub gaps: Vec<Gap>,
}

impl<'a> Out<'a> {
    pub fn new(sink: &'a mut dyn FnMut(&Grant)) -> Out<'a> {
        Out {
            sink,
            grant: Grant::default(),
            grants: 0,
            skipped: 0,
            gaps: Vec::new(),
        }
    }

    /// Reads a CSV export, `columns` making each row a grant.
    pub fn read_csv(
        &mut self,
        text: &str,
        native: &Native,
        columns: &mut impl super::csv::Columns,
    ) -> Result<(), InputError> {
        let (file, delimiter, limits) = (native.file, native.delimiter, native.limits);
        let read =
            super::csv::load_with(text.as_bytes(), file, delimiter, limits, columns, self.sink);
        self.grants += read?;
        Ok(())
    }

    /// Starts a record at `span`.
    pub fn start(&mut self, span: Span) -> &mut Grant {
        self.grant.clear(span);
        &mut self.grant
    }

    /// Ends the record: a grant is checked, a request that never became access is counted.
    /// `state` is where the vendor's state was written.
    pub fn finish(&mut self, lifecycle: Lifecycle, state: Span) {
        if !lifecycle.is_access() {
            self.skipped += 1;
            return;
        }
        self.grant
            .set(Field::Status, lifecycle.name(), state, false);
        self.grant.finish();
        (self.sink)(&self.grant);
        self.grants += 1;
    }
}

/// How many grants a file held, how many requests were not grants, how the keys of a YAML
/// or JSON grants file were understood, and what the export cannot say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub grants: usize,
    pub skipped: usize,
    pub map: Option<InputMap>,
    pub gaps: Vec<Gap>,
}

/// Reads one input: through the adapter named by `--source` or recognised by shape, through a
/// ticket profile when the policy maps CSV columns, or else as a plain grants file.
pub fn load(
    input: &Input,
    options: &ReadOptions,
    native: &Native,
    sink: &mut dyn FnMut(&Grant),
) -> Result<Loaded, InputError> {
    let source = match (options.source, input.format) {
        (Some(source), _) => Some(source),
        // YAML is sniffed only for `tctl get` output (`kind: access_request` documents).
        (None, _) => detect::detect(input, native)?,
    };
    let plain_csv_mapped = input.format == Format::Csv && !native.mapping.is_empty();
    if source.is_none() && !plain_csv_mapped {
        let fields = &native.mapping.fields;
        let (grants, map) = super::load_declared(input, options, fields, sink)
            .map_err(|e| unknown_shape(e, input))?;
        return Ok(Loaded {
            grants,
            skipped: 0,
            map,
            ..Loaded::default()
        });
    }
    let mut out = Out::new(sink);
    // An audit log is read line by line, never whole (it can hold millions of events).
    if source == Some(Source::Teleport) && teleport::is_event_log(&detect::head(input)?, true) {
        teleport::load_event_log(input, native, &mut out)?;
    } else {
        let text = super::read_text(input, native.limits)?;
        match source {
            Some(source) => (source.adapter().load)(&text, native, &mut out)?,
            None => tickets::load(&text, native, &tickets::Profile::PLAIN, &mut out)?,
        }
    }
    Ok(Loaded {
        grants: out.grants,
        skipped: out.skipped,
        map: None,
        gaps: out.gaps,
    })
}

/// How a CSV's columns are read, as `load` would read them: through the alias table, the
/// system's column profile, or the policy's mapping. `None` for other formats (YAML and JSON
/// grants report their keys as they are read) and for JSON exports of access systems, whose
/// fields are the adapter's documented table. An error when the header cannot be taken: two
/// columns for one field, or no column that is a grant field.
pub fn understand(
    input: &Input,
    options: &ReadOptions,
    native: &Native,
) -> Result<Option<InputMap>, InputError> {
    if input.format != Format::Csv {
        return Ok(None);
    }
    let source = match options.source {
        Some(source) => Some(source),
        None => detect::detect(input, native)?,
    };
    let profile = match source {
        None if native.mapping.is_empty() => None,
        None => Some(&tickets::Profile::PLAIN),
        Some(source) => match source.csv_profile() {
            Some(profile) => Some(profile),
            None => return Ok(None),
        },
    };
    let head = detect::head(input)?;
    // Jira and ServiceNow also export JSON, and their adapters tell the two by content.
    if head
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '['])
    {
        return Ok(None);
    }
    // A header longer than the head read (hundreds of Jira columns) is not told in part:
    // the columns after the cut would be reported missing.
    if head.len() >= detect::HEAD && !head.contains('\n') {
        return Ok(None);
    }
    let names = super::csv::header_names(
        head.as_bytes(),
        native.file,
        native.delimiter,
        native.limits,
    )?;
    let fields: Vec<Vec<Field>> = match profile {
        Some(profile) => tickets::fields(names.clone(), native, profile)?,
        None => super::csv::alias_fields(names.clone(), native.file)?
            .into_iter()
            .map(|f| f.into_iter().collect())
            .collect(),
    };
    // A column that fills several fields (Jira's `Issue key`: id and ticket) is named once
    // for each.
    let names = names
        .into_iter()
        .zip(fields)
        .flat_map(|((text, span), fields)| match fields.as_slice() {
            [] => vec![(text, span, None)],
            _ => fields
                .into_iter()
                .map(|f| (text.clone(), span, Some(f)))
                .collect(),
        })
        .collect();
    Ok(Some(InputMap::new(Kind::Columns, names)))
}

/// A plain grants CSV (no system's export, no mapping) opened to be read in segments on
/// several threads. `None` when `load` must read it, which also reports any error.
pub fn segments(
    input: &Input,
    options: &ReadOptions,
    native: &Native,
) -> Option<super::csv::Segments<crate::core::files::Steady>> {
    let plain = input.format == Format::Csv
        && options.source.is_none()
        && native.mapping.is_empty()
        && matches!(detect::detect(input, native), Ok(None));
    if !plain {
        return None;
    }
    super::segments(input, options).ok().flatten()
}

/// A JSON file that is neither a grants file nor a known export: say which systems grantlint
/// reads, in case it is one of them in a shape not recognised.
fn unknown_shape(mut error: InputError, input: &Input) -> InputError {
    if input.format == Format::Json && error.message.contains("no `grants:` list") {
        let names: Vec<&str> = Source::ALL.iter().map(|s| s.name()).collect();
        error.help = Some(format!(
            "write the grants as a list, or under `grants:`; for an access system's export, pass --source, one of: {}",
            names.join(", ")
        ));
    }
    error
}

/// A computed time as the text a grant stores.
pub fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A length in hours, as AWS TEAM writes it: a string ("2") or a number.
pub fn hours(text: &str) -> Result<chrono::TimeDelta, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|h| h.is_finite() && *h > 0.0 && *h <= 24.0 * 366.0)
        .map(|h| chrono::TimeDelta::seconds((h * 3600.0).round() as i64))
        .ok_or_else(|| format!("duration `{text}` is not a number of hours"))
}

/// The grant's start plus `duration` as its expiry, or a problem at the duration.
pub fn expiry_after(grant: &mut Grant, duration: Result<TimeDelta, String>, at: Span) {
    match (grant.time(Field::Start), duration) {
        (Some(start), Ok(duration)) => match start.checked_add_signed(duration) {
            Some(expires) => grant.set(Field::Expires, &time_text(expires), at, false),
            None => grant.problem(
                Some(Field::Expires),
                at,
                "the duration is out of range".into(),
                "check the requested duration",
            ),
        },
        (_, Err(why)) => grant.problem(
            Some(Field::Expires),
            at,
            why,
            "the expiry is the start plus this duration; fix the duration",
        ),
        (None, Ok(_)) => {}
    }
}

/// An error for a file whose shape is not the adapter's.
pub fn shape_error(
    native: &Native,
    at: Option<Span>,
    text: &str,
    found: &str,
    expected: &str,
) -> InputError {
    let error = InputError::new(native.file, format!("{found}; expected {expected}"))
        .help("check that --source names the system that exported this file");
    match at {
        Some(span) => {
            let at = crate::load::yaml::start_of(span, text);
            let text: std::sync::Arc<str> = std::sync::Arc::from(text);
            error.at(at, Some(&text))
        }
        None => error,
    }
}

/// Test helper: runs one adapter on `text` and returns each grant's located fields and the
/// number of requests skipped.
#[cfg(test)]
pub(crate) fn read(source: Source, text: &str, mapping: &Mapping) -> (Vec<super::Located>, usize) {
    let mut grants = Vec::new();
    let mut sink = |g: &Grant| {
        assert!(g.problems.is_empty(), "{:?}", g.problems);
        grants.push(super::located(g));
    };
    let mut out = Out::new(&mut sink);
    with_native(mapping, |native| {
        (source.adapter().load)(text, native, &mut out).unwrap_or_else(|e| panic!("{e}"))
    });
    let skipped = out.skipped;
    (grants, skipped)
}

/// Test helper: runs `test` with the options an adapter reads a file `t` with, now being
/// 2026-11-24 12:00 UTC.
#[cfg(test)]
pub(crate) fn with_native<T>(mapping: &Mapping, test: impl FnOnce(&Native) -> T) -> T {
    let related = Related::default();
    test(&Native {
        file: "t",
        delimiter: b',',
        now: crate::core::time::parse_time("2026-11-24T12:00:00Z").unwrap(),
        mapping,
        limits: &crate::load::limits::Limits::default(),
        related: &related,
    })
}

/// Test helper: the text of one field of a located grant.
#[cfg(test)]
pub(crate) fn field(grant: &super::Located, field: Field) -> Option<(&str, u32, u32)> {
    grant
        .iter()
        .find(|(f, ..)| *f == field)
        .map(|(_, t, line, column)| (t.as_str(), *line, *column))
}

#[cfg(test)]
mod tests {
    use crate::core::node::{Node, Value};
    use crate::load::mapping::normal_key;

    fn get<'a>(node: &'a Node, key: &str) -> &'a Node {
        let Value::Map(entries) = &node.value else {
            panic!("{key}: not a mapping")
        };
        entries
            .iter()
            .find(|(k, _)| k.value.as_scalar() == Some(key))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no {key}"))
    }

    #[test]
    fn the_live_statuses_are_the_default_policys() {
        let policy =
            crate::core::node::parse(include_str!("../../../policies/default.yaml")).unwrap();
        let statuses = get(
            get(get(&policy, "rules"), "expiry-enforced"),
            "active_statuses",
        );
        let Value::List(statuses) = &statuses.value else {
            panic!("active_statuses is a list")
        };
        let mut listed: Vec<String> = statuses
            .iter()
            .filter_map(|s| s.value.as_scalar().map(normal_key))
            .collect();
        let mut live: Vec<String> = super::LIVE.iter().map(|s| s.to_string()).collect();
        listed.sort();
        live.sort();
        assert_eq!(live, listed);
    }
}
