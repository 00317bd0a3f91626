/**
 * What reaches the terminal from the server is shown, never obeyed: escape sequences and other
 * control characters in names and messages (a node named "\x1b]0;pwned\x07", say) could retitle
 * the window, move the cursor or hide text. They are removed; line breaks and tabs stay.
 */

/** ESC-introduced sequences (CSI, OSC, and two-character ones), then any other control character. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-_])?/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const OTHER_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function stripControls(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(OTHER_CONTROL, '');
}
