// Names that Windows cannot hold as they are, though Linux and macOS can: a stored key or
// tar entry may carry one. Written on Windows, `a:b` opens an alternate data stream of
// `a`, `nul.txt` the null device, and `a.zip.` loses its dot and lands on `a.zip`.
const RESERVED_CHARACTERS = /[<>:"|?*]/;
const DEVICE_NAMES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.[^.]*)*$/i;

/** Why Windows cannot hold `name` (one path component), or undefined. */
export function windowsNameProblem(name: string): string | undefined {
  const reserved = RESERVED_CHARACTERS.exec(name);
  if (reserved)
    return `has the character ${reserved[0]}, which Windows does not allow in file names`;
  if (/[. ]$/.test(name)) return 'ends in a dot or a space, which Windows drops from file names';
  if (DEVICE_NAMES.test(name.replace(/ +$/, ''))) {
    return 'is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)';
  }
  return undefined;
}
