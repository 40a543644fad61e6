//! `compare:` conditions of custom rules: a comparison of times, durations or numbers, each
//! side a field or a value, optionally plus or minus another.
//!
//! ```yaml
//! require: {compare: "ended_at <= ticket_closed + 15m"}
//! require: {compare: "expires - start <= 4h"}
//! when:    {compare: "risk_score >= 7"}
//! require: {compare: "last_reviewed >= now - 90d"}
//! ```
//!
//! `now` is the time of the run (`--now`, else the clock), so a rule can judge a date
//! against today (`when: {compare: "now >= 2027-01-01"}`: a rule in force from a date).
//! Words are separated by spaces. A time plus or minus a duration is a time; a time minus a
//! time is a duration; numbers add to numbers and durations to durations. Both sides must
//! come out the same kind. A comparison with a missing or unreadable value does not hold.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::time::{parse_duration, parse_time};
use crate::grant::Grant;
use crate::grant::declared::{Declarations, FieldRef, Kind, Typed};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Less,
    AtMost,
    More,
    AtLeast,
    Equal,
    NotEqual,
}

const OPS: [(&str, Op); 6] = [
    ("<", Op::Less),
    ("<=", Op::AtMost),
    (">", Op::More),
    (">=", Op::AtLeast),
    ("==", Op::Equal),
    ("!=", Op::NotEqual),
];

/// What a side of a comparison comes out as.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ty {
    Time,
    Duration,
    Number,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Time => "a time",
            Ty::Duration => "a duration",
            Ty::Number => "a number",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Val {
    Time(DateTime<Utc>),
    Duration(TimeDelta),
    Number(f64),
}

#[derive(Debug)]
enum Term {
    Field(FieldRef),
    Value(Val),
    /// The time of the run.
    Now,
}

/// One side: a term, or a term plus or minus another.
#[derive(Debug)]
struct Side {
    first: Term,
    then: Option<(bool, Term)>,
}

/// A parsed `compare:`, with its text for `explain`.
#[derive(Debug)]
pub struct Comparison {
    left: Side,
    op: Op,
    right: Side,
    text: String,
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text)
    }
}

impl Comparison {
    /// Reads `text`, or says what is wrong with it and how to write it.
    pub fn parse(text: &str, fields: &Declarations) -> Result<Comparison, (String, String)> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let help = "write e.g. \"ended_at <= ticket_closed + 15m\", with spaces between the words";
        let ops: Vec<usize> = words
            .iter()
            .enumerate()
            .filter(|(_, w)| OPS.iter().any(|(o, _)| o == *w))
            .map(|(i, _)| i)
            .collect();
        let [at] = ops.as_slice() else {
            return Err((
                format!(
                    "`{text}` needs one comparison: <, <=, >, >=, == or !=, found {}",
                    ops.len()
                ),
                help.into(),
            ));
        };
        let op = OPS
            .iter()
            .find(|(o, _)| *o == words[*at])
            .map(|(_, op)| *op)
            .unwrap_or(Op::Equal);
        let (left, lty) = side(&words[..*at], fields, help)?;
        let (right, rty) = side(&words[at + 1..], fields, help)?;
        if lty != rty {
            return Err((
                format!("`{text}` compares {} with {}", lty.name(), rty.name()),
                "both sides must be times, durations or numbers alike".into(),
            ));
        }
        Ok(Comparison {
            left,
            op,
            right,
            text: words.join(" "),
        })
    }

    /// Whether the comparison holds for `grant`, `now` being the time of the run (`None`:
    /// unknown, and a comparison with `now` does not hold).
    pub fn holds(&self, grant: &Grant, now: Option<DateTime<Utc>>) -> bool {
        let (Some(a), Some(b)) = (
            value(&self.left, grant, now),
            value(&self.right, grant, now),
        ) else {
            return false;
        };
        let order = match (a, b) {
            (Val::Time(a), Val::Time(b)) => a.partial_cmp(&b),
            (Val::Duration(a), Val::Duration(b)) => a.partial_cmp(&b),
            (Val::Number(a), Val::Number(b)) => a.partial_cmp(&b),
            _ => None,
        };
        let Some(order) = order else { return false };
        use std::cmp::Ordering::*;
        match self.op {
            Op::Less => order == Less,
            Op::AtMost => order != Greater,
            Op::More => order == Greater,
            Op::AtLeast => order != Less,
            Op::Equal => order == Equal,
            Op::NotEqual => order != Equal,
        }
    }

    /// The fields named, left to right.
    pub fn fields(&self) -> impl Iterator<Item = &FieldRef> {
        [&self.left, &self.right]
            .into_iter()
            .flat_map(|s| [Some(&s.first), s.then.as_ref().map(|(_, t)| t)])
            .flatten()
            .filter_map(|t| match t {
                Term::Field(f) => Some(f),
                Term::Value(_) | Term::Now => None,
            })
    }

    /// The first field named, for where a finding points.
    pub fn first_field(&self) -> Option<&FieldRef> {
        self.fields().next()
    }
}

fn side(words: &[&str], fields: &Declarations, help: &str) -> Result<(Side, Ty), (String, String)> {
    match words {
        [one] => {
            let (first, ty) = term(one, fields)?;
            Ok((Side { first, then: None }, ty))
        }
        [a, sign @ ("+" | "-"), b] => {
            let (first, ta) = term(a, fields)?;
            let (second, tb) = term(b, fields)?;
            let plus = *sign == "+";
            let ty = match (ta, tb, plus) {
                (Ty::Time, Ty::Duration, _) => Ty::Time,
                (Ty::Time, Ty::Time, false) => Ty::Duration,
                (Ty::Duration, Ty::Duration, _) => Ty::Duration,
                (Ty::Number, Ty::Number, _) => Ty::Number,
                _ => {
                    return Err((
                        format!(
                            "cannot {} {} {} {}",
                            if plus { "add" } else { "subtract" },
                            tb.name(),
                            if plus { "to" } else { "from" },
                            ta.name()
                        ),
                        "a time takes a duration added or subtracted; a time minus a time is a duration".into(),
                    ));
                }
            };
            Ok((
                Side {
                    first,
                    then: Some((plus, second)),
                },
                ty,
            ))
        }
        [] => Err(("a side of the comparison is empty".into(), help.into())),
        _ => Err((
            format!(
                "`{}` is not a field or value, nor one plus or minus another",
                words.join(" ")
            ),
            help.into(),
        )),
    }
}

/// A field of a type that compares, or a number, duration or time as written.
fn term(word: &str, fields: &Declarations) -> Result<(Term, Ty), (String, String)> {
    // No field is called `now` (`fields:` refuses the name).
    if word.eq_ignore_ascii_case("now") {
        return Ok((Term::Now, Ty::Time));
    }
    if let Some(field) = fields.resolve(word) {
        let ty = match field.kind() {
            Kind::Time => Ty::Time,
            Kind::Duration => Ty::Duration,
            Kind::Number => Ty::Number,
            other => {
                return Err((
                    format!(
                        "{} is {}, and only times, durations and numbers compare",
                        field.name(),
                        other.name()
                    ),
                    "declare it with `type: time`, `duration` or `number` under `fields:`".into(),
                ));
            }
        };
        return Ok((Term::Field(field), ty));
    }
    if let Ok(n) = word.parse::<f64>()
        && n.is_finite()
    {
        return Ok((Term::Value(Val::Number(n)), Ty::Number));
    }
    if let Ok(d) = parse_duration(word) {
        return Ok((Term::Value(Val::Duration(d)), Ty::Duration));
    }
    if let Ok(t) = parse_time(word) {
        return Ok((Term::Value(Val::Time(t)), Ty::Time));
    }
    let help = crate::core::source::did_you_mean(word, fields.names()).unwrap_or_else(|| {
        "name a time, duration or number field, `now`, or a value such as 15m, 3 or 2026-11-23T10:00:00Z".into()
    });
    Err((format!("`{word}` is neither a field nor a value"), help))
}

fn value(side: &Side, grant: &Grant, now: Option<DateTime<Utc>>) -> Option<Val> {
    let read = |t: &Term| match t {
        Term::Value(v) => Some(*v),
        Term::Now => now.map(Val::Time),
        Term::Field(f) => match f.typed(grant)? {
            Typed::Time(t) => Some(Val::Time(t)),
            Typed::Duration(d) => Some(Val::Duration(d)),
            Typed::Number(n) => Some(Val::Number(n)),
            _ => None,
        },
    };
    let first = read(&side.first)?;
    let Some((plus, term)) = &side.then else {
        return Some(first);
    };
    let second = read(term)?;
    match (first, second, plus) {
        (Val::Time(t), Val::Duration(d), true) => t.checked_add_signed(d).map(Val::Time),
        (Val::Time(t), Val::Duration(d), false) => t.checked_sub_signed(d).map(Val::Time),
        (Val::Time(a), Val::Time(b), false) => Some(Val::Duration(a - b)),
        (Val::Duration(a), Val::Duration(b), true) => a.checked_add(&b).map(Val::Duration),
        (Val::Duration(a), Val::Duration(b), false) => a.checked_sub(&b).map(Val::Duration),
        (Val::Number(a), Val::Number(b), true) => Some(Val::Number(a + b)),
        (Val::Number(a), Val::Number(b), false) => Some(Val::Number(a - b)),
        _ => None,
    }
}
