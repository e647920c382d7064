//! The `types` of a request: type strings parsed, the graph checked, `encodeType`, type hashes.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::json::{as_object, as_str, only_keys, take, Json, Path};
use super::{
    TypedDataError, DOMAIN_TYPE, MAX_ARRAY_DIMENSIONS, MAX_FIELDS, MAX_JSON_BYTES, MAX_NAME_LEN,
    MAX_TYPES,
};

// ---------------------------------------------------------------------------------------
// Types.

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Base {
    Address,
    Bool,
    String,
    Bytes,
    FixedBytes(usize),
    Uint(usize),
    Int(usize),
    Struct(String),
}

#[derive(Clone, Debug)]
pub(super) struct FieldType {
    pub(super) base: Base,
    /// Array dimensions as written: `T[2][]` is `[Some(2), None]`; the last is outermost.
    pub(super) dims: Vec<Option<usize>>,
    /// The type string as declared (it is canonical once it parsed).
    pub(super) text: String,
}

#[derive(Clone, Debug)]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) ty: FieldType,
}

fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

/// Digits without a leading zero, as a number in `1..=max`.
fn small_number(digits: &str, max: usize) -> Option<usize> {
    if digits.is_empty() || digits.len() > 7 || digits.starts_with('0') {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = digits.parse().ok()?;
    (1..=max).contains(&n).then_some(n)
}

/// The atomic type `name`, if it is one.
fn atomic(name: &str) -> Option<Base> {
    match name {
        "address" => return Some(Base::Address),
        "bool" => return Some(Base::Bool),
        "string" => return Some(Base::String),
        "bytes" => return Some(Base::Bytes),
        _ => {}
    }
    if let Some(n) = name.strip_prefix("bytes") {
        return small_number(n, 32).map(Base::FixedBytes);
    }
    let (digits, signed) = match name.strip_prefix("uint") {
        Some(d) => (d, false),
        None => (name.strip_prefix("int")?, true),
    };
    let bits = small_number(digits, 256).filter(|b| b % 8 == 0)?;
    Some(if signed {
        Base::Int(bits)
    } else {
        Base::Uint(bits)
    })
}

/// Names a struct may not take: the atomic types and anything that reads like one.
fn looks_atomic(name: &str) -> bool {
    if matches!(
        name,
        "address" | "bool" | "string" | "bytes" | "uint" | "int"
    ) {
        return true;
    }
    let digits_after = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    digits_after("bytes") || digits_after("uint") || digits_after("int")
}

pub(super) fn parse_field_type(text: &str) -> Result<FieldType, TypedDataError> {
    let invalid = || TypedDataError::InvalidType {
        name: text.to_string(),
    };
    if text.len() > MAX_NAME_LEN {
        return Err(TypedDataError::TooComplex {
            what: "bytes in a type name",
            limit: MAX_NAME_LEN,
        });
    }
    let (base_text, mut rest) = match text.find('[') {
        Some(i) => (
            text.get(..i).ok_or_else(invalid)?,
            text.get(i..).ok_or_else(invalid)?,
        ),
        None => (text, ""),
    };
    let base = match atomic(base_text) {
        Some(base) => base,
        None if is_identifier(base_text) && !looks_atomic(base_text) => {
            Base::Struct(base_text.to_string())
        }
        None => return Err(invalid()),
    };
    let mut dims = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(invalid)?;
        let close = inner.find(']').ok_or_else(invalid)?;
        let digits = inner.get(..close).ok_or_else(invalid)?;
        rest = inner.get(close + 1..).ok_or_else(invalid)?;
        if digits.is_empty() {
            dims.push(None);
        } else {
            dims.push(Some(
                small_number(digits, MAX_JSON_BYTES).ok_or_else(invalid)?,
            ));
        }
        if dims.len() > MAX_ARRAY_DIMENSIONS {
            return Err(TypedDataError::TooComplex {
                what: "array dimensions",
                limit: MAX_ARRAY_DIMENSIONS,
            });
        }
    }
    Ok(FieldType {
        base,
        dims,
        text: text.to_string(),
    })
}

fn domain_field_type(name: &str) -> Option<&'static str> {
    match name {
        "name" | "version" => Some("string"),
        "chainId" => Some("uint256"),
        "verifyingContract" => Some("address"),
        "salt" => Some("bytes32"),
        _ => None,
    }
}

/// The validated `types` of a request, with the type hash of every struct.
pub(super) struct Types {
    pub(super) defs: BTreeMap<String, Vec<Field>>,
    pub(super) hashes: BTreeMap<String, [u8; 32]>,
}

impl Types {
    pub(super) fn parse(value: &Json) -> Result<Types, TypedDataError> {
        let root = Path::Root("types");
        let obj = as_object(value, &root)?;
        if obj.len() > MAX_TYPES {
            return Err(TypedDataError::TooComplex {
                what: "types",
                limit: MAX_TYPES,
            });
        }
        let mut defs = BTreeMap::new();
        for (name, fields) in obj {
            if name.len() > MAX_NAME_LEN {
                return Err(TypedDataError::TooComplex {
                    what: "bytes in a type name",
                    limit: MAX_NAME_LEN,
                });
            }
            if !is_identifier(name) || looks_atomic(name) {
                return Err(TypedDataError::InvalidType { name: name.clone() });
            }
            let path = Path::Field(&root, name);
            let list = match fields {
                Json::Arr(list) => list,
                other => {
                    let _ = other;
                    return Err(TypedDataError::WrongKind {
                        at: path.at(),
                        expected: "an array of {name, type} objects",
                    });
                }
            };
            if list.len() > MAX_FIELDS {
                return Err(TypedDataError::TooComplex {
                    what: "fields in one type",
                    limit: MAX_FIELDS,
                });
            }
            let mut parsed: Vec<Field> = Vec::with_capacity(list.len());
            for (i, entry) in list.iter().enumerate() {
                let entry_path = Path::Index(&path, i);
                let entry = as_object(entry, &entry_path)?;
                only_keys(entry, &["name", "type"], &entry_path)?;
                let field_name = as_str(take(entry, "name", &entry_path)?, &entry_path)?;
                let type_text = as_str(take(entry, "type", &entry_path)?, &entry_path)?;
                if field_name.len() > MAX_NAME_LEN {
                    return Err(TypedDataError::TooComplex {
                        what: "bytes in a field name",
                        limit: MAX_NAME_LEN,
                    });
                }
                if !is_identifier(field_name) {
                    return Err(TypedDataError::InvalidFieldName {
                        ty: name.clone(),
                        field: field_name.to_string(),
                    });
                }
                if parsed.iter().any(|f| f.name == field_name) {
                    return Err(TypedDataError::DuplicateField {
                        ty: name.clone(),
                        field: field_name.to_string(),
                    });
                }
                if name == DOMAIN_TYPE && domain_field_type(field_name) != Some(type_text) {
                    return Err(TypedDataError::DomainField {
                        field: field_name.to_string(),
                    });
                }
                parsed.push(Field {
                    name: field_name.to_string(),
                    ty: parse_field_type(type_text)?,
                });
            }
            defs.insert(name.clone(), parsed);
        }
        if !defs.contains_key(DOMAIN_TYPE) {
            return Err(TypedDataError::UndefinedType {
                name: DOMAIN_TYPE.to_string(),
            });
        }
        // Every referenced struct is defined.
        for fields in defs.values() {
            for field in fields {
                if let Base::Struct(name) = &field.ty.base {
                    if !defs.contains_key(name) {
                        return Err(TypedDataError::UndefinedType { name: name.clone() });
                    }
                }
            }
        }
        check_acyclic(&defs)?;
        let mut types = Types {
            defs,
            hashes: BTreeMap::new(),
        };
        let mut hashes = BTreeMap::new();
        for name in types.defs.keys() {
            hashes.insert(
                name.clone(),
                crate::ethereum::keccak256(types.encode_type(name).as_bytes()),
            );
        }
        types.hashes = hashes;
        Ok(types)
    }

    /// Struct types `name` refers to, directly or not, `name` itself excluded.
    fn dependencies<'s>(&'s self, name: &'s str) -> BTreeSet<&'s str> {
        let mut found = BTreeSet::new();
        let mut stack = alloc::vec![name];
        while let Some(current) = stack.pop() {
            for field in self.defs.get(current).into_iter().flatten() {
                if let Base::Struct(dep) = &field.ty.base {
                    if dep != name && found.insert(dep.as_str()) {
                        stack.push(dep);
                    }
                }
            }
        }
        found
    }

    /// EIP-712 `encodeType`: `name(fields)` and then every dependency's, sorted by name.
    pub(super) fn encode_type(&self, name: &str) -> String {
        let mut out = String::new();
        let mut one = |type_name: &str| {
            out.push_str(type_name);
            out.push('(');
            for (i, field) in self.defs.get(type_name).into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&field.ty.text);
                out.push(' ');
                out.push_str(&field.name);
            }
            out.push(')');
        };
        one(name);
        for dep in self.dependencies(name) {
            one(dep);
        }
        out
    }
}

/// Refuses a cycle in the struct graph (depth-first search, colours kept in a map).
fn check_acyclic(defs: &BTreeMap<String, Vec<Field>>) -> Result<(), TypedDataError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for root in defs.keys() {
        if marks.contains_key(root.as_str()) {
            continue;
        }
        // (type, index of the next field to visit); an explicit stack bounds recursion.
        let mut stack: Vec<(&str, usize)> = alloc::vec![(root.as_str(), 0)];
        marks.insert(root, Mark::Open);
        while let Some(top) = stack.last_mut() {
            let (name, next) = *top;
            let fields = defs.get(name).map(Vec::as_slice).unwrap_or(&[]);
            match fields.get(next) {
                None => {
                    marks.insert(name, Mark::Done);
                    stack.pop();
                }
                Some(field) => {
                    top.1 += 1;
                    if let Base::Struct(dep) = &field.ty.base {
                        match marks.get(dep.as_str()) {
                            Some(Mark::Open) => {
                                return Err(TypedDataError::CyclicType { name: dep.clone() })
                            }
                            Some(Mark::Done) => {}
                            None => {
                                marks.insert(dep, Mark::Open);
                                stack.push((dep, 0));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
