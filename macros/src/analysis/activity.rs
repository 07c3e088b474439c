//! Varied bindings: those whose value depends on an active parameter.
//!
//! The lowering reads the function once per pass and records, for each binding, either that it
//! receives an active value or which bindings the (not yet active) value it receives reads: the
//! flows. A binding is varied when it is found active, or when a binding it flows from is
//! varied. That is the least fixed point of the flow graph from the bindings found active,
//! reached here by one walk over the graph, however long the chains (a value shifted through
//! 200 locals, one per loop iteration, is one walk, not 200 passes).
//!
//! The lowering then runs again with every varied binding active, and that pass may find a
//! flow the previous one could not see (a construct whose lowering depends on the activity of
//! its parts), so [`crate::lower::lower`] repeats until a pass finds nothing new. Each repeat
//! adds a binding, so it ends; and it stops only at the fixed point, never at a cap.

use std::collections::{HashMap, HashSet};

/// The bindings varied given those assumed active, those found active by a pass, and the flows
/// it recorded (`(target, sources)`: `target` receives a value read from `sources`).
pub(crate) fn varied(
    assumed: &HashSet<usize>,
    found: &HashSet<usize>,
    flows: &[(usize, Vec<usize>)],
) -> HashSet<usize> {
    let mut targets: HashMap<usize, Vec<usize>> = HashMap::new();
    for (target, sources) in flows {
        for source in sources {
            targets.entry(*source).or_default().push(*target);
        }
    }
    let mut varied: HashSet<usize> = assumed.union(found).copied().collect();
    let mut work: Vec<usize> = varied.iter().copied().collect();
    while let Some(binding) = work.pop() {
        for target in targets.get(&binding).into_iter().flatten() {
            if varied.insert(*target) {
                work.push(*target);
            }
        }
    }
    varied
}

#[cfg(test)]
mod tests {
    use super::varied;
    use std::collections::HashSet;

    fn set(ids: &[usize]) -> HashSet<usize> {
        ids.iter().copied().collect()
    }

    #[test]
    fn a_chain_of_any_length_is_closed_in_one_walk() {
        // a_k = a_(k-1) for k in 1..=500, a_0 found active
        let flows: Vec<(usize, Vec<usize>)> = (1..=500).map(|k| (k, vec![k - 1])).collect();
        let result = varied(&HashSet::new(), &set(&[0]), &flows);
        assert_eq!(result, (0..=500).collect());
    }

    #[test]
    fn flows_from_bindings_never_varied_change_nothing() {
        // 2 reads 1, which nothing active reaches; 4 reads 3 and 0, and 0 is active
        let flows = vec![(2, vec![1]), (4, vec![3, 0])];
        assert_eq!(varied(&HashSet::new(), &set(&[0]), &flows), set(&[0, 4]));
    }

    #[test]
    fn assumed_bindings_stay_varied_and_feed_their_flows() {
        let flows = vec![(7, vec![5]), (8, vec![7])];
        assert_eq!(varied(&set(&[5]), &HashSet::new(), &flows), set(&[5, 7, 8]));
    }

    #[test]
    fn cycles_end() {
        // a loop carries s into t and t back into s; x flows into s
        let flows = vec![(1, vec![2]), (2, vec![1]), (1, vec![0])];
        assert_eq!(varied(&HashSet::new(), &set(&[0]), &flows), set(&[0, 1, 2]));
    }
}
