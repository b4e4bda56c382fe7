//! Drafting and sending: drafts, replies and forwards as drafts, attachments, and the send tools
//! the send policy allows.

tool_group![];
