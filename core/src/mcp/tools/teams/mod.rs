//! Microsoft Teams: teams, channels, chats and online meetings (work or school accounts).

tool_group![];
