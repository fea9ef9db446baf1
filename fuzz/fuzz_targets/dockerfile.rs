//! The Dockerfile reader: instructions, build stages, the final user, and
//! the substitution and image references the checks use.
#![no_main]

use assay::dockerfile::{self, ImageRef};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

fuzz_target!(|text: &str| {
    let instructions = dockerfile::parse(text);
    let stages = dockerfile::stages(&instructions);
    if let Some(user) = dockerfile::final_user(&stages) {
        let _ = user.is_root();
    }
    let vars: HashMap<String, Option<String>> = [
        ("TAG".to_owned(), Some("1.0".to_owned())),
        ("EMPTY".to_owned(), Some(String::new())),
        ("UNSET".to_owned(), None),
    ]
    .into_iter()
    .collect();
    for ins in &instructions {
        let (text, unresolved) = dockerfile::substitute(&ins.args, &vars);
        let _ = ImageRef::parse(&text, unresolved);
    }
});
