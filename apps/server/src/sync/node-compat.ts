/**
 * @hono/node-ws reports socket errors as `new ErrorEvent(…)`, a global Node has only from 22 on. On
 * Node 20 that throws inside its error handler (a message past the size limit, for one), so give it
 * a minimal ErrorEvent there.
 */
if (typeof (globalThis as { ErrorEvent?: unknown }).ErrorEvent === 'undefined') {
  class NodeErrorEvent extends Event {
    readonly error: unknown
    readonly message: string
    constructor(type: string, init: { error?: unknown; message?: string } = {}) {
      super(type)
      this.error = init.error
      this.message = init.message ?? (init.error instanceof Error ? init.error.message : '')
    }
  }
  ;(globalThis as { ErrorEvent?: unknown }).ErrorEvent = NodeErrorEvent
}
