//! OData query options.
