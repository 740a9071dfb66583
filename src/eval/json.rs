//! JSON patterns: selector resolution and conditions over a parsed event.
//!
//! A selector denotes a set of nodes, as in JSONPath: `.name` and `[N]` select at most one
//! child, `[*]` and `.*` every child (object member values or array elements), and a step
//! on a node of the wrong kind selects nothing. Absent = the empty set. The top level must be
//! an object; any other top level makes every selector absent (A12).

use super::compile::{CCondition, CStep, CTest};
use super::event::{JsonNode, Scalar};
use super::truth::test_node;

/// Calls `f` on every node `steps` reach from `node`, in document order, until it returns
/// `true`; returns whether it did.
pub(crate) fn any_node<N: JsonNode>(
    node: &N,
    steps: &[CStep],
    f: &mut dyn FnMut(&N) -> bool,
) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return f(node);
    };
    match step {
        CStep::Field(k) => node.get(k).is_some_and(|c| any_node(c, rest, f)),
        CStep::Index(i) => node.index(*i).is_some_and(|c| any_node(c, rest, f)),
        CStep::Any => node.any_child(&mut |c| any_node(c, rest, f)),
    }
}

/// Resolves from the event root, applying the top-level rule (A12).
pub(crate) fn any_from_root<N: JsonNode>(
    root: &N,
    steps: &[CStep],
    f: &mut dyn FnMut(&N) -> bool,
) -> bool {
    if root.scalar() != Scalar::Object {
        return false;
    }
    any_node(root, steps, f)
}

/// Every node the steps reach, in document order.
pub(crate) fn collect<'a, N: JsonNode>(root: &'a N, steps: &[CStep]) -> Vec<&'a N> {
    fn walk<'a, N: JsonNode>(node: &'a N, steps: &[CStep], out: &mut Vec<&'a N>) {
        let Some((step, rest)) = steps.split_first() else {
            out.push(node);
            return;
        };
        match step {
            CStep::Field(k) => {
                if let Some(c) = node.get(k) {
                    walk(c, rest, out);
                }
            }
            CStep::Index(i) => {
                if let Some(c) = node.index(*i) {
                    walk(c, rest, out);
                }
            }
            CStep::Any => {
                node.any_child(&mut |c| {
                    walk(c, rest, out);
                    false
                });
            }
        }
    }
    let mut out = Vec::new();
    if root.scalar() == Scalar::Object {
        walk(root, steps, &mut out);
    }
    out
}

/// Whether a condition holds on an event whose JSON root is `root`.
pub(crate) fn condition_holds<N: JsonNode>(c: &CCondition, root: &N) -> bool {
    match &c.test {
        CTest::NotExists => !any_from_root(root, &c.steps, &mut |_| true),
        test => any_from_root(root, &c.steps, &mut |n| test_node(test, n.scalar())),
    }
}
