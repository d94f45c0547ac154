import { hash, verify } from '@node-rs/argon2'

/**
 * argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane): ~30 ms here, slow enough
 * against guessing, fast enough for a town office's logins.
 */
const options = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export const MIN_PASSWORD_LENGTH = 8

export function hashPassword(password: string): Promise<string> {
  return hash(password, options)
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    // A malformed stored hash is a failed login, not a crash.
    return false
  }
}

/** Verifies against a throwaway hash so that an unknown user name takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined
export async function burnVerifyTime(password: string): Promise<void> {
  dummyHash ??= hashPassword('hoshin-timing-equaliser')
  await verifyPassword(await dummyHash, password)
}
