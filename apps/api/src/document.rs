//! The OpenAPI document as the server behaves (PL-7), where poem-openapi cannot say it on
//! its own: request bodies refuse unknown fields (`additionalProperties: false`), an
//! optional request field accepts `null` (`nullable`: poem-openapi reads it as "not sent",
//! or as "clear" where the field says so), and calendar days are `date`s.
//!
//! Each refinement follows from how poem-openapi parses a request, not from a list of
//! fields: a new request type is described correctly without a change here.

use serde_json::{Map, Value};

/// The document poem-openapi wrote (`spec`), refined.
pub fn refine(spec: &str) -> String {
    let Ok(mut document) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    let requests = request_schemas(&document);
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in &requests {
            if let Some(schema) = schemas.get_mut(name).and_then(Value::as_object_mut) {
                refine_request_object(schema);
            }
        }
    }
    standard_formats(&mut document);
    serde_json::to_string(&document).unwrap_or_else(|_| spec.to_owned())
}

/// Every component schema that a request body uses, directly or through another.
fn request_schemas(document: &Value) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut pending = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for operation in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(Map::values)
        {
            if let Some(body) = operation.get("requestBody") {
                collect_refs(body, &mut pending);
            }
        }
    }
    while let Some(name) = pending.pop() {
        if found.contains(&name) {
            continue;
        }
        if let Some(schema) = document.pointer(&format!("/components/schemas/{name}")) {
            collect_refs(schema, &mut pending);
        }
        found.push(name);
    }
    found
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// A request object: request types refuse unknown fields, and an optional field takes
/// `null` (an `Option` reads it as `None`, a field with a default as its default, a
/// `MaybeUndefined` as "clear").
fn refine_request_object(schema: &mut Map<String, Value>) {
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return;
    }
    if !schema.contains_key("additionalProperties") {
        schema.insert("additionalProperties".into(), Value::Bool(false));
    }
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if required.contains(name) {
            continue;
        }
        let Some(map) = property.as_object_mut() else {
            continue;
        };
        if let Some(reference) = map.remove("$ref") {
            // OpenAPI 3.0 ignores siblings of `$ref`: wrap it to say `nullable`.
            map.insert(
                "allOf".into(),
                Value::Array(vec![Value::Object(Map::from_iter([(
                    "$ref".to_owned(),
                    reference,
                )]))]),
            );
        }
        map.insert("nullable".into(), Value::Bool(true));
    }
}

/// poem-openapi names a `NaiveDate` `naive-date`; OpenAPI's name is `date`.
fn standard_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), Value::String("date".into()));
            }
            map.values_mut().for_each(standard_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(standard_formats),
        _ => {}
    }
}
