//! Terraform: `resource` blocks of HCL files, and resource changes of a plan
//! (`terraform show -json`), both as one record shape:
//! `{address, type, name, mode, values}`.
//!
//! In HCL, nested blocks become arrays of objects (as in plan JSON, where
//! `ingress` is a list even with one entry) and `dynamic "x" { content {} }`
//! becomes an entry of `x`. Expressions that are not literals (`var.cidr`,
//! function calls, interpolated templates) become their source text: assay
//! does not evaluate Terraform, so such a value matches no literal in a schema.

use super::{Record, first_line};
use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One HCL file: its resources, and the defaults of the variables it declares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HclFile {
    pub records: Vec<Record>,
    pub variables: BTreeMap<String, Value>,
}

/// How deeply brackets opened after a binary operator may nest. Why a limit:
/// when an operand fails to parse, hcl-edit's loop over binary operators
/// parses it a second time, so each such level nested in a failing operand
/// doubles the work: 436 bytes of unclosed `a = 1 + 1 + {` lines took half a
/// minute (found by fuzzing; `fixtures/fuzz/terraform/`). Eight levels cost
/// at most 256 times a plain parse; real configurations nest one or two.
pub const MAX_OPERAND_NESTING: usize = 8;

pub fn hcl_file(text: &str) -> Result<HclFile, String> {
    if operand_nesting(text) > MAX_OPERAND_NESTING {
        return Err(format!(
            "invalid HCL: brackets opened after operators nest more than {MAX_OPERAND_NESTING} levels deep"
        ));
    }
    let body = hcl_edit::parser::parse_body(text)
        .map_err(|e| format!("invalid HCL: {}", first_line(&e.to_string())))?;
    let mut variables = BTreeMap::new();
    for block in body.blocks().filter(|b| b.ident.as_str() == "variable") {
        if let Some(name) = block.labels.first()
            && let Some(default) = block.body.get_attribute("default")
        {
            variables.insert(label(name), expr_json(&default.value));
        }
    }
    Ok(HclFile {
        records: hcl_records(&body, text),
        variables,
    })
}

/// Replaces every value that is exactly `var.NAME` with that variable's
/// default, as Terraform would when nothing overrides it. Interpolations
/// inside longer strings are left alone.
pub fn resolve_variables(value: &mut Value, variables: &BTreeMap<String, Value>) {
    match value {
        Value::String(s) => {
            if let Some(default) = s.strip_prefix("var.").and_then(|name| variables.get(name)) {
                *value = default.clone();
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| resolve_variables(v, variables)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| resolve_variables(v, variables)),
        _ => {}
    }
}

/// One open bracket or template interpolation, while scanning.
struct Open {
    /// Opened after a binary operator of the enclosing expression.
    after_operator: bool,
    /// Whether an operator has been seen in the current expression inside it.
    operator: bool,
    /// The string a template interpolation returns to when it closes.
    resumes: Option<Quote>,
}

/// Where a string ends: at a `"`, or at a line holding the heredoc's delimiter.
#[derive(Clone)]
enum Quote {
    Double,
    Heredoc(String),
}

/// The deepest nesting of brackets and template interpolations opened after
/// a binary operator, by a scan that knows strings, templates, heredocs and
/// comments as hcl-edit reads them. It errs on the high side (a `-` in a name
/// counts as an operator): only a count that is too low lets a slow input by.
fn operand_nesting(text: &str) -> usize {
    let b = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut top_operator = false;
    let mut string: Option<Quote> = None;
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(&c) = b.get(i) {
        let rest = b.get(i..).unwrap_or_default();
        let operator = stack.last().map_or(top_operator, |o| o.operator);
        if let Some(quote) = &string {
            if rest.starts_with(b"$${") || rest.starts_with(b"%%{") {
                i += 3;
                continue;
            }
            if rest.starts_with(b"${") || rest.starts_with(b"%{") {
                depth += usize::from(operator);
                deepest = deepest.max(depth);
                stack.push(Open {
                    after_operator: operator,
                    operator: false,
                    resumes: string.take(),
                });
                i += 2;
                continue;
            }
            match quote {
                Quote::Double if c == b'\\' => i += 1,
                Quote::Double if c == b'"' || c == b'\n' => string = None,
                Quote::Heredoc(delim) if i == 0 || b.get(i - 1) == Some(&b'\n') => {
                    let line = rest
                        .iter()
                        .position(|&x| x != b' ' && x != b'\t')
                        .unwrap_or(0);
                    let after = rest.get(line..).unwrap_or_default();
                    if let Some(tail) = after.strip_prefix(delim.as_bytes())
                        && !tail.first().is_some_and(|&x| is_id_continue(x))
                    {
                        i += line + delim.len();
                        string = None;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'#' => {
                i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                continue;
            }
            b'/' if rest.starts_with(b"//") => {
                i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                continue;
            }
            b'/' if rest.starts_with(b"/*") => {
                i += memchr::memmem::find(rest, b"*/").map_or(rest.len(), |n| n + 2);
                continue;
            }
            b'"' => string = Some(Quote::Double),
            b'<' if rest.starts_with(b"<<") => {
                let start = if rest.starts_with(b"<<-") { 3 } else { 2 };
                let tail = rest.get(start..).unwrap_or_default();
                let len = tail
                    .iter()
                    .position(|&x| !is_id_continue(x))
                    .unwrap_or(tail.len());
                let ident = tail.get(..len).unwrap_or_default();
                let ends_line = matches!(tail.get(len..), Some([b'\n', ..] | [b'\r', b'\n', ..]));
                if ends_line
                    && ident
                        .first()
                        .is_some_and(|x| x.is_ascii_alphabetic() || *x == b'_')
                {
                    string = Some(Quote::Heredoc(String::from_utf8_lossy(ident).into_owned()));
                    i += start + len;
                    continue;
                }
                set(&mut stack, &mut top_operator, true);
            }
            b'{' | b'[' | b'(' => {
                depth += usize::from(operator);
                deepest = deepest.max(depth);
                stack.push(Open {
                    after_operator: operator,
                    operator: false,
                    resumes: None,
                });
            }
            b'}' | b']' | b')' => {
                if let Some(open) = stack.pop() {
                    depth -= usize::from(open.after_operator);
                    string = open.resumes;
                }
            }
            b'=' | b'!' | b'<' | b'>' if rest.get(1) == Some(&b'=') => {
                set(&mut stack, &mut top_operator, true);
                i += 1;
            }
            b'=' if rest.starts_with(b"=>") => {
                set(&mut stack, &mut top_operator, false);
                i += 1;
            }
            b'=' | b',' | b'\n' => set(&mut stack, &mut top_operator, false),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'!' | b'&' | b'|' => {
                set(&mut stack, &mut top_operator, true)
            }
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Records whether the innermost open expression has seen a binary operator.
fn set(stack: &mut [Open], top: &mut bool, operator: bool) {
    match stack.last_mut() {
        Some(open) => open.operator = operator,
        None => *top = operator,
    }
}

/// A byte that may continue an HCL identifier (ASCII; others count as one).
fn is_id_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || !b.is_ascii()
}

fn hcl_records(body: &Body, text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    for block in body.blocks() {
        if block.ident.as_str() != "resource" {
            continue;
        }
        let [t, n] = block.labels.as_slice() else {
            continue;
        };
        let (kind, name) = (label(t), label(n));
        let address = format!("{kind}.{name}");
        let line = block.span().map(|s| line_of(text, s.start));
        out.push(Record {
            pointer: format!("/resource/{kind}/{name}"),
            line,
            label: Some(address.clone()),
            value: json!({
                "address": address,
                "type": kind,
                "name": name,
                "mode": "managed",
                "values": body_json(&block.body),
            }),
        });
    }
    out
}

fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::Ident(i) => i.as_str().to_owned(),
        BlockLabel::String(s) => s.as_str().to_owned(),
    }
}

fn line_of(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

fn body_json(body: &Body) -> Value {
    let mut map = Map::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                map.insert(a.key.as_str().to_owned(), expr_json(&a.value));
            }
            Structure::Block(b) => {
                let (key, value) = block_json(b);
                let entry = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(value);
                }
            }
        }
    }
    Value::Object(map)
}

/// A nested block's key and value; `dynamic "x"` contributes its `content` to `x`.
fn block_json(block: &Block) -> (String, Value) {
    if block.ident.as_str() == "dynamic"
        && let Some(l) = block.labels.first()
    {
        let content = block
            .body
            .blocks()
            .find(|b| b.ident.as_str() == "content")
            .map_or_else(|| Value::Object(Map::new()), |c| body_json(&c.body));
        return (label(l), content);
    }
    (block.ident.as_str().to_owned(), body_json(&block.body))
}

fn expr_json(expr: &Expression) -> Value {
    match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => number_json(n.value()),
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::Array(items) => Value::Array(items.iter().map(expr_json).collect()),
        Expression::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_owned(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(e) => e.to_string().trim().to_owned(),
                    };
                    (key, expr_json(v.expr()))
                })
                .collect(),
        ),
        Expression::Parenthesis(p) => expr_json(p.inner()),
        other => Value::String(other.to_string().trim().to_owned()),
    }
}

fn number_json(n: &hcl_edit::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64().map_or(Value::Null, Value::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_with_nested_and_dynamic_blocks() {
        let text = r#"
variable "cidr" { default = "0.0.0.0/0" }

resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0", var.cidr]
  }
  dynamic "egress" {
    for_each = var.rules
    content {
      from_port = egress.value.port
    }
  }
  tags = { Name = "web", "team" = "x" }
}

data "aws_ami" "ubuntu" {}
"#;
        let records = hcl_file(text).unwrap().records;
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(
            (r.label.as_deref(), r.line),
            (Some("aws_security_group.web"), Some(4))
        );
        let values = &r.value["values"];
        assert_eq!(values["ingress"][0]["from_port"], json!(22));
        assert_eq!(
            values["ingress"][0]["cidr_blocks"],
            json!(["0.0.0.0/0", "var.cidr"])
        );
        assert_eq!(values["egress"][0]["from_port"], json!("egress.value.port"));
        assert_eq!(values["tags"]["team"], json!("x"));
    }

    #[test]
    fn variable_defaults_replace_whole_references_only() {
        let file = hcl_file("variable \"cidr\" { default = \"0.0.0.0/0\" }\nvariable \"port\" {\n  type = number\n  default = 22\n}\nvariable \"free\" {}\n").unwrap();
        assert_eq!(file.variables.len(), 2);
        let mut value = json!({"cidr_blocks": ["var.cidr", "10.0.0.0/8"], "from_port": "var.port", "name": "${var.cidr}-x", "other": "var.free"});
        resolve_variables(&mut value, &file.variables);
        assert_eq!(
            value,
            json!({"cidr_blocks": ["0.0.0.0/0", "10.0.0.0/8"], "from_port": 22, "name": "${var.cidr}-x", "other": "var.free"})
        );
    }

    #[test]
    fn invalid_hcl_is_an_error_without_source_text() {
        let err = hcl_file("resource \"a\" \"b\" {\n  secret = \"hunter2\n").unwrap_err();
        assert!(err.starts_with("invalid HCL"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn operands_nested_deeper_than_the_limit_are_refused_before_parsing() {
        // Found by fuzzing (fixtures/fuzz/terraform/): each level doubled hcl-edit's work.
        let chain = "d = 4 + 4 + {\n".repeat(MAX_OPERAND_NESTING + 1);
        let err = hcl_file(&chain).unwrap_err();
        assert!(err.contains("nest more than 8 levels"), "{err}");
        let paren = "d = 4 + 4 + ({\n".repeat(40) + "q = \"abc\n";
        assert!(hcl_file(&paren).is_err());
        let template = "d = 4 + 4 + \"${{\n".repeat(40);
        assert_eq!(operand_nesting(&template), 40);
        let heredoc = "d = 4 + 4 + <<EOF\n${{\n".repeat(40);
        assert_eq!(operand_nesting(&heredoc), 40);
    }

    #[test]
    fn deep_nesting_without_operators_and_operators_in_strings_are_not_counted() {
        let policy = r#"
resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Statement = [{
      Condition = { StringEquals = { "aws:a/b-c" = ["x-${var.a}-y", lookup(var.m, "k", {})] } }
    }]
  })
  count = var.n > 0 ? 1 : 0 # a + [ comment ( with { brackets
  doc   = <<-EOT
    a + { b + ( c
    EOT
}
"#;
        assert_eq!(operand_nesting(policy), 0);
        assert_eq!(hcl_file(policy).unwrap().records.len(), 1);
        assert_eq!(operand_nesting("a = 1 + (2 * (3 - [4][0]))\n"), 3);
    }
}
