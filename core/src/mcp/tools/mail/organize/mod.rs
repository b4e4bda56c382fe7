//! Organising mail: moving, copying, flags, categories, folders, rules, mailbox settings, deleting.

tool_group![];
