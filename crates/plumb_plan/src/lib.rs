//! EXPLAIN plans for `plumb explain` (issue 9, being built): the JSON format PostgreSQL writes
//! with `EXPLAIN (FORMAT JSON)`, with or without ANALYZE, read into a typed tree, and the time
//! each node spends itself (its own time, without its children's), which the plan tips weigh
//! findings by. No IO, no database.

use serde_json::{Map, Value};

/// Why a plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Not JSON.
    #[error("not a JSON plan ({0}); give the output of EXPLAIN (FORMAT JSON)")]
    Json(String),
    /// JSON without a `Plan`.
    #[error("no \"Plan\" in this JSON; give the output of EXPLAIN (FORMAT JSON)")]
    NoPlan,
}

/// A whole plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The top node.
    pub root: Node,
    /// `Planning Time`, milliseconds.
    pub planning_ms: Option<f64>,
    /// `Execution Time`, milliseconds (ANALYZE).
    pub execution_ms: Option<f64>,
    /// JIT's total time, milliseconds.
    pub jit_ms: Option<f64>,
}

impl Plan {
    /// Whether the plan was run (EXPLAIN ANALYZE): its nodes carry actual times.
    pub fn analyzed(&self) -> bool {
        self.root.actual_total_ms.is_some()
    }

    /// Every node, depth first, with its depth.
    pub fn nodes(&self) -> Vec<(usize, &Node)> {
        let mut out = Vec::new();
        let mut stack = vec![(0, &self.root)];
        while let Some((d, n)) = stack.pop() {
            out.push((d, n));
            for c in n.children.iter().rev() {
                stack.push((d + 1, c));
            }
        }
        out
    }
}

/// One plan node. Fields PostgreSQL omits are `None`; the rest of the node's keys stay in
/// `extra`.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// `Seq Scan`, `Index Scan`, `Hash Join`, ...
    pub node_type: String,
    /// The scanned relation.
    pub relation: Option<String>,
    /// Its schema.
    pub schema: Option<String>,
    /// Its alias.
    pub alias: Option<String>,
    /// The index used.
    pub index_name: Option<String>,
    /// `Outer`, `Inner`, `InitPlan`, `SubPlan`, ...
    pub parent_relationship: Option<String>,
    /// Estimated cost to return all rows.
    pub total_cost: f64,
    /// Estimated rows per loop.
    pub plan_rows: f64,
    /// Actual rows per loop (ANALYZE).
    pub actual_rows: Option<f64>,
    /// Loops (ANALYZE).
    pub actual_loops: Option<f64>,
    /// Milliseconds per loop to return all rows (ANALYZE).
    pub actual_total_ms: Option<f64>,
    /// `Filter`.
    pub filter: Option<String>,
    /// Rows the filter removed, per loop.
    pub rows_removed_by_filter: Option<f64>,
    /// Rows the join filter removed, per loop.
    pub rows_removed_by_join_filter: Option<f64>,
    /// `Sort Method`.
    pub sort_method: Option<String>,
    /// `Sort Space Type`: `Memory` or `Disk`.
    pub sort_space_type: Option<String>,
    /// `Sort Space Used`, kB.
    pub sort_space_kb: Option<f64>,
    /// Hash batches (more than one: spilled to disk).
    pub hash_batches: Option<f64>,
    /// Heap fetches of an index-only scan.
    pub heap_fetches: Option<f64>,
    /// Lossy heap blocks of a bitmap heap scan.
    pub lossy_heap_blocks: Option<f64>,
    /// Workers planned.
    pub workers_planned: Option<f64>,
    /// Workers launched.
    pub workers_launched: Option<f64>,
    /// Child nodes.
    pub children: Vec<Node>,
    /// Every other key of the node, as PostgreSQL wrote it.
    pub extra: Map<String, Value>,
}

impl Node {
    /// Milliseconds the node ran in all (per-loop time × loops), when analyzed.
    pub fn total_ms(&self) -> Option<f64> {
        Some(self.actual_total_ms? * self.actual_loops.unwrap_or(1.0))
    }

    /// Milliseconds the node spent itself: its total minus its children's (InitPlans and
    /// SubPlans included, as PostgreSQL counts them in the parent), never below zero.
    pub fn exclusive_ms(&self) -> Option<f64> {
        let own = self.total_ms()?;
        let children: f64 = self.children.iter().filter_map(Node::total_ms).sum();
        Some((own - children).max(0.0))
    }

    /// Rows in all (per-loop rows × loops), when analyzed.
    pub fn total_rows(&self) -> Option<f64> {
        Some(self.actual_rows? * self.actual_loops.unwrap_or(1.0))
    }
}

fn num(m: &Map<String, Value>, k: &str) -> Option<f64> {
    m.get(k).and_then(Value::as_f64)
}

fn text(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn node(v: &Value, depth: usize) -> Option<Node> {
    let m = v.as_object()?;
    // A plan nests as deep as the query; PostgreSQL's own limit is far below this.
    if depth > 1000 {
        return None;
    }
    let children = match m.get("Plans") {
        Some(Value::Array(a)) => a.iter().filter_map(|c| node(c, depth + 1)).collect(),
        _ => Vec::new(),
    };
    let known = [
        "Node Type",
        "Relation Name",
        "Schema",
        "Alias",
        "Index Name",
        "Parent Relationship",
        "Total Cost",
        "Plan Rows",
        "Actual Rows",
        "Actual Loops",
        "Actual Total Time",
        "Filter",
        "Rows Removed by Filter",
        "Rows Removed by Join Filter",
        "Sort Method",
        "Sort Space Type",
        "Sort Space Used",
        "Hash Batches",
        "Heap Fetches",
        "Lossy Heap Blocks",
        "Workers Planned",
        "Workers Launched",
        "Plans",
    ];
    let extra = m
        .iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(Node {
        node_type: text(m, "Node Type")?,
        relation: text(m, "Relation Name"),
        schema: text(m, "Schema"),
        alias: text(m, "Alias"),
        index_name: text(m, "Index Name"),
        parent_relationship: text(m, "Parent Relationship"),
        total_cost: num(m, "Total Cost").unwrap_or(0.0),
        plan_rows: num(m, "Plan Rows").unwrap_or(0.0),
        actual_rows: num(m, "Actual Rows"),
        actual_loops: num(m, "Actual Loops"),
        actual_total_ms: num(m, "Actual Total Time"),
        filter: text(m, "Filter"),
        rows_removed_by_filter: num(m, "Rows Removed by Filter"),
        rows_removed_by_join_filter: num(m, "Rows Removed by Join Filter"),
        sort_method: text(m, "Sort Method"),
        sort_space_type: text(m, "Sort Space Type"),
        sort_space_kb: num(m, "Sort Space Used"),
        hash_batches: num(m, "Hash Batches"),
        heap_fetches: num(m, "Heap Fetches"),
        lossy_heap_blocks: num(m, "Lossy Heap Blocks"),
        workers_planned: num(m, "Workers Planned"),
        workers_launched: num(m, "Workers Launched"),
        children,
        extra,
    })
}

/// Reads `EXPLAIN (FORMAT JSON)` output: the array PostgreSQL prints, or its one element.
pub fn parse_json(input: &str) -> Result<Plan, PlanError> {
    let v: Value =
        serde_json::from_str(input.trim()).map_err(|e| PlanError::Json(e.to_string()))?;
    let top = match &v {
        Value::Array(a) => a.first().ok_or(PlanError::NoPlan)?,
        other => other,
    };
    let m = top.as_object().ok_or(PlanError::NoPlan)?;
    let root = m
        .get("Plan")
        .and_then(|p| node(p, 0))
        .ok_or(PlanError::NoPlan)?;
    let jit_ms = m
        .get("JIT")
        .and_then(|j| j.get("Timing"))
        .and_then(|t| t.get("Total"))
        .and_then(Value::as_f64);
    Ok(Plan {
        root,
        planning_ms: num(m, "Planning Time"),
        execution_ms: num(m, "Execution Time"),
        jit_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_postgresql_wrote() {
        // EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT grp, count(*) FROM plan_t
        //   WHERE v LIKE 'a%' GROUP BY grp ORDER BY 2 DESC LIMIT 5   (PostgreSQL 15)
        let text = include_str!("../tests/data/group-sort-limit.analyze.json");
        let plan = parse_json(text).expect("plan");
        assert!(plan.analyzed());
        assert!(plan.execution_ms.is_some() && plan.planning_ms.is_some());
        let types: Vec<&str> = plan
            .nodes()
            .iter()
            .map(|(_, n)| n.node_type.as_str())
            .collect();
        assert_eq!(types[0], "Limit");
        assert_eq!(types[1], "Sort");
        let scan = plan
            .nodes()
            .into_iter()
            .find(|(_, n)| n.node_type == "Seq Scan")
            .map(|(_, n)| n)
            .expect("a seq scan");
        assert_eq!(scan.relation.as_deref(), Some("plan_t"));
        assert!(scan.filter.as_deref().is_some_and(|f| f.contains("~~")));
        assert!(scan.rows_removed_by_filter.is_some_and(|r| r > 40_000.0));
        // Own times add up to the root's total.
        let own: f64 = plan
            .nodes()
            .iter()
            .filter_map(|(_, n)| n.exclusive_ms())
            .sum();
        let total = plan.root.total_ms().expect("total");
        assert!((own - total).abs() < 0.01, "{own} vs {total}");
        let sort = &plan.root.children[0];
        assert_eq!(sort.sort_space_type.as_deref(), Some("Memory"));
        assert!(sort.extra.contains_key("Shared Hit Blocks"));
    }

    #[test]
    fn not_a_plan() {
        assert!(matches!(parse_json("SELECT 1"), Err(PlanError::Json(_))));
        assert!(matches!(parse_json("[]"), Err(PlanError::NoPlan)));
        assert!(matches!(
            parse_json("{\"Plan\": {}}"),
            Err(PlanError::NoPlan)
        ));
        let bare = parse_json(
            "{\"Plan\": {\"Node Type\": \"Result\", \"Total Cost\": 0.01, \"Plan Rows\": 1}}",
        )
        .expect("plan");
        assert!(!bare.analyzed());
        assert_eq!(bare.root.exclusive_ms(), None);
    }
}
