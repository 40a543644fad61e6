//! Answers remembered for the sets rules ask about every grant (a phrase set, a pattern
//! set): the texts asked about (approver, owner, grantee, role) repeat from grant to grant,
//! and looking an answer up costs a fraction of running a regex set over a text, or of
//! normalising it (worth 13% of a run's instructions on the 100k-row CSV; see
//! docs/performance.md). The sets stay plain values: they hold a [`SetId`] and ask
//! [`remembered`].
//!
//! Memory is bounded per thread, whatever the number of sets built: [`TABLES`] tables of
//! [`ANSWERS`] answers each, a set's table chosen by its id. Sets built later (another
//! policy, in a test or a long run) take a table over from an older one, which then answers
//! afresh.

use std::cell::RefCell;
use std::hash::BuildHasher;

/// Which set an answer is for: handed out in order, so one policy's sets, built together,
/// each have a table of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetId(usize);

impl SetId {
    /// An id for a newly built set.
    pub fn next() -> SetId {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        SetId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// Texts longer than this are answered afresh: they are seldom repeated.
const LENGTH: usize = 46;
/// Answers a thread keeps per set: memory stays bounded on an export where every value
/// differs.
pub const ANSWERS: usize = 1024;
/// Tables a thread keeps, each about 48 KB: more than the sets of any one policy.
pub const TABLES: usize = 32;

/// A thread's answers for one set: a table with each text kept in its slot, so a lookup is
/// a hash and one comparison, with no pointer to follow to the text. Two texts that land in
/// one slot take turns in it.
struct Table {
    set: SetId,
    slots: Box<[Answer]>,
}

/// One remembered answer, its text beside it; `len` is the text's length plus one, 0 for
/// an empty slot.
#[derive(Clone, Copy)]
struct Answer {
    len: u8,
    answer: bool,
    text: [u8; LENGTH],
}

const EMPTY: Answer = Answer {
    len: 0,
    answer: false,
    text: [0; LENGTH],
};

thread_local! {
    /// This thread's tables, by set id modulo [`TABLES`]; made when first asked for.
    static THREAD: RefCell<Vec<Option<Table>>> = RefCell::default();
}

/// Set `set`'s answer for `text`, as this thread remembers it, or as `answer` works it out.
pub fn remembered(set: SetId, text: &str, answer: impl FnOnce() -> bool) -> bool {
    if text.len() > LENGTH {
        return answer();
    }
    THREAD.with_borrow_mut(|tables| {
        if tables.is_empty() {
            tables.resize_with(TABLES, || None);
        }
        let table = tables[set.0 % TABLES].get_or_insert_with(|| Table {
            set,
            slots: vec![EMPTY; ANSWERS].into_boxed_slice(),
        });
        if table.set != set {
            // Another set's table: its answers are not this set's.
            table.slots.fill(EMPTY);
            table.set = set;
        }
        let hasher = foldhash::fast::FixedState::default();
        let at = hasher.hash_one(text) as usize % ANSWERS;
        let (slot, len) = (&mut table.slots[at], text.len());
        if usize::from(slot.len) == len + 1 && slot.text[..len] == *text.as_bytes() {
            return slot.answer;
        }
        let known = answer();
        slot.text[..len].copy_from_slice(text.as_bytes());
        (slot.len, slot.answer) = (len as u8 + 1, known);
        known
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_sets_keep_a_bounded_memory_and_their_own_answers() {
        // Three times more sets than tables, asked in turn: each answer is its own set's.
        let sets: Vec<SetId> = (0..3 * TABLES).map(|_| SetId::next()).collect();
        for round in 0..2 {
            for (n, &set) in sets.iter().enumerate() {
                for text in ["Ravi Patel", "Support team", "admin"] {
                    let want = (text.len() + n) % 2 == 0;
                    assert_eq!(remembered(set, text, || want), want, "{round} {n} {text}");
                }
            }
        }
        let kept = THREAD.with_borrow(|tables| tables.iter().flatten().count());
        assert!(kept <= TABLES, "{kept} tables");
    }
}
