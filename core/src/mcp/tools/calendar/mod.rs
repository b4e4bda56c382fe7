//! Calendars and events.

tool_group![];
