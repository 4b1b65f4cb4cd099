//! A bounded cache of rendered read answers, one per simulator store: the store drops a pass's
//! entry on every change to it, and the cache empties itself when full, so its memory stays
//! bounded however many passes are read.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

use bytes::Bytes;

/// Rendered answers by key, at most [`AnswerCache::CAPACITY`] of them (the map is emptied when
/// it is full: the next reads render again).
#[derive(Clone, Debug)]
pub(crate) struct AnswerCache<K> {
    answers: HashMap<K, Bytes>,
}

impl<K> Default for AnswerCache<K> {
    fn default() -> Self {
        Self {
            answers: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash> AnswerCache<K> {
    /// How many answers are kept at most (each well under a few KiB).
    pub(crate) const CAPACITY: usize = 4096;

    /// The kept answer of `key`, if any.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<Bytes>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.answers.get(key).cloned()
    }

    /// Keep the answer of `key`.
    pub(crate) fn keep(&mut self, key: K, answer: Bytes) {
        if self.answers.len() >= Self::CAPACITY {
            self.answers.clear();
        }
        self.answers.insert(key, answer);
    }

    /// Drop the answer of `key` (its pass changed).
    pub(crate) fn forget<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.answers.remove(key);
    }

    /// Drop every answer.
    pub(crate) fn clear(&mut self) {
        self.answers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_starts_again_and_a_forgotten_answer_is_gone() {
        let mut cache = AnswerCache::default();
        for i in 0..AnswerCache::<usize>::CAPACITY {
            cache.keep(i, Bytes::from(i.to_string()));
        }
        assert_eq!(cache.get(&7), Some(Bytes::from("7")));
        cache.keep(AnswerCache::<usize>::CAPACITY, Bytes::from("last"));
        assert_eq!(cache.get(&7), None, "emptied when full");
        assert_eq!(
            cache.get(&AnswerCache::<usize>::CAPACITY),
            Some(Bytes::from("last"))
        );
        cache.forget(&AnswerCache::<usize>::CAPACITY);
        assert_eq!(cache.get(&AnswerCache::<usize>::CAPACITY), None);
    }
}
