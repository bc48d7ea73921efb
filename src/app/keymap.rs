//! Keys become commands here, and only here, so a later config can remap them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Down,
    Up,
    /// Open the node, follow the link, or load the next page.
    Open,
    /// Close the node or go to its parent; in a pane, go back.
    Close,
    Top,
    Bottom,
    PageDown,
    PageUp,
    NextPane,
    PreviousPane,
    /// Show pane 1 (Row), 2 (Document) or 3 (Content).
    Pane(u8),
    Reload,
    Save,
    Help,
    /// Close a popup, or go back.
    Escape,
    Quit,
}

/// The default key map: vim / k9s / lazygit conventions, arrows always work.
pub fn command_for(key: KeyEvent) -> Option<Command> {
    use Command::*;
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Quit),
            KeyCode::Char('d') => Some(PageDown),
            KeyCode::Char('u') => Some(PageUp),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('j') | KeyCode::Down => Down,
        KeyCode::Char('k') | KeyCode::Up => Up,
        KeyCode::Char('l') | KeyCode::Right | KeyCode::Enter => Open,
        KeyCode::Char('h') | KeyCode::Left | KeyCode::Backspace => Close,
        KeyCode::Char('g') | KeyCode::Home => Top,
        KeyCode::Char('G') | KeyCode::End => Bottom,
        KeyCode::PageDown => PageDown,
        KeyCode::PageUp => PageUp,
        KeyCode::Tab => NextPane,
        KeyCode::BackTab => PreviousPane,
        KeyCode::Char(c @ '1'..='3') => Pane(c as u8 - b'0'),
        KeyCode::Char('r') => Reload,
        KeyCode::Char('s') => Save,
        KeyCode::Char('?') => Help,
        KeyCode::Esc => Escape,
        KeyCode::Char('q') => Quit,
        _ => return None,
    })
}

/// (keys, what they do) for the help popup and the README.
pub const HELP: &[(&str, &str)] = &[
    ("j k ↓ ↑", "move"),
    ("l → Enter", "open node · follow link · load more"),
    ("h ← Backspace", "close node · go to parent · back"),
    ("g G Home End", "top · bottom"),
    ("PgUp PgDn ^u ^d", "page up · page down"),
    ("Tab Shift-Tab", "cycle panes: tree, row, document, content"),
    ("1 2 3", "show the row, document or content pane"),
    ("r", "reload the selected node"),
    ("s", "save the current object to a file"),
    ("?", "this help"),
    ("Esc", "close a popup · back"),
    ("q ^c", "quit"),
];
