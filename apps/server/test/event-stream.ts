import type { ServerEvent } from '@hoshin/protocol'
import { afterEach } from 'vitest'
import { eventually } from './collab-harness.js'
import type { TestClient } from './harness.js'

export interface EventStream {
  /** Every event's JSON, in order. */
  events: ServerEvent[]
  /** Whether the server has ended the stream. */
  ended: boolean
  /** Resolves once the server's first line arrived (subscribed). */
  ready(): Promise<void>
  /** Resolves once an event passes `check`. */
  next(check: (event: ServerEvent) => boolean): Promise<void>
  close(): Promise<void>
}

const open = new Set<EventStream>()
afterEach(async () => {
  await Promise.all([...open].map((s) => s.close()))
  open.clear()
})

/** `GET /api/events` read with a real fetch, as the web app's EventSource reads it. Closed after each test. */
export function eventStream(client: TestClient): EventStream {
  const controller = new AbortController()
  let opened = false
  const stream: EventStream = {
    events: [],
    ended: false,
    ready: () => eventually(() => opened),
    next: (check) => eventually(() => stream.events.some(check)),
    close: async () => {
      controller.abort()
      await done
      open.delete(stream)
    },
  }
  const done = fetch(new URL('/api/events', client.baseUrl), { headers: { cookie: client.cookieHeader() ?? '' }, signal: controller.signal })
    .then(async (res) => {
      if (!res.body) return
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      for (;;) {
        const { value, done: finished } = await reader.read()
        if (finished) return
        buffer += decoder.decode(value, { stream: true })
        opened ||= buffer.includes(': ready')
        let cut = buffer.indexOf('\n\n')
        while (cut >= 0) {
          const data = buffer
            .slice(0, cut)
            .split('\n')
            .find((l) => l.startsWith('data: '))
          if (data) stream.events.push(JSON.parse(data.slice(6)) as ServerEvent)
          buffer = buffer.slice(cut + 2)
          cut = buffer.indexOf('\n\n')
        }
      }
    })
    .catch(() => undefined)
    .finally(() => {
      stream.ended = true
    })
  open.add(stream)
  return stream
}
