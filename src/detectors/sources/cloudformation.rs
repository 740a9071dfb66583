//! CloudFormation templates, JSON or YAML (with the short-form tags `!Ref`, `!Sub`, `!GetAtt`,
//! `!Join`, `!If`, ...): the `AWS::Logs::MetricFilter` and `AWS::CloudWatch::Alarm` resources.
//!
//! A property the simulation needs is resolved to a literal where the template alone gives
//! one: a `Ref` to a parameter with a `Default` (or to a log group with a literal name),
//! `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::FindInMap`, and `Fn::If` on a condition that
//! evaluates from them. What stays unknown (a pseudo parameter such as `AWS::AccountId`, a
//! parameter without a default, `Fn::GetAtt`, an import) is an error naming the resource, the
//! property and why: the replay never guesses. Properties the simulation does not need (alarm
//! actions, tags, other resources) are not looked at.
//!
//! Template anatomy and the intrinsic functions:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html>,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>;
//! the resources: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-metricfilter.html>,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html>.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Spanned, Tagged};

use super::{whole_count, AlarmDef, Deployed, FilterDef};
use crate::detectors::{MetricFilterSpec, Origin};

/// A template node: its value and where it starts (1-based line, column).
#[derive(Clone, Debug)]
pub(super) struct Node {
    pos: Option<(u64, u64)>,
    value: V,
}

/// A 1-based (line, column).
type Pos = Option<(u64, u64)>;

/// A mapping entry: key, where the key is, value.
type Entry = (String, Pos, Node);

#[derive(Clone, Debug)]
enum V {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys keep their order and positions.
    Map(Vec<Entry>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            V::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    fn entries(&self) -> &[Entry] {
        match &self.value {
            V::Map(m) => m,
            _ => &[],
        }
    }

    fn as_str(&self) -> Option<&str> {
        match &self.value {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An intrinsic function: a one-key map whose key is `Ref`, `Condition` or `Fn::...`.
    fn intrinsic(&self) -> Option<(&str, &Node)> {
        match &self.value {
            V::Map(m) if m.len() == 1 => {
                let (k, _, v) = &m[0];
                (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then_some((k.as_str(), v))
            }
            _ => None,
        }
    }
}

// ---- reading: a YAML tree that keeps tags and positions -------------------------------------

type Raw = Spanned<Tagged<RawValue>>;

enum RawValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(Raw, Raw)>),
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v.into()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        Ok(i128::try_from(v).map_or(RawValue::Float(v as f64), RawValue::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(RawValue::Map(entries))
    }
}

fn position(raw: &Raw) -> Option<(u64, u64)> {
    let loc = raw.referenced;
    (loc.line() > 0).then(|| (loc.line(), loc.column()))
}

/// The tree with short-form tags written as the long form: `!Ref x` is `{Ref: x}`, `!GetAtt
/// a.b` is `{Fn::GetAtt: [a, b]}`, `!Condition c` is `{Condition: c}`, any other `!Name v` is
/// `{Fn::Name: v}`.
fn convert(raw: Raw) -> Node {
    let pos = position(&raw);
    let Tagged(value, tag) = raw.value;
    let value = match value {
        RawValue::Null => V::Null,
        RawValue::Bool(b) => V::Bool(b),
        RawValue::Int(i) => V::Int(i),
        RawValue::Float(f) => V::Float(f),
        RawValue::Str(s) => V::Str(s),
        RawValue::Seq(items) => V::Seq(items.into_iter().map(convert).collect()),
        RawValue::Map(entries) => V::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let kpos = position(&k);
                    let key = match convert(k).value {
                        V::Str(s) => s,
                        V::Int(i) => i.to_string(),
                        V::Float(f) => f.to_string(),
                        V::Bool(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (key, kpos, convert(v))
                })
                .collect(),
        ),
    };
    let node = Node { pos, value };
    let Some(tag) = tag.as_deref().and_then(|t| t.strip_prefix('!')) else {
        return node;
    };
    if tag.is_empty() || tag.starts_with('!') {
        return node;
    }
    let (key, arg) = match tag {
        "Ref" | "Condition" => (tag.to_owned(), node),
        "GetAtt" => {
            let arg = match &node.value {
                V::Str(s) => match s.split_once('.') {
                    Some((a, b)) => Node {
                        pos: node.pos,
                        value: V::Seq(vec![
                            Node {
                                pos: node.pos,
                                value: V::Str(a.to_owned()),
                            },
                            Node {
                                pos: node.pos,
                                value: V::Str(b.to_owned()),
                            },
                        ]),
                    },
                    None => node,
                },
                _ => node,
            };
            ("Fn::GetAtt".to_owned(), arg)
        }
        other => (format!("Fn::{other}"), node),
    };
    Node {
        pos,
        value: V::Map(vec![(key, pos, arg)]),
    }
}

/// Parses a template (JSON is YAML); `Err` is the parser's message with its position.
pub(super) fn parse(text: &str) -> Result<Node, String> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
    };
    serde_saphyr::from_str_with_options::<Raw>(text, options)
        .map(convert)
        .map_err(|e| e.to_string())
}

/// Whether a parsed document is a CloudFormation template.
pub(super) fn is_template(doc: &Node) -> bool {
    doc.get("AWSTemplateFormatVersion").is_some()
        || doc.get("Resources").is_some_and(|r| {
            !r.entries().is_empty()
                && r.entries().iter().all(|(_, _, res)| {
                    res.get("Type")
                        .and_then(Node::as_str)
                        .is_some_and(|t| t.contains("::"))
                })
        })
}

// ---- resolution ------------------------------------------------------------------------------

/// A resolved scalar: what CloudFormation would pass to the API.
#[derive(Clone, Debug, PartialEq)]
enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<Lit>),
    /// `AWS::NoValue`: the property is removed.
    NoValue,
}

impl Lit {
    fn text(&self) -> Option<String> {
        match self {
            Lit::Str(s) => Some(s.clone()),
            Lit::Num(n) => Some(number_text(*n)),
            Lit::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

struct Template<'a> {
    root: &'a Node,
}

type Resolved = Result<Lit, String>;

impl<'a> Template<'a> {
    fn section(&self, name: &str) -> Option<&'a Node> {
        self.root.get(name)
    }

    fn resolve(&self, node: &Node, depth: u32) -> Resolved {
        if depth > 32 {
            return Err("nests intrinsic functions too deeply".into());
        }
        if let Some((f, arg)) = node.intrinsic() {
            return self.function(f, arg, depth + 1);
        }
        match &node.value {
            V::Null => Err("is null".into()),
            V::Bool(b) => Ok(Lit::Bool(*b)),
            V::Int(i) => Ok(Lit::Num(*i as f64)),
            V::Float(f) => Ok(Lit::Num(*f)),
            V::Str(s) => Ok(Lit::Str(s.clone())),
            V::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.resolve(item, depth + 1)? {
                        Lit::NoValue => {}
                        lit => out.push(lit),
                    }
                }
                Ok(Lit::List(out))
            }
            V::Map(_) => Err("is a mapping, not a value".into()),
        }
    }

    fn text(&self, node: &Node, depth: u32) -> Result<String, String> {
        let lit = self.resolve(node, depth)?;
        lit.text()
            .ok_or_else(|| format!("is {lit:?}, not a single value"))
    }

    fn function(&self, f: &str, arg: &Node, depth: u32) -> Resolved {
        match f {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or("has a Ref that is not a name")?
                    .to_owned();
                self.reference(&name)
            }
            "Fn::Sub" => {
                let (text, vars) = match &arg.value {
                    V::Str(s) => (s.clone(), None),
                    V::Seq(items) if items.len() == 2 => (
                        items[0]
                            .as_str()
                            .ok_or("has an Fn::Sub whose string is not a string")?
                            .to_owned(),
                        Some(&items[1]),
                    ),
                    _ => {
                        return Err(
                            "has an Fn::Sub that is neither a string nor [string, variables]"
                                .into(),
                        )
                    }
                };
                self.substitute(&text, vars, depth).map(Lit::Str)
            }
            "Fn::Join" => {
                let V::Seq(items) = &arg.value else {
                    return Err("has an Fn::Join that is not [delimiter, list]".into());
                };
                let [delimiter, list] = items.as_slice() else {
                    return Err("has an Fn::Join that is not [delimiter, list]".into());
                };
                let delimiter = self.text(delimiter, depth)?;
                let Lit::List(parts) = self.resolve(list, depth)? else {
                    return Err("has an Fn::Join whose second item is not a list".into());
                };
                let parts: Option<Vec<String>> = parts.iter().map(Lit::text).collect();
                Ok(Lit::Str(
                    parts
                        .ok_or("has an Fn::Join of a nested list")?
                        .join(&delimiter),
                ))
            }
            "Fn::Select" => {
                let V::Seq(items) = &arg.value else {
                    return Err("has an Fn::Select that is not [index, list]".into());
                };
                let [index, list] = items.as_slice() else {
                    return Err("has an Fn::Select that is not [index, list]".into());
                };
                let index: usize = self
                    .text(index, depth)?
                    .parse()
                    .map_err(|_| "has an Fn::Select whose index is not a number")?;
                let Lit::List(values) = self.resolve(list, depth)? else {
                    return Err("has an Fn::Select of something not a list".into());
                };
                values.get(index).cloned().ok_or_else(|| {
                    format!(
                        "has an Fn::Select of item {index} of a list of {}",
                        values.len()
                    )
                })
            }
            "Fn::FindInMap" => {
                let V::Seq(items) = &arg.value else {
                    return Err("has an Fn::FindInMap that is not [map, key, key]".into());
                };
                let [map, top, second] = items.as_slice() else {
                    return Err("has an Fn::FindInMap that is not [map, key, key]".into());
                };
                let (map, top, second) = (
                    self.text(map, depth)?,
                    self.text(top, depth)?,
                    self.text(second, depth)?,
                );
                let value = self
                    .section("Mappings")
                    .and_then(|m| m.get(&map))
                    .and_then(|m| m.get(&top))
                    .and_then(|m| m.get(&second))
                    .ok_or_else(|| format!("has an Fn::FindInMap of {map}/{top}/{second}, which Mappings does not hold"))?;
                self.resolve(value, depth)
            }
            "Fn::If" => {
                let V::Seq(items) = &arg.value else {
                    return Err("has an Fn::If that is not [condition, then, else]".into());
                };
                let [condition, then, otherwise] = items.as_slice() else {
                    return Err("has an Fn::If that is not [condition, then, else]".into());
                };
                let name = condition
                    .as_str()
                    .ok_or("has an Fn::If whose condition is not a name")?;
                if self.condition(name, depth)? {
                    self.resolve(then, depth)
                } else {
                    self.resolve(otherwise, depth)
                }
            }
            "Fn::GetAtt" => Err("uses Fn::GetAtt, known only once the stack is deployed".into()),
            "Fn::ImportValue" => Err("uses Fn::ImportValue, another stack's output".into()),
            other => Err(format!("uses {other}, which cwfilter does not evaluate")),
        }
    }

    fn reference(&self, name: &str) -> Resolved {
        match name {
            "AWS::NoValue" => return Ok(Lit::NoValue),
            n if n.starts_with("AWS::") => {
                return Err(format!(
                    "refers to the pseudo parameter {n}, known only at deployment"
                ))
            }
            _ => {}
        }
        if let Some(p) = self.section("Parameters").and_then(|p| p.get(name)) {
            let Some(default) = p.get("Default") else {
                return Err(format!(
                    "refers to the parameter {name}, which has no Default"
                ));
            };
            let lit = self.resolve(default, 0)?;
            // A CommaDelimitedList parameter is a list.
            let list_type = p
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
            return match (list_type, lit) {
                (true, Lit::Str(s)) => Ok(Lit::List(
                    s.split(',')
                        .map(|x| Lit::Str(x.trim().to_owned()))
                        .collect(),
                )),
                (_, lit) => Ok(lit),
            };
        }
        if let Some(r) = self.section("Resources").and_then(|r| r.get(name)) {
            // A log group's Ref is its name; other resources' Refs are generated or physical ids.
            if r.get("Type").and_then(Node::as_str) == Some("AWS::Logs::LogGroup") {
                if let Some(n) = r.get("Properties").and_then(|p| p.get("LogGroupName")) {
                    return self.resolve(n, 1);
                }
                return Err(format!(
                    "refers to the log group {name}, whose name CloudFormation generates"
                ));
            }
            return Err(format!(
                "refers to the resource {name}, known only once the stack is deployed"
            ));
        }
        Err(format!(
            "refers to {name}, which the template does not define"
        ))
    }

    fn substitute(&self, text: &str, vars: Option<&Node>, depth: u32) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            // `${!Literal}` writes `${Literal}`.
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let end = after
                .find('}')
                .ok_or("has an Fn::Sub with an unclosed ${")?;
            let name = after[..end].trim();
            let value = match vars.and_then(|v| v.get(name)) {
                Some(v) => self.text(v, depth)?,
                None if name.contains('.') && !name.starts_with("AWS::") => {
                    return Err(format!(
                        "uses ${{{name}}} in Fn::Sub, an attribute known only once the stack is deployed"
                    ))
                }
                None => self
                    .reference(name)?
                    .text()
                    .ok_or_else(|| format!("uses ${{{name}}} in Fn::Sub, which is a list"))?,
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn condition(&self, name: &str, depth: u32) -> Result<bool, String> {
        let c = self
            .section("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| {
                format!("uses the condition {name}, which Conditions does not define")
            })?;
        self.truth(c, depth + 1)
            .map_err(|e| format!("uses the condition {name}, which {e}"))
    }

    fn truth(&self, node: &Node, depth: u32) -> Result<bool, String> {
        if depth > 32 {
            return Err("nests conditions too deeply".into());
        }
        let Some((f, arg)) = node.intrinsic() else {
            return match self.resolve(node, depth)? {
                Lit::Bool(b) => Ok(b),
                Lit::Str(s) if s == "true" || s == "false" => Ok(s == "true"),
                other => Err(format!("is {other:?}, not a condition")),
            };
        };
        let items = match &arg.value {
            V::Seq(items) => items.as_slice(),
            _ => std::slice::from_ref(arg),
        };
        match f {
            "Condition" => self.condition(arg.as_str().ok_or("names no condition")?, depth),
            "Fn::Equals" => {
                let [a, b] = items else {
                    return Err("has an Fn::Equals that is not [a, b]".into());
                };
                let (a, b) = (self.resolve(a, depth)?, self.resolve(b, depth)?);
                Ok(a.text().zip(b.text()).map_or(a == b, |(x, y)| x == y))
            }
            "Fn::Not" => Ok(!self.truth(items.first().ok_or("has an empty Fn::Not")?, depth + 1)?),
            "Fn::And" => {
                for c in items {
                    if !self.truth(c, depth + 1)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            "Fn::Or" => {
                for c in items {
                    if self.truth(c, depth + 1)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            other => Err(format!("uses {other}, which is not a condition function")),
        }
    }
}

// ---- the two resource types --------------------------------------------------------------------

/// Reads the metric filters and alarms of a template.
pub(super) fn read(file: &str, root: &Node, out: &mut Deployed) {
    let template = Template { root };
    let Some(resources) = template.section("Resources") else {
        return;
    };
    for (id, key_pos, resource) in resources.entries() {
        let kind = resource.get("Type").and_then(Node::as_str);
        if !matches!(
            kind,
            Some("AWS::Logs::MetricFilter" | "AWS::CloudWatch::Alarm")
        ) {
            continue;
        }
        let mut reader = Reader {
            template: &template,
            file,
            resource_name: format!("{} {id}", kind.unwrap_or_default()),
            resource,
            out,
            failed: false,
        };
        if let Some(c) = resource.get("Condition").and_then(Node::as_str) {
            match template.condition(c, 0) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    reader.error(resource.pos, format!("Condition {e}"));
                    continue;
                }
            }
        }
        let empty = Node {
            pos: resource.pos,
            value: V::Map(Vec::new()),
        };
        let properties = resource.get("Properties").unwrap_or(&empty);
        if kind == Some("AWS::Logs::MetricFilter") {
            reader.filter(id, *key_pos, properties);
        } else {
            reader.alarm(id, properties);
        }
    }
}

struct Reader<'t, 'a, 'o> {
    template: &'t Template<'a>,
    file: &'t str,
    resource_name: String,
    resource: &'t Node,
    out: &'o mut Deployed,
    failed: bool,
}

impl Reader<'_, '_, '_> {
    fn error(&mut self, pos: Option<(u64, u64)>, message: String) {
        self.failed = true;
        self.out
            .error_at(self.file, pos, format!("{}: {message}", self.resource_name));
    }

    /// An optional property as text; unresolvable is an error when `needed`, else unset.
    fn text(&mut self, props: &Node, key: &str, needed: bool) -> Option<String> {
        let node = props.get(key)?;
        match self.template.resolve(node, 0) {
            Ok(Lit::NoValue) => None,
            Ok(lit) => match lit.text() {
                Some(t) => Some(t),
                None => {
                    self.error(node.pos, format!("{key} is a list, not a value"));
                    None
                }
            },
            Err(e) if needed => {
                self.error(node.pos, format!("{key} {e}"));
                None
            }
            Err(_) => None,
        }
    }

    fn required(&mut self, props: &Node, key: &str) -> Option<String> {
        if props.get(key).is_none() {
            let pos = self.resource.pos;
            self.error(pos, format!("has no {key}"));
            return None;
        }
        self.text(props, key, true)
    }

    fn number(&mut self, props: &Node, key: &str) -> Option<f64> {
        let text = self.text(props, key, true)?;
        match text.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                let pos = props.get(key).and_then(|n| n.pos);
                self.error(pos, format!("{key} is {text:?}, not a number"));
                None
            }
        }
    }

    fn count(&mut self, props: &Node, key: &str) -> Option<u32> {
        let x = self.number(props, key)?;
        match whole_count(key, x) {
            Ok(n) => Some(n),
            Err(e) => {
                let pos = props.get(key).and_then(|n| n.pos);
                self.error(pos, e);
                None
            }
        }
    }

    /// `[{<name_key>: .., Value: ..}]` as a map.
    fn pairs(&mut self, props: &Node, key: &str, name_key: &str) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        let Some(list) = props.get(key) else {
            return map;
        };
        let V::Seq(items) = &list.value else {
            self.error(list.pos, format!("{key} is not a list"));
            return map;
        };
        for item in items {
            match (
                self.text(item, name_key, true),
                self.text(item, "Value", true),
            ) {
                (Some(k), Some(v)) => {
                    map.insert(k, v);
                }
                _ if item.get(name_key).is_none() || item.get("Value").is_none() => {
                    self.error(item.pos, format!("a {key} entry lacks {name_key} or Value"));
                }
                _ => {}
            }
        }
        map
    }

    fn filter(&mut self, id: &str, key_pos: Option<(u64, u64)>, props: &Node) {
        let name = self
            .text(props, "FilterName", true)
            .unwrap_or_else(|| id.to_owned());
        let pattern = self.required(props, "FilterPattern");
        let pattern_pos = props.get("FilterPattern").and_then(|n| n.pos);
        // The replay reads the trail it is given; the log group only names the filter.
        let log_group = self.text(props, "LogGroupName", false);
        let transformation = match props.get("MetricTransformations").map(|t| &t.value) {
            Some(V::Seq(items)) if items.len() == 1 => Some(&items[0]),
            _ => {
                let pos = props
                    .get("MetricTransformations")
                    .and_then(|n| n.pos)
                    .or(self.resource.pos);
                self.error(
                    pos,
                    "must have exactly one MetricTransformations entry".into(),
                );
                None
            }
        };
        let Some(t) = transformation else { return };
        let metric_name = self.required(t, "MetricName");
        let namespace = self.required(t, "MetricNamespace");
        let value = self.required(t, "MetricValue");
        let default_value = if t.get("DefaultValue").is_some() {
            self.number(t, "DefaultValue")
        } else {
            None
        };
        let dimensions = self.pairs(t, "Dimensions", "Key");
        if self.failed {
            return;
        }
        let (Some(pattern), Some(metric_name), Some(namespace), Some(value)) =
            (pattern, metric_name, namespace, value)
        else {
            return;
        };
        self.out.filters.push(FilterDef {
            file: self.file.to_owned(),
            resource: self.resource_name.clone(),
            name,
            pattern,
            metric_name,
            metric: MetricFilterSpec {
                namespace,
                value,
                default_value,
                dimensions,
                alarm_dimensions: BTreeMap::new(),
                log_group,
            },
            origin: Origin {
                enabled: key_pos,
                pattern: pattern_pos,
                ..Default::default()
            },
        });
    }

    fn alarm(&mut self, id: &str, props: &Node) {
        let name = self
            .text(props, "AlarmName", true)
            .unwrap_or_else(|| id.to_owned());
        let metric_math = props
            .get("Metrics")
            .is_some_and(|m| matches!(&m.value, V::Seq(items) if !items.is_empty()));
        if metric_math {
            self.out.alarms.push(AlarmDef {
                file: self.file.to_owned(),
                resource: self.resource_name.clone(),
                name,
                metric_math,
                ..Default::default()
            });
            return;
        }
        let alarm = AlarmDef {
            file: self.file.to_owned(),
            resource: self.resource_name.clone(),
            description: self.text(props, "AlarmDescription", false),
            namespace: self.text(props, "Namespace", true),
            metric_name: self.text(props, "MetricName", true),
            dimensions: self.pairs(props, "Dimensions", "Name"),
            statistic: self.text(props, "Statistic", true),
            extended_statistic: self.text(props, "ExtendedStatistic", true),
            period: self.count(props, "Period"),
            evaluation_periods: self.count(props, "EvaluationPeriods"),
            datapoints_to_alarm: self.count(props, "DatapointsToAlarm"),
            threshold: self.number(props, "Threshold"),
            comparison_operator: self.text(props, "ComparisonOperator", true),
            treat_missing_data: self.text(props, "TreatMissingData", true),
            name,
            metric_math,
        };
        if !self.failed {
            self.out.alarms.push(alarm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> Node {
        parse(text).unwrap()
    }

    fn resolve(text: &str, value: &str) -> Resolved {
        let root = template(text);
        let t = Template { root: &root };
        let node = parse(value).unwrap();
        t.resolve(&node, 0)
    }

    const PARAMS: &str = "
Parameters:
  Env: {Type: String, Default: prod}
  Group: {Type: String, Default: aws-cloudtrail-logs-123456789012}
  Topic: {Type: String}
  Names: {Type: CommaDelimitedList, Default: 'a, b,c'}
Mappings:
  Periods: {prod: {seconds: 300}, dev: {seconds: 60}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Logs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: !Sub '${Group}'}}
  Anon: {Type: AWS::Logs::LogGroup}
";

    #[test]
    fn short_form_tags_resolve_like_the_long_form() {
        let s = |v: &str| resolve(PARAMS, v);
        assert_eq!(s("!Ref Env"), Ok(Lit::Str("prod".into())));
        assert_eq!(s("{Ref: Env}"), Ok(Lit::Str("prod".into())));
        assert_eq!(
            s("!Sub 'cis-${Env}-${!Literal}'"),
            Ok(Lit::Str("cis-prod-${Literal}".into()))
        );
        assert_eq!(
            s("!Sub ['${A}/${Env}', {A: !Ref Group}]"),
            Ok(Lit::Str("aws-cloudtrail-logs-123456789012/prod".into()))
        );
        assert_eq!(
            s("!Join ['-', [a, !Ref Env]]"),
            Ok(Lit::Str("a-prod".into()))
        );
        assert_eq!(
            s("{'Fn::Join': ['-', [a, {Ref: Env}]]}"),
            Ok(Lit::Str("a-prod".into()))
        );
        assert_eq!(s("!Select [1, !Ref Names]"), Ok(Lit::Str("b".into())));
        assert_eq!(
            s("!FindInMap [Periods, !Ref Env, seconds]"),
            Ok(Lit::Num(300.0))
        );
        assert_eq!(s("!If [IsProd, 1, 2]"), Ok(Lit::Num(1.0)));
        assert_eq!(s("!If [IsDev, 1, 2]"), Ok(Lit::Num(2.0)));
        assert_eq!(
            s("!Ref Logs"),
            Ok(Lit::Str("aws-cloudtrail-logs-123456789012".into()))
        );
        assert_eq!(s("!Ref AWS::NoValue"), Ok(Lit::NoValue));
    }

    #[test]
    fn what_stays_unknown_says_why() {
        let e = |v: &str| resolve(PARAMS, v).unwrap_err();
        assert!(e("!Ref Topic").contains("parameter Topic, which has no Default"));
        assert!(e("!Ref AWS::AccountId").contains("pseudo parameter AWS::AccountId"));
        assert!(e("!Sub '${AWS::Region}'").contains("pseudo parameter AWS::Region"));
        assert!(e("!GetAtt Logs.Arn").contains("Fn::GetAtt"));
        assert!(e("!Sub '${Logs.Arn}'").contains("attribute"));
        assert!(e("!Ref Anon").contains("CloudFormation generates"));
        assert!(e("!Ref Nowhere").contains("does not define"));
        assert!(e("!ImportValue x").contains("another stack"));
    }

    #[test]
    fn templates_are_told_from_other_yaml() {
        assert!(is_template(&template(
            "AWSTemplateFormatVersion: '2010-09-09'\n"
        )));
        assert!(is_template(&template(
            "Resources:\n  A: {Type: 'AWS::SNS::Topic'}\n"
        )));
        assert!(!is_template(&template("resources:\n  a: {type: x}\n")));
        assert!(!is_template(&template(
            "alerts:\n  rootAccountUsage: true\n"
        )));
    }

    #[test]
    fn positions_point_at_the_resource_and_its_pattern() {
        let text = "Resources:\n  Root:\n    Type: AWS::Logs::MetricFilter\n    Properties:\n      LogGroupName: g\n      FilterPattern: '{ $.a = 1 }'\n      MetricTransformations:\n        - {MetricName: M, MetricNamespace: N, MetricValue: '1'}\n";
        let root = template(text);
        let mut out = Deployed::default();
        read("t.yaml", &root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let f = &out.filters[0];
        assert_eq!(f.name, "Root");
        assert_eq!(f.origin.enabled, Some((2, 3)));
        assert_eq!(f.origin.pattern, Some((6, 22)));
    }
}
