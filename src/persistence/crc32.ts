/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320), table-driven.
 *
 * Why not a dependency: Node 20 has no zlib.crc32 (it arrived in 22.2), and the function is
 * twenty lines that never change; a package would add an install for nothing. Same results
 * as zlib.crc32 / the `crc-32` package (checked in the tests against the standard vector
 * "123456789" -> 0xCBF43926).
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of `bytes[start, end)` as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
