import { deflateRawSync } from 'node:zlib'

export interface Entry {
  name: string
  data: Uint8Array
  /** What the central directory claims the entry inflates to (a lying archive understates it). */
  declaredSize?: number
}

/** A ZIP archive written by hand: local headers, deflated bodies, the central directory, its end record. */
export function zip(entries: Entry[]): Uint8Array {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name)
    const body = deflateRawSync(entry.data, { level: 9 })
    const size = entry.declaredSize ?? entry.data.byteLength
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(body.byteLength, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.byteLength, 26)
    parts.push(local, name, body)
    const header = Buffer.alloc(46)
    header.writeUInt32LE(0x02014b50, 0)
    header.writeUInt16LE(20, 4)
    header.writeUInt16LE(20, 6)
    header.writeUInt16LE(8, 10)
    header.writeUInt32LE(body.byteLength, 20)
    header.writeUInt32LE(size, 24)
    header.writeUInt16LE(name.byteLength, 28)
    header.writeUInt32LE(offset, 42)
    central.push(header, name)
    offset += local.byteLength + name.byteLength + body.byteLength
  }
  const directory = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.byteLength, 12)
  end.writeUInt32LE(offset, 16)
  return new Uint8Array(Buffer.concat([...parts, directory, end]))
}
