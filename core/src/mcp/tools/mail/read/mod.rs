//! Reading mail: listings, search, messages, threads, attachments, folders, settings.

pub mod list_messages;

tool_group![list_messages::ListMessages];
