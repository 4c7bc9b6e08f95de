use plumb_diagnostics::Finding;

use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags `real` and `double precision` columns whose names say they hold money: price,
    /// amount, cost, total, balance, fee, tax, salary, revenue, discount.
    ///
    /// ## Why is this bad
    /// Binary floating point cannot represent most decimal fractions: `0.1 + 0.2` is not `0.3`,
    /// sums drift by cents, and equality tests fail. Money needs exact arithmetic.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (total double precision);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE orders (total numeric(12,2)); -- or total_cents bigint
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the type change rewrites the table, and values already stored keep their
    /// rounding errors (the fix rounds them to cents).
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-FLOAT>
    pub struct FloatForMoney {
        code: "PL808",
        name: "float-for-money",
        family: Types,
        severity: Medium,
        summary: "Floating point columns for money lose cents to rounding",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

const MONEY_WORDS: &[&str] = &[
    "price", "amount", "cost", "total", "balance", "fee", "tax", "salary", "revenue", "discount",
    "subtotal", "payment", "refund", "wage",
];

/// Words that make a money word a rate (`tax_rate`, `discount_percent`): a fraction, not an
/// amount, which two decimals would truncate.
const RATE_WORDS: &[&str] = &[
    "rate",
    "rates",
    "percent",
    "percentage",
    "pct",
    "ratio",
    "factor",
];

/// Whether a column name reads as a money amount (`unit_price`, `totalAmount`, `fee_usd`).
pub(crate) fn money_like(name: &str) -> bool {
    let w = words(name);
    w.iter().any(|w| MONEY_WORDS.contains(&w.as_str()))
        && !w.iter().any(|w| RATE_WORDS.contains(&w.as_str()))
}

/// The lower-case words of an identifier, split at non-alphanumerics and camelCase humps.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl Rule for FloatForMoney {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        super::review_column_types(
            cx,
            &Self::META,
            out,
            |_, c| {
                (matches!(c.type_name.as_str(), "float4" | "float8") && money_like(&c.name)).then(
                    || super::TypeChange {
                        to: "numeric(12,2)".to_owned(),
                        using: Some("round({col}::numeric, 2)"),
                        rollback_using: None,
                        rewrites: true,
                    },
                )
            },
            "binary floating point cannot store cents exactly, so sums and comparisons drift",
            "Use numeric(p, 2), or an integer number of cents",
        );
    }
}
