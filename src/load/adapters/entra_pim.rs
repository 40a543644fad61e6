//! Microsoft Entra Privileged Identity Management, as Microsoft Graph returns it: role
//! assignment schedule requests and instances (`value[]`), and the approvals of requests,
//! joined to them by `approvalId`, from the same file or from another input of the run.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::record::{self, Record};
use super::{Adapter, Gap, Lifecycle, Native, Out, time_text};
use crate::core::node::Value;
use crate::core::span::Span;
use crate::core::time::{parse_duration, parse_time};
use crate::grant::{Approval, Extension, Field, Grant};
use crate::load::InputError;
use crate::load::mapping::Mapping;

pub const ADAPTER: Adapter = Adapter {
    name: "entra-pim",
    system: "Microsoft Entra PIM",
    exports: "Microsoft Graph responses, as `{\"value\": […]}` or the bare list: \
`GET /v1.0/roleManagement/directory/roleAssignmentScheduleRequests` (requests: who asked for \
which role, why, for how long), `GET /v1.0/roleManagement/directory/roleAssignmentScheduleInstances` \
(the assignments active now, with their start and end; an activation is in both, so give one of \
the two for a period), and the approvals of the requests, \
`GET /beta/roleManagement/directory/roleAssignmentApprovals/{approvalId}` for each request with \
an `approvalId` (Graph has this resource in beta only), saved as one JSON list, e.g. \
`for id in $(jq -r '.value[].approvalId // empty' requests.json); do az rest --url \
\"https://graph.microsoft.com/beta/roleManagement/directory/roleAssignmentApprovals/$id\"; done | jq -s . > approvals.json`. \
Give the approvals file in the same run as the requests (`grantlint check requests.json approvals.json`), \
or put the approvals in the requests file's list: each request is joined to its approval by \
`approvalId`, and every approving step is an approval of the grant. Add `$expand=principal` to \
the requests (or instances) to get names and to tell groups and service principals from people. \
Role GUIDs become names through the well-known built-in roles and the policy's \
`mapping: {roles: {GUID: name}}`. Deactivations (`selfDeactivate`, `adminRemove`) set \
`ended_at` of the activation they end; extensions (`selfExtend`, `adminExtend`, and \
`adminUpdate`, a change of schedule) are recorded as extensions of the grant of the same \
principal, role and scope that they follow; neither is a grant of its own. Renewals \
(`selfRenew`, `adminRenew`) are new grants. Eligibility exports are refused: eligibility is not access. \
PIM for Azure resources is read too, as Azure Resource Manager lists it \
(`GET {scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?api-version=2020-10-01`, \
each request under `properties`): `requestType` for `action`, `createdOn` for `createdDateTime`, `scope` \
for `directoryScopeId`, `requestorId` for `createdBy`, `expandedProperties.principal` (`email`, \
`displayName`, `type`) and `principalType` for the principal, `expandedProperties.roleDefinition.displayName` \
and `expandedProperties.scope.displayName` for the role and the tenant, and the request's `name` for its id.",
    fields: &[
        ("id", "id", ""),
        (
            "principal.userPrincipalName",
            "grantee",
            "with `$expand=principal`; a group's or service principal's `displayName`; else `principalId`",
        ),
        (
            "principal.@odata.type",
            "account_type",
            "`#microsoft.graph.group`: group; `#microsoft.graph.servicePrincipal`: service",
        ),
        (
            "roleDefinition.displayName",
            "role",
            "with `$expand=roleDefinition`; else `roleDefinitionId` through the role names",
        ),
        (
            "directoryScopeId",
            "tenant",
            "`/` is the whole directory, a wildcard: `* (the whole directory)`; else `directoryScope.displayName` with `$expand=directoryScope`",
        ),
        (
            "justification",
            "reason, admin_justification",
            "the requester's own words for this elevation count for both",
        ),
        ("ticketInfo.ticketNumber", "ticket", ""),
        (
            "createdBy.user.displayName",
            "requested_by",
            "else `createdBy.user.id`",
        ),
        ("createdDateTime", "requested_at", ""),
        (
            "scheduleInfo.startDateTime",
            "start",
            "instances: `startDateTime`",
        ),
        (
            "scheduleInfo.expiration.endDateTime",
            "expires",
            "type `afterDateTime`; instances: `endDateTime`",
        ),
        (
            "scheduleInfo.expiration.duration",
            "expires",
            "type `afterDuration`: start + duration (`PT4H`); `noExpiration`, or `notSpecified` without `endDateTime`: none",
        ),
        (
            "createdDateTime of a later deactivation",
            "ended_at",
            "same principal, role and scope",
        ),
        (
            "an extension's expiration, justification and approval",
            "extensions",
            "until, reason, approver, approved_at",
        ),
        (
            "approval steps[].reviewedBy",
            "approver (each)",
            "steps (beta) or stages (v1.0) with `reviewResult: Approved`: `userPrincipalName`, else `displayName`; the grantee's own id is the grantee",
        ),
        (
            "approval steps[].reviewedDateTime, justification",
            "approved_at, the approval's reason",
            "",
        ),
        ("status", "status", "instances: active until `endDateTime`"),
    ],
    states: &[
        (
            "Provisioned, Granted, ScheduleCreated",
            "active, or expired once past its expiry (PIM ends the activation); ScheduleCreated is approved and starts at its start",
        ),
        ("Revoked, PendingRevocation", "revoked"),
        (
            "PendingApproval, PendingApprovalProvisioning, PendingAdminDecision, PendingProvisioning, PendingExternalProvisioning, PendingScheduleCreation, Canceled, Failed",
            "pending (never activated: counted, not linted)",
        ),
        ("Denied", "denied (counted, not linted)"),
        (
            "ARM: AdminApproved; Accepted, PendingEvaluation, ProvisioningStarted, TimedOut, FailedAsResourceIsLocked, Invalid; AdminDenied",
            "as Granted; pending (counted, not linted); denied",
        ),
        (
            "instances (assignmentType Activated or Assigned)",
            "active, or expired once past `endDateTime`",
        ),
    ],
    gaps: &[
        "the approver: a request only holds its `approvalId`; who approved is in the approvals resource (`roleAssignmentApprovals`, Graph beta). Without that export, one `column-missing` finding says so for the file and neither approver-named nor self-approval is checked for those requests; give the approvals file in the same run.",
        "instances hold no justification, ticket or approval: one `column-missing` finding for each says so for the file; lint the requests export for them.",
        "without `$expand=principal`, a group or service principal is only a GUID and cannot be told from a person.",
        "the customer tenant: Graph answers for one directory and does not name it in the records; `directoryScopeId` is the scope inside it.",
        "ARM requests: who approved (Azure keeps it in `Microsoft.Authorization/roleAssignmentApprovals`, not read yet): one `column-missing` finding says so for the file.",
    ],
    load,
};

const SHAPE: &str = "a Microsoft Graph response with a `value` list of roleAssignmentScheduleRequests, roleAssignmentScheduleInstances or approvals";

/// The tenant of a directory-wide assignment (`directoryScopeId: /`): every object in the
/// directory, a wildcard to tenant-specific and no one tenant to repeat-tenant.
pub(crate) const WHOLE_DIRECTORY: &str = "* (the whole directory)";

/// Well-known built-in Entra roles: template id → display name.
const BUILT_IN_ROLES: &[(&str, &str)] = &[
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    (
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
    ),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
    ),
    (
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
    ),
    (
        "17315797-102d-40b4-93e0-432062caca18",
        "Compliance Administrator",
    ),
    (
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
    ),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader"),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
    // Azure built-in roles (learn.microsoft.com/azure/role-based-access-control/built-in-roles,
    // "Privileged" and "General": each role's `name`), for ARM requests without
    // `expandedProperties` and azurerm's `role_definition_id` that `mapping: roles` leaves out.
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
    ),
    (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
    ),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
];

/// Approving decisions by approval id (lowercase), from approvals exports.
#[derive(Debug, Default)]
pub struct Approvals {
    by_id: HashMap<String, Vec<Decision>>,
}

/// One approving decision of one reviewer. Its places are in the file it was read from.
#[derive(Clone, Debug)]
struct Decision {
    reviewer: (String, Span),
    reviewer_id: Option<String>,
    at: Option<(DateTime<Utc>, Span)>,
    reason: Option<(String, Span)>,
}

impl Approvals {
    fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn get(&self, id: &str) -> Option<&[Decision]> {
        self.by_id.get(&id.to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// Adds one `approval` object: every step (beta) or stage (v1.0) that approved.
    fn add(&mut self, approval: Record) {
        let Some((id, _)) = approval.text("id") else {
            return;
        };
        let decisions = self.by_id.entry(id.to_ascii_lowercase()).or_default();
        for step in approval.records("steps").chain(approval.records("stages")) {
            let approved = step
                .text("reviewResult")
                .is_some_and(|(r, _)| r.eq_ignore_ascii_case("approved"));
            if !approved {
                continue;
            }
            let at = step
                .text("reviewedDateTime")
                .and_then(|(t, at)| parse_time(t).ok().map(|t| (t, at)));
            let reason = step
                .text("justification")
                .map(|(t, at)| (t.to_string(), at));
            // v1.0 writes one `identity`, beta a list of `userIdentity`.
            let reviewers: Vec<Record> = match step.get("reviewedBy").map(|n| &n.value) {
                Some(Value::List(_)) => step.records("reviewedBy").collect(),
                Some(Value::Map(_)) => step.record("reviewedBy").into_iter().collect(),
                _ => Vec::new(),
            };
            for reviewer in reviewers {
                let name = ["userPrincipalName", "displayName", "id"]
                    .iter()
                    .find_map(|k| reviewer.text(k));
                let Some((name, name_at)) = name else {
                    continue;
                };
                decisions.push(Decision {
                    reviewer: (name.to_string(), name_at),
                    reviewer_id: reviewer.text("id").map(|(t, _)| t.to_ascii_lowercase()),
                    at,
                    reason: reason.clone(),
                });
            }
        }
    }
}

/// Reads the approvals of an approvals export (one `approval`, a list, or `value[]`) into
/// `approvals`. A file that cannot be read adds none; its own reading reports why.
pub fn gather(
    text: &str,
    file: &str,
    limits: &crate::load::limits::Limits,
    approvals: &mut Approvals,
) {
    let Ok(root) = record::parse_limited(text, file, limits) else {
        return;
    };
    let whole = Record::new(&root);
    if is_approval(whole) {
        approvals.add(whole);
    }
    for item in record::records(&root, &["value"]).unwrap_or_default() {
        let item = Record::new(item);
        if is_approval(item) {
            approvals.add(item);
        }
    }
}

fn is_approval(record: Record) -> bool {
    record.get("steps").is_some() || record.get("stages").is_some()
}

/// Where each shape of the export writes what: Microsoft Graph (PIM for Microsoft Entra
/// roles), or Azure Resource Manager (PIM for Azure resources,
/// `Microsoft.Authorization/roleAssignmentScheduleRequests`, each under `properties`).
struct Keys {
    action: &'static str,
    created: &'static str,
    scope: &'static str,
    scope_name: &'static str,
    role_name: &'static str,
    principal: &'static str,
    requestor: &'static [&'static str],
}

const GRAPH: Keys = Keys {
    action: "action",
    created: "createdDateTime",
    scope: "directoryScopeId",
    scope_name: "directoryScope.displayName",
    role_name: "roleDefinition.displayName",
    principal: "principal",
    requestor: &[
        "createdBy.user.displayName",
        "createdBy.user.id",
        "createdBy.application.displayName",
    ],
};

const ARM: Keys = Keys {
    action: "requestType",
    created: "createdOn",
    scope: "scope",
    scope_name: "expandedProperties.scope.displayName",
    role_name: "expandedProperties.roleDefinition.displayName",
    principal: "expandedProperties.principal",
    requestor: &["requestorId"],
};

/// The shape a record is written in: ARM's `properties` have `scope` and `requestType`.
fn keys(record: Record) -> &'static Keys {
    let arm = ["requestType", "scope", "expandedProperties", "createdOn"]
        .iter()
        .any(|k| record.get(k).is_some());
    if arm { &ARM } else { &GRAPH }
}

/// The request or instance in an item: ARM's under `properties`, Graph's the item itself.
fn inner(item: Record) -> Record {
    match item.record("properties") {
        Some(p) if p.get("roleDefinitionId").is_some() || p.get("principalId").is_some() => p,
        _ => item,
    }
}

/// What a record of the export is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Approval,
    Instance,
    Grant,
    Removal,
    Extension,
}

fn kind(record: Record) -> Option<Kind> {
    if is_approval(record) {
        return Some(Kind::Approval);
    }
    if record.get("roleDefinitionId").is_none() && record.get("principalId").is_none() {
        return None;
    }
    let keys = keys(record);
    let is_request = [keys.action, "scheduleInfo"]
        .iter()
        .any(|k| record.get(k).is_some())
        || (record.get("status").is_some() && record.get("startDateTime").is_none());
    if !is_request {
        return Some(Kind::Instance);
    }
    let action = record
        .text(keys.action)
        .map(|(a, _)| a.to_ascii_lowercase())
        .unwrap_or_default();
    Some(match action.as_str() {
        "selfdeactivate" | "adminremove" => Kind::Removal,
        "selfextend" | "adminextend" | "adminupdate" => Kind::Extension,
        _ => Kind::Grant,
    })
}

/// A request's status: `None` for a value Graph does not write.
fn lifecycle(status: &str) -> Option<Lifecycle> {
    let status = status.to_ascii_lowercase();
    Some(match status.as_str() {
        // Approved; ScheduleCreated starts at its start.
        // AdminApproved (ARM): approved by an administrator, as Granted.
        "provisioned" | "granted" | "schedulecreated" | "adminapproved" => Lifecycle::Active,
        "revoked" | "pendingrevocation" => Lifecycle::Revoked,
        "denied" | "admindenied" => Lifecycle::Denied,
        // ARM's too: TimedOut waiting for a decision, never provisioned, or refused.
        "canceled"
        | "failed"
        | "failedasresourceislocked"
        | "timedout"
        | "invalid"
        | "accepted"
        | "provisioningstarted" => Lifecycle::Pending,
        s if s.starts_with("pending") => Lifecycle::Pending,
        _ => return None,
    })
}

/// True when a request's status says access was (or is to be) given; a request without a
/// status is taken as given.
fn granted(request: Record) -> bool {
    request.text("status").is_none_or(|(s, _)| {
        matches!(
            lifecycle(s),
            Some(Lifecycle::Active | Lifecycle::Revoked) | None
        )
    })
}

/// The principal, role and scope a request is about: deactivations and extensions apply to
/// the grant with the same.
type Assignment<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

fn assignment(record: Record) -> Assignment {
    let text = |key: &str| record.text(key).map(|(t, _)| t);
    (
        text("principalId"),
        text("roleDefinitionId"),
        text(keys(record).scope),
    )
}

/// When a request's access starts (its schedule), or when it was made.
fn begins(request: Record) -> Option<DateTime<Utc>> {
    ["scheduleInfo.startDateTime", keys(request).created]
        .iter()
        .find_map(|k| request.text(k))
        .and_then(|(t, _)| parse_time(t).ok())
}

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let root = record::parse_limited(text, native.file, native.limits)?;
    let whole = Record::new(&root);
    if let Some((context, at)) = key(whole, "@odata.context")
        && context.contains("roleEligibilitySchedule")
    {
        let text: std::sync::Arc<str> = std::sync::Arc::from(text);
        return Err(InputError::new(
            native.file,
            "this is an export of eligibilities, which are not access",
        )
        .help("export the activations and active assignments instead: roleAssignmentScheduleRequests or roleAssignmentScheduleInstances")
        .at(at, Some(&text)));
    }
    if is_approval(whole) {
        return Ok(()); // one approval, read for the requests of the run (`gather`)
    }
    let Some(items) = record::records(&root, &["value"]) else {
        let found = format!("found {}", root.value.kind());
        return Err(super::shape_error(
            native,
            Some(record::span(&root)),
            text,
            &found,
            SHAPE,
        ));
    };
    let items: Vec<Record> = items.iter().map(Record::new).collect();
    let records: Vec<Record> = items.iter().map(|item| inner(*item)).collect();
    let mut kinds = Vec::with_capacity(records.len());
    for record in &records {
        match kind(*record) {
            Some(kind) => kinds.push(kind),
            None => {
                return Err(super::shape_error(
                    native,
                    Some(record.span()),
                    text,
                    "this item has neither `roleDefinitionId` nor `principalId`",
                    SHAPE,
                ));
            }
        }
    }
    let mut local = Approvals::default();
    let of = |kind: Kind| {
        records
            .iter()
            .zip(&kinds)
            .filter(move |(_, k)| **k == kind)
            .map(|(r, _)| *r)
    };
    for approval in of(Kind::Approval) {
        local.add(approval);
    }
    // Deactivations and granted requests by assignment, so that matching is a lookup.
    let mut removals: HashMap<Assignment, Vec<Record>> = HashMap::new();
    for removal in of(Kind::Removal) {
        removals
            .entry(assignment(removal))
            .or_default()
            .push(removal);
    }
    let mut grants_of: HashMap<Assignment, Vec<usize>> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        if kinds[i] == Kind::Grant && granted(*record) {
            grants_of.entry(assignment(*record)).or_default().push(i);
        }
    }
    // Each granted extension, by the index of the grant it extends: the latest grant of the
    // same assignment that began before it.
    let mut extended: HashMap<usize, Vec<Record>> = HashMap::new();
    let mut attached = vec![false; records.len()];
    for (i, extension) in records.iter().enumerate() {
        if kinds[i] != Kind::Extension || !granted(*extension) {
            continue;
        }
        let from = begins(*extension);
        let target = grants_of
            .get(&assignment(*extension))
            .into_iter()
            .flatten()
            .map(|&j| (j, begins(records[j])))
            .filter(|(_, at)| match (from, at) {
                (Some(from), Some(at)) => *at <= from,
                _ => true,
            })
            .max_by_key(|(j, at)| (*at, *j))
            .map(|(j, _)| j);
        if let Some(target) = target {
            extended.entry(target).or_default().push(*extension);
            attached[i] = true;
        }
    }
    let mut reader = Reader {
        native,
        local,
        removals,
        unjoined: 0,
        first_unjoined: None,
        instances: 0,
        first_instance: None,
    };
    for (i, record) in records.iter().enumerate() {
        match kinds[i] {
            Kind::Approval => {}
            Kind::Removal => out.skipped += 1,
            Kind::Extension if attached[i] => {}
            Kind::Extension if !granted(*record) => out.skipped += 1,
            Kind::Instance => reader.instance(*record, items[i], out),
            Kind::Grant | Kind::Extension => {
                let extensions = extended.get(&i).map_or(&[][..], Vec::as_slice);
                reader.request(*record, items[i], extensions, out);
            }
        }
    }
    reader.gaps(out);
    Ok(())
}

/// One file's reading: the approvals to join, and what could not be joined.
struct Reader<'a, 'n> {
    native: &'n Native<'n>,
    /// Approvals in this file: their places are real.
    local: Approvals,
    removals: HashMap<Assignment<'a>, Vec<Record<'a>>>,
    /// Requests (and extensions) with an `approvalId` whose approval no input holds.
    unjoined: usize,
    /// The first of them: its approval id, where, and whether it is an ARM request.
    first_unjoined: Option<(String, Span, bool)>,
    instances: usize,
    first_instance: Option<Span>,
}

impl<'a> Reader<'a, '_> {
    fn request(
        &mut self,
        request: Record<'a>,
        item: Record<'a>,
        extensions: &[Record<'a>],
        out: &mut Out,
    ) {
        let native = self.native;
        let keys = keys(request);
        let grant = out.start(item.span());
        item.set_declared(grant, &self.native.mapping.fields);
        identify(request, item, grant);
        principal(request, grant);
        role(request, grant, native);
        tenant(request, grant);
        request.set(grant, Field::Reason, "justification");
        request.set(grant, Field::AdminJustification, "justification");
        request.set(grant, Field::Ticket, "ticketInfo.ticketNumber");
        for path in keys.requestor {
            request.set(grant, Field::RequestedBy, path);
        }
        request.set(grant, Field::RequestedAt, keys.created);
        request.set(grant, Field::Start, "scheduleInfo.startDateTime");
        match end(request, grant.time(Field::Start)) {
            End::Open => {}
            End::Text(text, at) => grant.set(Field::Expires, text, at, false),
            End::At(time, at) => grant.set(Field::Expires, &time_text(time), at, false),
            End::Problem(at, message, help) => {
                grant.problem(Some(Field::Expires), at, message, help)
            }
        }
        if let Some((action, at)) = request.text(keys.action)
            && kind(request) == Some(Kind::Grant)
            && !KNOWN_GRANTS.iter().any(|a| a.eq_ignore_ascii_case(action))
        {
            grant.problem(
                None,
                at,
                format!("`{action}` is not a PIM request action; read as an assignment"),
                "Graph writes adminAssign, selfActivate, adminRenew, selfRenew, … (see `grantlint explain --source entra-pim`)",
            );
        }
        // A request that never became access is only counted: its approval is not asked for.
        if granted(request) {
            for decision in self.decisions(request, grant, true) {
                grant.approve(decision);
            }
        }
        for extension in extensions {
            let recorded = self.extension(*extension, grant);
            grant.extensions.push(recorded);
        }
        if let Some((ended, at)) = self.deactivation(request, grant.time(Field::Start)) {
            grant.set(Field::EndedAt, ended, at, false);
        }
        let expires = grant.time(Field::Expires).max(grant.extended_until());
        let (lifecycle, at) = match request.text("status") {
            Some((status, at)) => match lifecycle(status) {
                Some(Lifecycle::Active) => (Lifecycle::approved(expires, native.now), at),
                Some(other) => (other, at),
                None => {
                    grant.problem(
                        Some(Field::Status),
                        at,
                        format!("`{status}` is not a PIM request status"),
                        "expected Provisioned, Granted, Revoked, Denied, Canceled, PendingApproval, …",
                    );
                    (Lifecycle::Active, at)
                }
            },
            None => (Lifecycle::approved(expires, native.now), item.span()),
        };
        out.finish(lifecycle, at);
    }

    /// An active assignment (`roleAssignmentScheduleInstances`): access from `startDateTime`
    /// to `endDateTime`, however it was given.
    fn instance(&mut self, instance: Record<'a>, item: Record<'a>, out: &mut Out) {
        self.instances += 1;
        self.first_instance.get_or_insert(item.span());
        let grant = out.start(item.span());
        item.set_declared(grant, &self.native.mapping.fields);
        identify(instance, item, grant);
        principal(instance, grant);
        role(instance, grant, self.native);
        tenant(instance, grant);
        instance.set(grant, Field::Start, "startDateTime");
        instance.set(grant, Field::Expires, "endDateTime");
        for field in [Field::Reason, Field::Ticket, Field::Approver] {
            grant.mark_unexported(field);
        }
        let lifecycle = Lifecycle::approved(grant.time(Field::Expires), self.native.now);
        let at = instance
            .text("assignmentType")
            .map_or(item.span(), |(_, at)| at);
        out.finish(lifecycle, at);
    }

    /// The approving decisions of a request's approval, placed where they are written: in
    /// this file, or at the request's `approvalId` for an approval from another input. A
    /// request whose approval no input holds is marked, and the file says so once.
    /// `whole`: the request is the grant's own, so an approval that no input holds leaves the
    /// grant's approver unknown (one finding for the file says so).
    fn decisions(&mut self, request: Record, grant: &mut Grant, whole: bool) -> Vec<Approval> {
        let Some((id, id_at)) = request.text("approvalId") else {
            return Vec::new(); // no approval was asked for: approver-named says so
        };
        let (decisions, here) = match self.local.get(id) {
            Some(decisions) => (decisions, true),
            None => match self.native.related.entra_approvals.get(id) {
                Some(decisions) => (decisions, false),
                None if !whole => return Vec::new(),
                None => {
                    grant.mark_unexported(Field::Approver);
                    self.unjoined += 1;
                    let arm = std::ptr::eq(keys(request), &ARM);
                    self.first_unjoined
                        .get_or_insert((id.to_string(), id_at, arm));
                    return Vec::new();
                }
            },
        };
        let place = |at: Span| if here { at } else { id_at };
        let principal = request
            .text("principalId")
            .map(|(p, _)| p.to_ascii_lowercase());
        decisions
            .iter()
            .map(|d| {
                // The grantee's own id approving is the grantee, however it is written.
                let own = d.reviewer_id.is_some() && d.reviewer_id == principal;
                let name = match grant.text(Field::Grantee) {
                    Some(grantee) if own => grantee.to_string(),
                    _ => d.reviewer.0.clone(),
                };
                Approval {
                    approver: (name, place(d.reviewer.1)),
                    at: d.at.map(|(t, at)| (t, place(at))),
                    reason: d.reason.as_ref().map(|(r, at)| (r.clone(), place(*at))),
                }
            })
            .collect()
    }

    /// An extension request, as an extension of `grant`.
    fn extension(&mut self, request: Record, grant: &mut Grant) -> Extension {
        let start = begins(request);
        let until = match end(request, start) {
            End::Text(text, at) => match parse_time(text) {
                Ok(time) => Some((time, at)),
                Err(why) => {
                    let message = format!("extension end `{text}` is not a time: {why}");
                    grant.problem(None, at, message, "Graph writes times as RFC 3339");
                    None
                }
            },
            End::At(time, at) => Some((time, at)),
            End::Open => None,
            End::Problem(at, message, help) => {
                grant.problem(None, at, message, help);
                None
            }
        };
        // An extension's missing approval is the extension's: its own finding says so, and
        // the grant's own approvals are still judged.
        let mut approvals = self.decisions(request, grant, false).into_iter();
        let first = approvals.next();
        Extension {
            span: request.span(),
            until,
            reason: request
                .text("justification")
                .map(|(t, at)| (t.to_string(), at)),
            approver: first.as_ref().map(|a| a.approver.clone()),
            approved_at: first.and_then(|a| a.at),
        }
    }

    /// The first deactivation of the same assignment after the activation began.
    fn deactivation(
        &self,
        request: Record<'a>,
        start: Option<DateTime<Utc>>,
    ) -> Option<(&'a str, Span)> {
        let start = start?;
        self.removals
            .get(&assignment(request))?
            .iter()
            .filter_map(|r| r.text(keys(*r).created))
            .filter(|(t, _)| parse_time(t).is_ok_and(|t| t >= start))
            .min_by_key(|(t, _)| parse_time(t).ok())
    }

    /// What this file's export cannot say, once.
    fn gaps(self, out: &mut Out) {
        if let Some((id, at, arm)) = self.first_unjoined {
            let n = self.unjoined;
            let given = !self.local.is_empty() || !self.native.related.entra_approvals.is_empty();
            let (message, help) = if arm {
                (
                    format!(
                        "this Azure Resource Manager export cannot say who approved: {n} request(s) here went through approval (`approvalId`); approver-named and self-approval are not checked for them"
                    ),
                    "Azure keeps who approved in PIM's approvals (Microsoft.Authorization roleAssignmentApprovals), which grantlint does not read yet: check them in PIM's audit history".to_string(),
                )
            } else if given {
                (
                    format!(
                        "the approvals given hold no approval for {n} request(s) here (the first: approval `{id}`), so who approved them is unknown; approver-named and self-approval are not checked for them"
                    ),
                    "export the approval of every request that has an approvalId (GET /beta/roleManagement/directory/roleAssignmentApprovals/{approvalId}) and give that file in the same run".to_string(),
                )
            } else {
                (
                    format!(
                        "this requests export cannot say who approved: {n} request(s) here went through approval (`approvalId`), and the approvers are in the approvals resource; approver-named and self-approval are not checked for them"
                    ),
                    "export the approvals too (GET https://graph.microsoft.com/beta/roleManagement/directory/roleAssignmentApprovals/{approvalId} for each request, saved as one JSON list) and give that file in the same run; see `grantlint explain --source entra-pim`".to_string(),
                )
            };
            out.gaps.push(Gap {
                field: Field::Approver,
                span: at,
                message,
                help,
            });
        }
        if let Some(at) = self.first_instance {
            let n = self.instances;
            let requests = "lint the requests export (GET /v1.0/roleManagement/directory/roleAssignmentScheduleRequests) for them";
            for (field, what) in [
                (Field::Reason, "why access was needed (no justification)"),
                (Field::Ticket, "which ticket the access was for"),
                (Field::Approver, "who approved"),
            ] {
                out.gaps.push(Gap {
                    field,
                    span: at,
                    message: format!(
                        "roleAssignmentScheduleInstances cannot say {what}: not checked for its {n} instance(s)"
                    ),
                    help: requests.to_string(),
                });
            }
        }
    }
}

/// The actions of requests that give access of their own.
const KNOWN_GRANTS: &[&str] = &["adminAssign", "selfActivate", "adminRenew", "selfRenew"];

/// Who receives the access: with `$expand=principal`, a person's sign-in name, or a group's
/// or service principal's name and that it is not a person; else the principal's GUID.
fn principal(record: Record, grant: &mut Grant) {
    let keys = keys(record);
    let expanded = record.record(keys.principal);
    // Graph: `@odata.type` of the expanded principal; ARM: `principalType`.
    let kind = expanded
        .and_then(|p| key(p, "@odata.type"))
        .or_else(|| record.text("principalType"))
        .or_else(|| expanded.and_then(|p| p.text("type")));
    let account = kind.and_then(|(t, at)| {
        let t = t.trim_start_matches('#').to_ascii_lowercase();
        match t.strip_prefix("microsoft.graph.").unwrap_or(&t) {
            "group" | "foreigngroup" => Some(("group", at)),
            "serviceprincipal" => Some(("service", at)),
            _ => None,
        }
    });
    if let Some((account, at)) = account {
        grant.set(Field::AccountType, account, at, false);
    }
    if let Some(principal) = expanded {
        if account.is_none() {
            principal.set(grant, Field::Grantee, "userPrincipalName");
            principal.set(grant, Field::Grantee, "email");
        }
        principal.set(grant, Field::Grantee, "displayName");
    }
    record.set(grant, Field::Grantee, "principalId");
}

/// The id: Graph's `id`; an ARM request's `name` (its GUID), else its resource `id`.
fn identify(record: Record, item: Record, grant: &mut Grant) {
    if std::ptr::eq(keys(record), &ARM) {
        item.set(grant, Field::Id, "name");
        item.set(grant, Field::Id, "id");
    }
    record.set(grant, Field::Id, "id");
}

/// A key of a JSON object taken whole: `@odata.type` has a dot in it.
fn key<'a>(record: Record<'a>, name: &str) -> Option<(&'a str, Span)> {
    let Value::Map(entries) = &record.node.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.value.as_scalar() == Some(name))
        .and_then(|(_, v)| Some((v.value.as_scalar()?.trim(), record.span_of(v))))
        .filter(|(t, _)| !t.is_empty())
}

fn role(record: Record, grant: &mut Grant, native: &Native) {
    record.set(grant, Field::Role, keys(record).role_name);
    if let Some((id, at)) = record.text("roleDefinitionId") {
        // ARM writes the role's resource id: `…/roleDefinitions/{GUID}`.
        let guid = id.rsplit('/').next().unwrap_or(id);
        grant.set(Field::Role, role_name(guid, native), at, false);
    }
}

/// The scope as a tenant: the whole directory is a wildcard, not a customer's tenant.
fn tenant(record: Record, grant: &mut Grant) {
    let keys = keys(record);
    match record.text(keys.scope) {
        Some(("/", at)) => grant.set(Field::Tenant, WHOLE_DIRECTORY, at, false),
        Some(_) => {
            record.set(grant, Field::Tenant, keys.scope_name);
            record.set(grant, Field::Tenant, keys.scope);
        }
        None => {}
    }
}

/// The role's name: expanded, built in, or from the policy's mapping; else the GUID itself.
fn role_name<'a>(id: &'a str, native: &'a Native) -> &'a str {
    known_role(id, native.mapping).unwrap_or(id)
}

/// A role id's name from the policy's mapping, else a built-in role's; `None` when unknown.
/// Also what configuration (`crate::config`) names a role management policy's role by.
pub fn known_role<'a>(id: &str, mapping: &'a Mapping) -> Option<&'a str> {
    let lower = id.to_ascii_lowercase();
    mapping.role(&lower).or_else(|| {
        BUILT_IN_ROLES
            .iter()
            .find(|(guid, _)| *guid == lower)
            .map(|(_, name)| *name)
    })
}

/// When a request's schedule ends.
enum End<'a> {
    Open,
    Text(&'a str, Span),
    At(DateTime<Utc>, Span),
    Problem(Span, String, &'static str),
}

fn end<'a>(request: Record<'a>, start: Option<DateTime<Utc>>) -> End<'a> {
    let end_time = || {
        request
            .text("scheduleInfo.expiration.endDateTime")
            .map_or(End::Open, |(t, at)| End::Text(t, at))
    };
    let Some((kind, at)) = request.text("scheduleInfo.expiration.type") else {
        return end_time();
    };
    match kind.to_ascii_lowercase().as_str() {
        // notSpecified: "no expiration schedule was specified"; an end, if any, still holds.
        "afterdatetime" | "notspecified" => end_time(),
        "afterduration" => match request.text("scheduleInfo.expiration.duration") {
            Some((duration, at)) => match (start, parse_duration(duration)) {
                (Some(start), Ok(length)) => match start.checked_add_signed(length) {
                    Some(expires) => End::At(expires, at),
                    None => End::Problem(
                        at,
                        "the duration is out of range".into(),
                        "check the requested duration",
                    ),
                },
                (_, Err(why)) => End::Problem(
                    at,
                    format!("duration `{duration}`: {why}"),
                    "the expiry is the start plus this duration; fix the duration",
                ),
                (None, Ok(_)) => End::Open,
            },
            None => End::Problem(
                at,
                "afterDuration without a `duration`".into(),
                "Graph writes the duration as ISO 8601, e.g. PT4H",
            ),
        },
        "noexpiration" => End::Open,
        _ => End::Problem(
            at,
            format!("`{kind}` is not an expiration type"),
            "expected noExpiration, afterDateTime, afterDuration or notSpecified",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    fn request(id: &str, role: &str, expiration: &str, status: &str) -> String {
        format!(
            r#"{{"id": "{id}", "action": "selfActivate", "status": "{status}", "principalId": "p1",
"roleDefinitionId": "{role}", "directoryScopeId": "/",
"scheduleInfo": {{"startDateTime": "2026-11-23T10:00:00Z", "expiration": {expiration}}}}}"#
        )
    }

    #[test]
    fn every_status_and_action_has_a_meaning() {
        use super::super::Lifecycle::*;
        use super::{Kind, kind, lifecycle};
        for (status, expected) in [
            ("Provisioned", Active),
            ("Granted", Active),
            ("ScheduleCreated", Active),
            ("Revoked", Revoked),
            ("PendingRevocation", Revoked),
            ("Denied", Denied),
            ("Canceled", Pending),
            ("Failed", Pending),
            ("PendingApproval", Pending),
            ("PendingApprovalProvisioning", Pending),
            ("PendingAdminDecision", Pending),
            ("PendingExternalProvisioning", Pending),
            ("PendingProvisioning", Pending),
            ("PendingScheduleCreation", Pending),
            // Azure Resource Manager's own.
            ("AdminApproved", Active),
            ("AdminDenied", Denied),
            ("Accepted", Pending),
            ("PendingEvaluation", Pending),
            ("ProvisioningStarted", Pending),
            ("TimedOut", Pending),
            ("FailedAsResourceIsLocked", Pending),
            ("Invalid", Pending),
        ] {
            assert_eq!(lifecycle(status), Some(expected), "{status}");
        }
        assert_eq!(lifecycle("Approved"), None);
        for (action, expected) in [
            ("adminAssign", Kind::Grant),
            ("selfActivate", Kind::Grant),
            ("adminRenew", Kind::Grant),
            ("selfRenew", Kind::Grant),
            ("unknownFutureValue", Kind::Grant),
            ("adminRemove", Kind::Removal),
            ("selfDeactivate", Kind::Removal),
            ("adminExtend", Kind::Extension),
            ("selfExtend", Kind::Extension),
            ("adminUpdate", Kind::Extension),
        ] {
            let text = format!(r#"{{"action": "{action}", "principalId": "p"}}"#);
            let node = crate::load::adapters::record::parse(&text, "t").unwrap();
            let record = crate::load::adapters::record::Record::new(&node);
            assert_eq!(kind(record), Some(expected), "{action}");
            // ARM writes the same actions as `requestType`, capitalised.
            let capital = format!("{}{}", action[..1].to_uppercase(), &action[1..]);
            let text = format!(r#"{{"requestType": "{capital}", "principalId": "p"}}"#);
            let node = crate::load::adapters::record::parse(&text, "t").unwrap();
            let record = crate::load::adapters::record::Record::new(&node);
            assert_eq!(kind(record), Some(expected), "{capital}");
        }
    }

    #[test]
    fn principals_and_every_approving_step_are_read() {
        let text = r##"{"value": [
{"id": "r1", "status": "Provisioned", "action": "selfActivate", "approvalId": "A1",
 "principalId": "g1", "roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1", "directoryScopeId": "/",
 "principal": {"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Tier-2 Support Engineers"},
 "scheduleInfo": {"startDateTime": "2026-11-23T10:00:00Z", "expiration": {"type": "afterDuration", "duration": "PT1H"}}},
{"id": "r2", "status": "Provisioned", "action": "selfActivate", "principalId": "s1",
 "roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1", "directoryScopeId": "/administrativeUnits/x",
 "principal": {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "s1", "displayName": "Contoso Sync Agent", "appId": "a"},
 "scheduleInfo": {"startDateTime": "2026-11-23T10:00:00Z", "expiration": {"type": "afterDuration", "duration": "PT1H"}}},
{"id": "a1", "steps": [
 {"reviewResult": "Approved", "reviewedDateTime": "2026-11-23T09:50:00Z", "justification": "ok",
  "reviewedBy": [{"id": "u1", "displayName": "Ravi Patel", "userPrincipalName": "ravi@contoso.com"}]},
 {"reviewResult": "Denied", "reviewedBy": [{"id": "u3", "displayName": "Sam Roe"}]},
 {"reviewResult": "Approved", "reviewedDateTime": "2026-11-23T09:55:00Z",
  "reviewedBy": {"id": "u2", "displayName": "Priya Shah"}}]}
]}"##;
        let mut grants = Vec::new();
        let mut sink = |g: &crate::grant::Grant| grants.push(g.clone());
        let mut out = super::super::Out::new(&mut sink);
        super::super::with_native(&Mapping::default(), |native| {
            super::load(text, native, &mut out).unwrap()
        });
        assert!(out.gaps.is_empty(), "{:?}", out.gaps);
        assert_eq!(grants.len(), 2);
        let group = &grants[0];
        assert_eq!(group.text(Grantee), Some("Tier-2 Support Engineers"));
        assert_eq!(group.text(AccountType), Some("group"));
        assert_eq!(group.text(Tenant), Some("* (the whole directory)"));
        let mut approvers = Vec::new();
        group.each_approver(|a, _| approvers.push(a.unwrap().to_string()));
        assert_eq!(approvers, ["ravi@contoso.com", "Priya Shah"]);
        // The latest approving step: access was approved when it landed.
        assert_eq!(group.text(ApprovedAt), Some("2026-11-23T09:55:00Z"));
        let service = &grants[1];
        assert_eq!(service.text(Grantee), Some("Contoso Sync Agent"));
        assert_eq!(service.text(AccountType), Some("service"));
        assert_eq!(service.text(Tenant), Some("/administrativeUnits/x"));
    }

    #[test]
    fn expiration_types_and_role_names() {
        let text = format!(
            "{{\"value\": [{}, {}, {}, {}, {}]}}",
            request(
                "a",
                "62E90394-69F5-4237-9190-012177145E10",
                r#"{"type": "afterDuration", "duration": "PT4H"}"#,
                "Provisioned"
            ),
            request("b", "custom-1", r#"{"type": "noExpiration"}"#, "Granted"),
            request(
                "c",
                "unknown-2",
                r#"{"type": "afterDateTime", "endDateTime": "2026-11-23T11:30:00Z"}"#,
                "Revoked"
            ),
            request(
                "d",
                "custom-1",
                r#"{"type": "noExpiration"}"#,
                "PendingApproval"
            ),
            r#"{"id": "e", "action": "selfDeactivate", "principalId": "p1", "roleDefinitionId": "unknown-2", "directoryScopeId": "/", "createdDateTime": "2026-11-23T11:00:00Z"}"#,
        );
        let policy: crate::core::node::Node =
            crate::core::node::parse("roles: {CUSTOM-1: Tenant Support Operator}").unwrap();
        let mut mapping = Mapping::default();
        let source = crate::core::source::Source {
            name: "p".into(),
            text: "".into(),
        };
        mapping.add_layer(&source, &policy, &mut Vec::new());
        let (grants, skipped) = read(Source::EntraPim, &text, &mapping);
        assert_eq!((grants.len(), skipped), (3, 2));
        assert_eq!(
            field(&grants[0], Role).map(|f| f.0),
            Some("Global Administrator")
        );
        assert_eq!(
            field(&grants[0], Expires).map(|f| f.0),
            Some("2026-11-23T14:00:00Z")
        );
        assert_eq!(field(&grants[0], Status).map(|f| f.0), Some("expired"));
        assert_eq!(
            field(&grants[1], Role).map(|f| f.0),
            Some("Tenant Support Operator")
        );
        assert_eq!(field(&grants[1], Expires), None, "noExpiration");
        assert_eq!(field(&grants[1], Status).map(|f| f.0), Some("active"));
        assert_eq!(field(&grants[2], Role).map(|f| f.0), Some("unknown-2"));
        assert_eq!(
            field(&grants[2], Expires).map(|f| f.0),
            Some("2026-11-23T11:30:00Z")
        );
        assert_eq!(
            field(&grants[2], EndedAt).map(|f| f.0),
            Some("2026-11-23T11:00:00Z")
        );
        assert_eq!(field(&grants[2], Status).map(|f| f.0), Some("revoked"));
        assert_eq!(field(&grants[0], Grantee), Some(("p1", 1, 90)));
    }
}
