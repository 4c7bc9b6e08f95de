//! Naming conventions of a schema: the dominant convention is detected, outliers reported.

pub mod naming_convention;
