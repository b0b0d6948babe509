// HTTP field syntax (RFC 9110 §5.5, §5.6.2), checked by the gateway's HTTP/1.1 server on the way in and by its
// upstream client on the way out.

const SPACE = 32;
const TAB = 9;

/** tchar (RFC 9110 §5.6.2) by character code. */
const TOKEN = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[char.charCodeAt(0)] = 1;

/** Whether a character code is a tchar. */
export const isTokenCode = (code: number): boolean => code <= 127 && TOKEN[code] === 1;

export function isToken(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code > 127 || TOKEN[code] === 0) return false;
  }
  return true;
}

/** field-vchar (obs-text being latin1), SP and HTAB (RFC 9110 §5.5): no CR, LF, NUL or other controls, no DEL. */
export function isFieldValue(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if ((code < SPACE && code !== TAB) || code === 127 || code > 255) return false;
  }
  return true;
}
