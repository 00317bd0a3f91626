/**
 * Zip files built by python3's zipfile module, which writes whatever names and modes it is given:
 * the malicious entries (`../../evil`, absolute and UNC names, symlinks) that zip libraries for
 * Node refuse to create.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ZipEntrySpec {
  name: string;
  /** Text content (default empty). */
  text?: string;
  /** Instead of text: this many zero bytes (they compress ~1000:1). */
  zeros?: number;
  /** The Unix st_mode, type bits included (default a 0644 regular file). */
  mode?: number;
  /** Write this uncompressed size into the headers instead of the true one: a lying zip bomb. */
  declaredSize?: number;
}

const SCRIPT = String.raw`
import json, struct, sys, zipfile
out, entries = sys.argv[1], json.loads(sys.argv[2])
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for e in entries:
        info = zipfile.ZipInfo(e['name'])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = e.get('mode', 0o100644) << 16
        data = b'\0' * e['zeros'] if 'zeros' in e else e.get('text', '').encode()
        z.writestr(info, data)
lies = [e for e in entries if 'declaredSize' in e]
if lies:
    # one entry only: patch the uncompressed size in its local header and central directory record
    b = bytearray(open(out, 'rb').read())
    size = lies[0]['declaredSize']
    struct.pack_into('<I', b, 22, size)
    struct.pack_into('<I', b, b.find(b'PK\x01\x02') + 24, size)
    open(out, 'wb').write(bytes(b))
`;

export function writeZip(file: string, entries: readonly ZipEntrySpec[]): Buffer {
  execFileSync('python3', ['-c', SCRIPT, file, JSON.stringify(entries)]);
  return readFileSync(file);
}

export const S_IFLNK = 0o120000;
export const S_IFIFO = 0o010000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
