//! The canonical printer: `Display` for the AST.
