//! Terraform source (`.tf`, HCL through `hcl-edit`): each `resource` block of a type grantlint
//! reads is rewritten as the JSON a plan would hold for it (snake_case keys, nested blocks as
//! lists), one token a line, with the place in the `.tf` file of the token on each line. The
//! resource's checks then run on that JSON as on a plan's, and every place they report is
//! taken back to the `.tf` file, so a finding points at the attribute's line there. A value
//! written from an expression (a variable, a call, a template, a `dynamic` block's list) is
//! known only in a plan: it stands as its source text, and its line is kept in
//! [`Resource::expressions`], so that a check reading it says so (`config::Resource::written_out`)
//! instead of judging the text.

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

use super::Object;
use crate::core::span::Span;
use crate::load::InputError;

/// One resource of the wanted type: its address, its values as JSON, and for each line of
/// that JSON the place in the `.tf` file it stands for.
pub struct Resource {
    /// Its type, one of those asked for.
    pub kind: &'static str,
    pub address: String,
    pub json: String,
    places: Vec<Span>,
    /// The JSON lines (from 1, ascending) of values and object keys written from expressions
    /// (a variable, a call, a template…): their text is not the value, which only a plan
    /// knows.
    pub expressions: Vec<u32>,
}

impl Resource {
    /// The place in the `.tf` file of a place in the JSON.
    pub fn place(&self, at: Span) -> Span {
        let line = (at.line as usize).saturating_sub(1);
        self.places.get(line).copied().unwrap_or(at)
    }

    /// Takes every place of an object read from the JSON back to the `.tf` file.
    pub fn place_object(&self, object: &mut Object) {
        object.span = self.place(object.span);
        for (_, _, at) in object.fields.iter_mut().chain(&mut object.unwritten) {
            *at = self.place(*at);
        }
        for probe in &mut object.probes {
            probe.at = self.place(probe.at);
        }
    }

    /// An error about the JSON, at its place in the `.tf` file.
    pub fn place_error(&self, error: InputError, text: &str) -> InputError {
        let mut moved = InputError::new(&error.file, error.message);
        if let Some(help) = error.help {
            moved = moved.help(help);
        }
        match error.location {
            Some(at) => moved.at(self.place(at), Some(&std::sync::Arc::from(text))),
            None => moved,
        }
    }
}

/// The resources of the types `kinds` in a `.tf` file, in the file's order.
pub fn resources(
    text: &str,
    file: &str,
    kinds: &[&'static str],
) -> Result<Vec<Resource>, InputError> {
    let body = hcl_edit::parser::parse_body(text).map_err(|e| {
        let location = e.location();
        let at = Lines::new(text).span(location.offset(), 1);
        InputError::new(file, format!("not HCL: {}", e.message()))
            .help("fix the Terraform syntax at this place")
            .at(at, Some(&std::sync::Arc::from(text)))
    })?;
    let lines = Lines::new(text);
    let roles = role_definitions(&body);
    let mut found = Vec::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        let kind = labels.first().and_then(|l| kinds.iter().find(|k| *k == l));
        let (Some(kind), "resource") = (kind, block.ident.as_str()) else {
            continue;
        };
        let mut json = Json {
            text: String::new(),
            places: Vec::new(),
            lines: &lines,
            source: text,
            roles: &roles,
            expressions: Vec::new(),
        };
        let at = lines.of(block.span());
        json.body(&block.body, at);
        found.push(Resource {
            kind,
            address: format!("{kind}.{}", labels.get(1).copied().unwrap_or("?")),
            json: json.text,
            places: json.places,
            expressions: json.expressions,
        });
    }
    Ok(found)
}

/// The `data "azurerm_role_definition"` blocks of a file that name their role with a literal
/// (`name = "Owner"`, else `role_definition_id`): a policy's `role_definition_id` that refers
/// to one (`data.azurerm_role_definition.owner.id`) stands for that role, as the azurerm
/// documentation's own example writes it. (reference, role) pairs.
fn role_definitions(body: &Body) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        let ("data", ["azurerm_role_definition", label]) = (block.ident.as_str(), &labels[..])
        else {
            continue;
        };
        let literal = |key: &str| {
            block
                .body
                .attributes()
                .find(|a| a.key.as_str() == key)
                .and_then(|a| match &a.value {
                    Expression::String(s) => Some(s.as_str().to_string()),
                    _ => None,
                })
        };
        if let Some(role) = literal("name").or_else(|| literal("role_definition_id")) {
            found.push((format!("data.azurerm_role_definition.{label}"), role));
        }
    }
    found
}

/// Line starts of a text, to turn byte offsets into lines and columns.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    fn span(&self, offset: usize, len: usize) -> Span {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |before| before.chars().count() + 1);
        Span {
            line: line as u32,
            column: column as u32,
            offset,
            len,
        }
    }

    fn of(&self, range: Option<std::ops::Range<usize>>) -> Span {
        range.map_or_else(Span::default, |r| self.span(r.start, r.len()))
    }
}

/// The JSON being written, one token a line, and the `.tf` place of each line.
struct Json<'l, 't> {
    text: String,
    places: Vec<Span>,
    lines: &'l Lines<'t>,
    source: &'t str,
    roles: &'l [(String, String)],
    expressions: Vec<u32>,
}

impl Json<'_, '_> {
    fn line(&mut self, token: &str, at: Span) {
        self.text.push_str(token);
        self.text.push('\n');
        self.places.push(at);
    }

    /// The next line, written from an expression: its text stands for a value known only in
    /// a plan.
    fn expression_line(&mut self, token: &str, at: Span) {
        self.expressions.push(self.places.len() as u32 + 1);
        self.line(token, at);
    }

    /// A body: its attributes, and its blocks gathered by name into lists, in the order
    /// they first appear.
    fn body(&mut self, body: &Body, at: Span) {
        self.line("{", at);
        let mut names: Vec<&str> = Vec::new();
        for structure in body.iter() {
            let name = match structure {
                Structure::Attribute(a) => a.key.as_str(),
                Structure::Block(b) => dynamic(b).map_or(b.ident.as_str(), |(name, _)| name),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        for (i, name) in names.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let key = format!("{comma}{}:", quoted(name));
            let blocks: Vec<_> = body
                .blocks()
                .filter(|b| b.ident.as_str() == *name && dynamic(b).is_none())
                .collect();
            // A `dynamic` block's items are known only in a plan: the whole list stands as an
            // expression, which a check that reads it says it cannot read.
            if let Some((block, label)) = body
                .blocks()
                .find_map(|b| dynamic(b).filter(|(n, _)| n == name).map(|(_, l)| (b, l)))
            {
                self.line(&key, self.lines.of(block.ident.span()));
                let text = format!("dynamic {}", quoted(name));
                self.expression_line(&quoted(&text), self.lines.of(label));
            } else if let Some(first) = blocks.first() {
                self.line(&key, self.lines.of(first.ident.span()));
                self.line("[", self.lines.of(first.span()));
                for (j, block) in blocks.iter().enumerate() {
                    if j > 0 {
                        self.line(",", self.lines.of(block.span()));
                    }
                    self.body(&block.body, self.lines.of(block.span()));
                }
                self.line("]", self.lines.of(first.span()));
            } else if let Some(attribute) = body.attributes().find(|a| a.key.as_str() == *name) {
                self.line(&key, self.lines.of(attribute.key.span()));
                self.expression(&attribute.value);
            }
        }
        self.line("}", at);
    }

    fn expression(&mut self, expression: &Expression) {
        let at = self.lines.of(expression.span());
        match expression {
            Expression::Null(_) => self.line("null", at),
            Expression::Bool(b) => self.line(if *b.value() { "true" } else { "false" }, at),
            Expression::String(s) => self.line(&quoted(s.as_str()), at),
            Expression::Number(n) => self.line(&quoted(&n.value().to_string()), at),
            Expression::Array(items) => {
                self.line("[", at);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.line(",", at);
                    }
                    self.expression(item);
                }
                self.line("]", at);
            }
            Expression::Object(object) => {
                self.line("{", at);
                for (i, (key, value)) in object.iter().enumerate() {
                    let name = match key {
                        ObjectKey::Ident(ident) => Ok(ident.as_str().to_string()),
                        ObjectKey::Expression(Expression::String(s)) => Ok(s.as_str().to_string()),
                        ObjectKey::Expression(other) => Err(self.source_of(other)),
                    };
                    let comma = if i == 0 { "" } else { "," };
                    let key_at = self.lines.of(key.span());
                    match name {
                        Ok(name) => self.line(&format!("{comma}{}:", quoted(&name)), key_at),
                        Err(source) => {
                            self.expression_line(&format!("{comma}{}:", quoted(&source)), key_at)
                        }
                    }
                    self.expression(value.expr());
                }
                self.line("}", at);
            }
            // A template of literal parts alone (a heredoc without `${…}`) is its text.
            Expression::StringTemplate(t) if t.iter().all(|e| e.is_literal()) => {
                self.line(&quoted(&literal_text(t)), at)
            }
            Expression::HeredocTemplate(h) if h.template.iter().all(|e| e.is_literal()) => {
                self.line(&quoted(&literal_text(&h.template)), at)
            }
            // A reference, a call or a template is known only when planned: its source text
            // stands for it, recorded as an expression, and a check that reads it says it
            // cannot.
            other => {
                let source = self.source_of(other);
                let role = self.roles.iter().find(|(reference, _)| {
                    source
                        .strip_prefix(reference.as_str())
                        .is_some_and(|a| a == ".id" || a == ".role_definition_id")
                });
                match role {
                    Some((_, role)) => self.line(&quoted(role), at),
                    None => self.expression_line(&quoted(&source), at),
                }
            }
        }
    }

    fn source_of(&self, expression: &Expression) -> String {
        expression
            .span()
            .and_then(|r| self.source.get(r))
            .unwrap_or("?")
            .to_string()
    }
}

/// The name of the blocks a `dynamic "NAME"` block writes, and the label's place.
fn dynamic(block: &Block) -> Option<(&str, Option<std::ops::Range<usize>>)> {
    if block.ident.as_str() != "dynamic" {
        return None;
    }
    let label = block.labels.first()?;
    let at = match label {
        BlockLabel::Ident(ident) => ident.span(),
        BlockLabel::String(string) => string.span(),
    };
    Some((label.as_str(), at))
}

/// The text of a template whose elements are all literal.
fn literal_text(template: &hcl_edit::template::Template) -> String {
    template
        .iter()
        .filter_map(|e| match e {
            hcl_edit::template::Element::Literal(l) => Some(l.as_str()),
            _ => None,
        })
        .collect()
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"?\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_becomes_plan_json_with_each_line_placed_in_the_tf_file() {
        let tf = "resource \"google_privileged_access_manager_entitlement\" \"e\" {\n  max_request_duration = \"86400s\"\n  requester_justification_config {\n    not_mandatory {}\n  }\n}\n";
        let found = resources(
            tf,
            "main.tf",
            &["google_privileged_access_manager_entitlement"],
        )
        .unwrap();
        assert_eq!(found.len(), 1);
        let r = &found[0];
        assert_eq!(r.address, "google_privileged_access_manager_entitlement.e");
        let value: serde_json::Value = serde_json::from_str(&r.json).unwrap();
        assert_eq!(value["max_request_duration"], "86400s");
        assert!(value["requester_justification_config"][0]["not_mandatory"][0].is_object());
        // The JSON's line of the duration's value stands for its place in the .tf file.
        let line = r.json.lines().position(|l| l == "\"86400s\"").unwrap();
        let at = r.place(Span {
            line: line as u32 + 1,
            ..Span::default()
        });
        assert_eq!((at.line, at.column), (2, 26));
    }
}
