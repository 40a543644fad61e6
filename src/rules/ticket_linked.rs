use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::Params;

declare_rule! {
    /// ## What it checks
    /// The grant links a `ticket` (or case, issue key).
    ///
    /// ## Why
    /// Every emergency grant should be tied to one ticket or case, so a reviewer can see who
    /// asked, what broke and how it was closed without asking around in chat.
    ///
    /// ## Fails
    /// ```yaml
    /// id: SUP-7
    /// # no ticket
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// ticket: CS-4411
    /// ```
    TicketLinked, "ticket-linked", "no ticket or case is linked"
}

pub struct TicketLinked;

impl TicketLinked {
    fn build(_: &mut Params) -> TicketLinked {
        TicketLinked
    }
}

impl Rule for TicketLinked {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        if grant.text(Field::Ticket).is_none() {
            out.push(Violation::new(
                Some(Field::Ticket),
                grant.span,
                "no ticket or case linked".into(),
                "link the ticket or case the access was for",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Id, Ticket};
    use crate::rules::testing::*;

    #[test]
    fn a_ticket_is_expected() {
        let rule = rule("ticket-linked", "{}");
        assert!(check(&*rule, &grant(&[(Ticket, "CS-4411")])).is_empty());
        assert_eq!(
            check(&*rule, &grant(&[(Id, "1")])),
            ["no ticket or case linked"]
        );
    }
}
