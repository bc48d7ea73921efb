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
    /// `:` the command palette (also takes a pasted id).
    Palette,
    /// `/` filter the selected group.
    Filter,
    /// Back and forward along the jumps made.
    Back,
    Forward,
    /// `m` + letter: mark the row shown; `'` + letter: jump to a mark.
    Mark,
    GoMark,
    /// `y`: copy something of the row shown (a menu follows).
    Copy,
    /// `e`: export the row shown to a file (a menu follows).
    Export,
    /// `R`: what points at this row, document or object.
    Referrers,
    /// `t`: the tenant picker.
    Tenants,
    /// `L`: show the last results list again.
    LastResults,
    /// `o`: open the tree at the selected row's own place (from a query's results).
    Reveal,
    /// `w`: the run view of the selected activity run.
    RunView,
    /// `c`: mark a run to compare; on a second run, compare the two.
    CompareMark,
    /// `n` / `N`: next / previous failed step or search match (in the run view).
    NextMatch,
    PreviousMatch,
    /// `z`: the run view on the whole screen, or back to the right-hand side.
    Zoom,
    /// `v`: show another tenant's withheld data (after a confirmation).
    ShowWithheld,
}

/// The default key map: vim / k9s / lazygit conventions, arrows always work.
pub fn command_for(key: KeyEvent) -> Option<Command> {
    use Command::*;
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Quit),
            KeyCode::Char('d') => Some(PageDown),
            KeyCode::Char('u') => Some(PageUp),
            KeyCode::Char('o') => Some(Back),
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
        KeyCode::Char(':') => Palette,
        KeyCode::Char('/') => Filter,
        KeyCode::Char('[') => Back,
        KeyCode::Char(']') => Forward,
        KeyCode::Char('m') => Mark,
        KeyCode::Char('\'') => GoMark,
        KeyCode::Char('y') => Copy,
        KeyCode::Char('e') => Export,
        KeyCode::Char('R') => Referrers,
        KeyCode::Char('t') => Tenants,
        KeyCode::Char('L') => LastResults,
        KeyCode::Char('o') => Reveal,
        KeyCode::Char('w') => RunView,
        KeyCode::Char('c') => CompareMark,
        KeyCode::Char('n') => NextMatch,
        KeyCode::Char('N') => PreviousMatch,
        KeyCode::Char('z') => Zoom,
        KeyCode::Char('v') => ShowWithheld,
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
    (
        ": (paste an id)",
        "jump to a UUID, ObjectId or S3 key · :commands",
    ),
    (
        "/",
        "filter the group: text, status:failed (Enter on empty clears)",
    ),
    ("[ ] ^o", "back · forward along jumps"),
    ("m a-z  ' a-z", "mark the row · jump to a mark"),
    ("t", "pick a tenant (fuzzy: name, slug, id)"),
    (
        "R",
        "what points at this row (document/object in those panes)",
    ),
    ("o", "show a result row at its place in the tree"),
    ("L", "the last results list again"),
    ("v", "show another tenant's withheld data (asks first)"),
    ("y", "copy: id, row, document, path, key (OSC 52)"),
    (
        "e",
        "export the row, document and content: Markdown or JSON",
    ),
    (
        "w",
        "run view of the selected activity run · w again: the panes",
    ),
    (
        "  n N",
        "run view: next · previous failed step (or search match)",
    ),
    (
        "  [ ]",
        "run view: previous · next run of the same activity",
    ),
    (
        "  /",
        "run view: search steps, errors and tool-call payloads",
    ),
    ("  Enter", "run view: the step in the panes (w comes back)"),
    ("  z", "run view: whole screen · right-hand side"),
    (
        "c",
        "mark a run · c on a second run compares them (Enter: payload diff)",
    ),
    ("?", "this help"),
    ("Esc", "close a popup · back to the tree"),
    ("q ^c", "quit"),
];
